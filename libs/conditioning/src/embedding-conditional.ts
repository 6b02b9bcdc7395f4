/**
 * Embedding-conditional Gated PixelCNN (Gated PixelCNN paper, section 3.3, the portraits experiment): the Gated
 * PixelCNN conditioned (eq. 4) on h = f(x), the embedding of an image by a small network f. f is trained first
 * with a triplet loss (`trainTriplet`) so that images of one identity lie close together, then frozen: its
 * variables are not among the model's trainable variables, and `encoder.encode(x)` is the trainer's condition.
 */
import { GatedPixelCnn, type GatedPixelCnnConfig } from '@pixel-models/gated-pixelcnn';
import { MlpEncoder } from './encoder';
import { VectorConditioner } from './vector-conditioner';

/** The embedding network f: image size, hidden width and the embedding's size (the size of h). */
export interface EmbeddingNetworkConfig {
  height: number;
  width: number;
  hidden: number;
  size: number;
}

/** The conditional PixelCNN and its (frozen) embedding network f. `config` is the PixelCNN's own. */
export class EmbeddingConditionalModel extends GatedPixelCnn {
  readonly encoder: MlpEncoder;

  constructor(config: GatedPixelCnnConfig, seed: number, f: EmbeddingNetworkConfig) {
    super(
      config,
      seed,
      new VectorConditioner({ size: f.size, layers: config.layers, filters: config.filters }, seed + 1000),
    );
    this.encoder = new MlpEncoder(
      {
        height: f.height,
        width: f.width,
        channels: config.channels,
        levels: config.levels,
        hidden: f.hidden,
        size: f.size,
      },
      seed + 2000,
    );
  }

  override dispose(): void {
    super.dispose();
    this.encoder.dispose();
  }
}

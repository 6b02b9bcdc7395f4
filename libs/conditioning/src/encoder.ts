/**
 * A small image encoder x -> R^m: flatten, a ReLU hidden layer, a linear output. Used as the embedding network
 * f(x) trained with a triplet loss (the paper's portrait experiment, section 3.3) and as the encoder of the
 * PixelCNN auto-encoder (section 3.4).
 */
import * as tf from '@tensorflow/tfjs';
import { Params, type Variable1D, type Variable2D, levelsToInput, matMul2d } from '@pixel-models/nn';

export interface EncoderConfig {
  height: number;
  width: number;
  channels: number;
  levels: number;
  hidden: number;
  /** Size m of the embedding / bottleneck. */
  size: number;
}

export class MlpEncoder {
  readonly params: Params;
  private readonly w1: Variable2D;
  private readonly b1: Variable1D;
  private readonly w2: Variable2D;
  private readonly b2: Variable1D;

  constructor(
    readonly config: EncoderConfig,
    seed: number,
  ) {
    const { height, width, channels, hidden, size } = config;
    const p = (this.params = new Params(seed));
    const inputs = height * width * channels;
    this.w1 = p.weight('encoder.w1', [inputs, hidden], inputs);
    this.b1 = p.bias('encoder.b1', hidden);
    this.w2 = p.weight('encoder.w2', [hidden, size], hidden, 1 / Math.sqrt(2));
    this.b2 = p.bias('encoder.b2', size);
  }

  get variables(): tf.Variable[] {
    return this.params.variables;
  }

  /** Int32 levels [B, H, W, C] -> embeddings [B, m]. */
  encode(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const flat = tf.reshape(levelsToInput(x, this.config.levels), [x.shape[0], -1]) as tf.Tensor2D;
      const hidden = tf.relu(tf.add(matMul2d(flat, this.w1), this.b1)) as tf.Tensor2D;
      return tf.add(matMul2d(hidden, this.w2), this.b2) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.params.dispose();
  }
}

/**
 * PixelCNN auto-encoder (Gated PixelCNN paper, section 3.4): a convolution-free encoder maps an image to an
 * m-dimensional code, and a Gated PixelCNN conditioned on that code (eq. 4) is the decoder; both are trained
 * end to end on the decoder's NLL. `logits(x, code)` needs the code: the decoder is autoregressive given it,
 * while the code itself is computed from the whole image by `encode` (passed to the trainer as its condition).
 */
import * as tf from '@tensorflow/tfjs';
import { type AutoregressiveModel, ConfigError, type IncrementalSampler } from '@pixel-models/nn';
import { GatedPixelCnn, type GatedPixelCnnConfig } from '@pixel-models/gated-pixelcnn';
import { MlpEncoder } from './encoder';
import { VectorConditioner } from './vector-conditioner';

export interface AutoencoderConfig extends GatedPixelCnnConfig {
  height: number;
  width: number;
  /** Bottleneck size m. */
  code: number;
  encoderHidden: number;
}

export class PixelCnnAutoencoder implements AutoregressiveModel<AutoencoderConfig> {
  readonly name = 'pixelcnn-autoencoder';
  readonly encoder: MlpEncoder;
  readonly decoder: GatedPixelCnn;

  constructor(
    readonly config: AutoencoderConfig,
    seed: number,
  ) {
    this.encoder = new MlpEncoder(
      {
        height: config.height,
        width: config.width,
        channels: config.channels,
        levels: config.levels,
        hidden: config.encoderHidden,
        size: config.code,
      },
      seed + 1,
    );
    const conditioner = new VectorConditioner(
      { size: config.code, layers: config.layers, filters: config.filters },
      seed + 2,
    );
    this.decoder = new GatedPixelCnn(config, seed, conditioner);
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.decoder.trainableVariables, ...this.encoder.variables];
  }

  encode(x: tf.Tensor4D): tf.Tensor2D {
    return this.encoder.encode(x);
  }

  logits(x: tf.Tensor4D, code?: tf.Tensor): tf.Tensor5D {
    if (!code)
      throw new ConfigError('the auto-encoder decodes from a code: pass logits(x, encode(x)) or a code of your own');
    return this.decoder.logits(x, code);
  }

  logitsFromInput(input: tf.Tensor4D, code?: tf.Tensor): tf.Tensor5D {
    if (!code) throw new ConfigError('the auto-encoder decodes from a code: pass one');
    return this.decoder.logitsFromInput(input, code);
  }

  /** The decoder's cached sampler: `sampleFast` takes the codes as its condition. */
  incrementalSampler(): IncrementalSampler {
    return this.decoder.incrementalSampler();
  }

  dispose(): void {
    this.decoder.dispose();
    this.encoder.dispose();
  }
}

/** Points on the straight line from code a to code b ([m] or [1, m]), endpoints included: [steps, m]. */
export function interpolate(a: tf.Tensor, b: tf.Tensor, steps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const t = tf.linspace(0, 1, steps).reshape([steps, 1]);
    return tf.add(tf.mul(tf.sub(1, t), a.reshape([1, -1])), tf.mul(t, b.reshape([1, -1]))) as tf.Tensor2D;
  });
}

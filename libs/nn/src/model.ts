/**
 * The contract every autoregressive image model implements. The joint distribution factorises in raster order,
 * then channel order R, G, B: p(x) = prod_i p(x_i,R | x_<i) p(x_i,G | x_<i, x_i,R) p(x_i,B | x_<i, x_i,R, x_i,G).
 */
import * as tf from '@tensorflow/tfjs';
import { levelToUnit } from './quantize';

export interface ImageModelConfig {
  /** Colour channels C (1 for MNIST, 3 for CIFAR-10). */
  channels: number;
  /** Softmax levels Q (2 = binarized). */
  levels: number;
}

export interface AutoregressiveModel<Config extends ImageModelConfig = ImageModelConfig> {
  readonly name: string;
  readonly config: Config;
  /** Int32 levels [B, H, W, C] -> logits [B, H, W, C, Q]; logits at (i, c) depend only on earlier inputs. */
  logits(x: tf.Tensor4D, condition?: tf.Tensor): tf.Tensor5D;
  /** The same on model inputs already scaled to [0, 1] (float), so input gradients can be taken. */
  logitsFromInput(input: tf.Tensor4D, condition?: tf.Tensor): tf.Tensor5D;
  readonly trainableVariables: tf.Variable[];
  /**
   * The cached form (fast generation, fast-sampling/), for models that have one: `sampleFast` with it draws the
   * same images as `sampleImages` with O(layers) work per pixel.
   */
  incrementalSampler?(): IncrementalSampler;
  dispose(): void;
}

/** One batch being generated: the caches of every layer. */
export interface IncrementalRun {
  /**
   * Logits [count * Q] (image-major) of channel `ch` at pixel (r, c). `x` holds the levels drawn so far (NHWC,
   * [count, H, W, C]); everything after (r, c, ch) in raster/channel order is still 0 and must not be read.
   */
  pixelLogits(x: Int32Array, r: number, c: number, ch: number): Promise<Float32Array>;
  /** Row r of `x` is complete: compute the row-level caches that row r + 1 reads. */
  finishRow(x: Int32Array, r: number): void;
  dispose(): void;
}

/** A model's incremental form (built from its weights; owns nothing but the runs it starts). */
export interface IncrementalSampler {
  readonly config: ImageModelConfig;
  start(count: number, height: number, width: number, condition?: tf.Tensor): IncrementalRun;
}

/** Int32 levels -> float inputs in [0, 1]. */
export function levelsToInput(x: tf.Tensor4D, levels: number): tf.Tensor4D {
  return tf.tidy(() => tf.mul(tf.cast(x, 'float32'), levelToUnit(1, levels)));
}

/** Reshapes a head's [B, H, W, C*Q] output (channel-major: c*Q + q) to [B, H, W, C, Q]. */
export function toLogits(y: tf.Tensor4D, channels: number, levels: number): tf.Tensor5D {
  const [b, h, w] = y.shape;
  return tf.reshape(y, [b, h, w, channels, levels]);
}

export function countParameters(model: AutoregressiveModel): number {
  return model.trainableVariables.reduce((n, v) => n + v.size, 0);
}

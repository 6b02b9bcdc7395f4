/**
 * Fast generation — Ramachandran et al., "Fast Generation for Convolutional Autoregressive Models", ICLR 2017
 * workshop, sec 2 (Algorithm 1): instead of a full forward pass per pixel, every layer keeps a cache of the
 * activations that later pixels will read, and each new pixel computes only its own column of activations
 * (O(layers) work). What is cached is model specific: each model lib provides an `IncrementalSampler`.
 *
 * `sampleFast` and core's naive `sampleImages` share one raster loop (`drawImages`): the same seeded stream,
 * pixels in raster order, channels R, G, B. So for the same seed and the same logits they return the same levels.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageModelConfig } from '../model';
import { drawImages, type SampleOptions } from '../sampling';

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

/** Samples `count` images with cached activations; the same result as `sampleImages` for the same options. */
export function sampleFast(sampler: IncrementalSampler, opts: SampleOptions): Promise<Int32Array> {
  return drawImages(() => sampler.start(opts.count, opts.height, opts.width, opts.condition), sampler.config, opts);
}

/**
 * Fast generation — Ramachandran et al., "Fast Generation for Convolutional Autoregressive Models", ICLR 2017
 * workshop, sec 2 (Algorithm 1): instead of a full forward pass per pixel, every layer keeps a cache of the
 * activations that later pixels will read, and each new pixel computes only its own column of activations
 * (O(layers) work). What is cached is model specific: each model lib provides an `IncrementalSampler`.
 *
 * `sampleFast` draws exactly like core's naive `sampleImages`: the same seeded stream createRng(seed,
 * 'sampling'), pixels in raster order, channels R, G, B, one `drawLevel` per image in batch order. So for the
 * same seed and the same logits the two return the same levels.
 */
import type * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import type { ImageModelConfig } from '../model';
import { drawLevel, type SampleOptions } from '../sampling';
import { createRng } from '../seed';

/** One batch being generated: the caches of every layer. */
export interface IncrementalRun {
  /**
   * Logits [count * Q] (image-major) of channel `ch` at pixel (r, c). `x` holds the levels drawn so far (NHWC,
   * [count, H, W, C]); everything after (r, c, ch) in raster/channel order is still 0 and must not be read.
   */
  pixelLogits(x: Int32Array, r: number, c: number, ch: number): Float32Array;
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
export function sampleFast(sampler: IncrementalSampler, opts: SampleOptions): Int32Array {
  const { count, height, width, seed } = opts;
  const temperature = opts.temperature ?? 1;
  if (!(temperature > 0)) throw new ConfigError(`temperature must be positive, got ${temperature}`);
  const { channels, levels } = sampler.config;
  const rng = createRng(seed, 'sampling');
  const x = new Int32Array(count * height * width * channels);
  const at = (n: number, r: number, c: number, ch: number) => ((n * height + r) * width + c) * channels + ch;
  const run = sampler.start(count, height, width, opts.condition);
  try {
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        for (let ch = 0; ch < channels; ch++) {
          const logits = run.pixelLogits(x, r, c, ch); // [count * Q]
          for (let n = 0; n < count; n++) x[at(n, r, c, ch)] = drawLevel(logits.subarray(n * levels, (n + 1) * levels), temperature, rng);
        }
      }
      if (r + 1 < height) run.finishRow(x, r);
      opts.onRow?.(r + 1, height);
    }
  } finally {
    run.dispose();
  }
  return x;
}

/**
 * Autoregressive sampling: pixels in raster order, channels R, G, B, each drawn from the model's softmax at
 * temperature T (logits / T) with a seeded generator. Row r's logits depend only on rows <= r, so the model is
 * run on the rows generated so far only, which halves the naive cost.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from './errors';
import type { AutoregressiveModel } from './model';
import { createRng, type Rng } from './seed';
import { tidyRead } from './tidy-read';

export interface SampleOptions {
  count: number;
  height: number;
  width: number;
  temperature?: number;
  seed: number;
  /** Conditioning input for the `count` images, when the model is conditional. */
  condition?: tf.Tensor;
  onRow?: (row: number, rows: number) => void;
}

/** Draws a level from logits / T with a uniform number from `rng`. */
export function drawLevel(logits: ArrayLike<number>, temperature: number, rng: Rng): number {
  let max = -Infinity;
  for (let q = 0; q < logits.length; q++) max = Math.max(max, logits[q] / temperature);
  const weights = Array.from({ length: logits.length }, (_, q) => Math.exp(logits[q] / temperature - max));
  let u = rng.next() * weights.reduce((a, b) => a + b, 0);
  for (let q = 0; q < weights.length; q++) {
    u -= weights[q];
    if (u < 0) return q;
  }
  return weights.length - 1;
}

/** Samples `count` images; returns their levels, NHWC. */
export function sampleImages(model: AutoregressiveModel, opts: SampleOptions): Int32Array {
  const { count, height, width, seed } = opts;
  const temperature = opts.temperature ?? 1;
  if (!(temperature > 0)) throw new ConfigError(`temperature must be positive, got ${temperature}`);
  const { channels, levels } = model.config;
  const rng = createRng(seed, 'sampling');
  const x = new Int32Array(count * height * width * channels);
  const at = (n: number, r: number, c: number, ch: number) => ((n * height + r) * width + c) * channels + ch;
  for (let r = 0; r < height; r++) {
    const rows = r + 1;
    for (let c = 0; c < width; c++) {
      for (let ch = 0; ch < channels; ch++) {
        const logits = tidyRead(() => {
          const visible = new Int32Array(count * rows * width * channels);
          for (let n = 0; n < count; n++) visible.set(x.subarray(at(n, 0, 0, 0), at(n, rows, 0, 0)), n * rows * width * channels);
          const out = model.logits(tf.tensor4d(visible, [count, rows, width, channels], 'int32'), opts.condition);
          return tf.slice(out, [0, r, c, ch, 0], [count, 1, 1, 1, levels]);
        });
        for (let n = 0; n < count; n++) x[at(n, r, c, ch)] = drawLevel(logits.subarray(n * levels, (n + 1) * levels), temperature, rng);
      }
    }
    opts.onRow?.(r + 1, height);
  }
  return x;
}

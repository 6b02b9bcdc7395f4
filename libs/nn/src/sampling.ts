/**
 * Autoregressive sampling: pixels in raster order, channels R, G, B, each drawn from the model's softmax at
 * temperature T (logits / T) with a seeded generator. Row r's logits depend only on rows <= r, so the model is
 * run on the rows generated so far only, which halves the naive cost.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from './errors';
import type { AutoregressiveModel, IncrementalRun } from './model';
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
  onRow?: (row: number, rows: number) => void | Promise<void>;
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

/**
 * The raster loop every sampler shares: for each pixel and channel, the run's logits for all images, one
 * `drawLevel` per image in batch order from the seeded stream createRng(seed, 'sampling'). So two runs that give
 * the same logits draw the same levels. `start` is called after the options are checked; the run is disposed.
 */
export async function drawImages(
  start: () => IncrementalRun,
  config: { channels: number; levels: number },
  opts: SampleOptions,
): Promise<Int32Array> {
  const { count, height, width, seed } = opts;
  const temperature = opts.temperature ?? 1;
  if (!(temperature > 0)) throw new ConfigError(`temperature must be positive, got ${temperature}`);
  const { channels, levels } = config;
  const rng = createRng(seed, 'sampling');
  const x = new Int32Array(count * height * width * channels);
  const at = (n: number, r: number, c: number, ch: number) => ((n * height + r) * width + c) * channels + ch;
  const run = start();
  try {
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        for (let ch = 0; ch < channels; ch++) {
          const logits = await run.pixelLogits(x, r, c, ch); // [count * Q]: the one read-back a pixel needs
          for (let n = 0; n < count; n++)
            x[at(n, r, c, ch)] = drawLevel(logits.subarray(n * levels, (n + 1) * levels), temperature, rng);
        }
      }
      if (r + 1 < height) run.finishRow(x, r);
      await opts.onRow?.(r + 1, height); // may throw (a stop request) between rows
    }
  } finally {
    run.dispose();
  }
  return x;
}

/** Samples `count` images with one forward pass per pixel over the rows drawn so far; returns their levels, NHWC. */
export async function sampleImages(model: AutoregressiveModel, opts: SampleOptions): Promise<Int32Array> {
  const { count, height, width, condition } = opts;
  const { channels, levels } = model.config;
  const rowSize = width * channels; // values per image row
  // A run without caches: nothing to keep between pixels or rows.
  const naiveRun = (): IncrementalRun => ({
    pixelLogits: (x, r, c, ch) =>
      tidyRead(() => {
        const rows = r + 1;
        const visible = new Int32Array(count * rows * rowSize);
        for (let n = 0; n < count; n++)
          visible.set(x.subarray(n * height * rowSize, (n * height + rows) * rowSize), n * rows * rowSize);
        const out = model.logits(tf.tensor4d(visible, [count, rows, width, channels], 'int32'), condition);
        return tf.slice(out, [0, r, c, ch, 0], [count, 1, 1, 1, levels]);
      }),
    finishRow: () => {},
    dispose: () => {},
  });
  return drawImages(naiveRun, model.config, opts);
}

/**
 * Exact dependency maps: which inputs can influence the logits of one output position, from input gradients
 * (the set of non-zero gradients, united over several random inputs and projections).
 */
import * as tf from '@tensorflow/tfjs';
import type { AutoregressiveModel } from './model';
import { createRng } from './seed';
import { tidyRead } from './tidy-read';

export interface DependencyOptions {
  height: number;
  width: number;
  /** Output position [row, col, channel]. */
  position: [number, number, number];
  trials?: number;
  seed?: number;
  condition?: tf.Tensor;
}

/** 0/1 map [H * W * C] (NHWC order) of the inputs with a non-zero gradient into the logits at `position`. */
export async function dependencyMap(model: AutoregressiveModel, opts: DependencyOptions): Promise<Uint8Array> {
  const { height, width, position } = opts;
  const { channels, levels } = model.config;
  const rng = createRng(opts.seed ?? 1, 'dependency-map');
  const seen = new Uint8Array(height * width * channels);
  for (let t = 0; t < (opts.trials ?? 3); t++) {
    const input = tf.tensor4d(
      Float32Array.from({ length: seen.length }, () => rng.next()),
      [1, height, width, channels],
    );
    const projection = tf.tensor1d(Float32Array.from({ length: levels }, () => rng.next() * 2 - 1));
    const grad = await tidyRead(() =>
      tf.grad((x: tf.Tensor) => {
        const logits = model.logitsFromInput(x as tf.Tensor4D, opts.condition);
        const [r, c, ch] = position;
        // Rows of Q, sliced in 2-D: the gradient of a rank-5 slice is a rank-5 pad, which tfjs-webgpu 4.22 cannot compile.
        const row = tf.slice(tf.reshape(logits, [-1, levels]), [(r * width + c) * channels + ch, 0], [1, levels]);
        return tf.sum(tf.mul(tf.reshape(row, [levels]), projection));
      })(input),
    );
    grad.forEach((g, i) => {
      if (g !== 0) seen[i] = 1;
    });
    input.dispose();
    projection.dispose();
  }
  return seen;
}

/** The ideal context of `position`: every earlier pixel (all channels) and the earlier channels of its own pixel. */
export function idealContext(
  height: number,
  width: number,
  channels: number,
  [r, c, ch]: [number, number, number],
): Uint8Array {
  const map = new Uint8Array(height * width * channels);
  const target = (r * width + c) * channels + ch;
  for (let i = 0; i < target; i++) map[i] = 1;
  return map;
}

/** Fraction of the ideal context that the dependency map covers (1 = no blind spot). */
export function contextCoverage(map: Uint8Array, ideal: Uint8Array): number {
  let wanted = 0;
  let covered = 0;
  ideal.forEach((v, i) => {
    if (v) {
      wanted++;
      if (map[i]) covered++;
    }
  });
  return wanted === 0 ? 1 : covered / wanted;
}

/** Number of dependencies outside the ideal context (> 0 means the model sees the future). */
export function futureDependencies(
  map: Uint8Array,
  ideal: Uint8Array,
  [r, c, ch]: [number, number, number],
  width: number,
  channels: number,
): number {
  const target = (r * width + c) * channels + ch;
  let n = 0;
  map.forEach((v, i) => {
    if (v && i >= target && !ideal[i]) n++;
  });
  return n;
}

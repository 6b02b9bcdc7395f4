/** Image sets as quantized levels, and seeded mini-batches over them. */
import * as tf from '@tensorflow/tfjs';
import { createRng, shuffledIndices } from '../seed';

/** Levels 0..Q-1, NHWC, with optional labels. */
export interface LevelSet {
  levels: Int32Array;
  labels?: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

export const levelSetDims = (s: LevelSet): number => s.height * s.width * s.channels;

/** The order of epoch `epoch`: derived from (seed, epoch) alone, so a resumed run sees the same batches. */
export function epochOrder(count: number, seed: number, epoch: number): Int32Array {
  return shuffledIndices(count, createRng(seed, `shuffle:${epoch}`));
}

export function batchCount(count: number, batchSize: number): number {
  return Math.ceil(count / batchSize);
}

/** Batch `index` of `order` as an int32 tensor [B, H, W, C] and its labels. */
export function gatherBatch(set: LevelSet, order: ArrayLike<number>, index: number, batchSize: number): { x: tf.Tensor4D; labels?: Uint8Array; size: number } {
  const dims = levelSetDims(set);
  const start = index * batchSize;
  const size = Math.min(batchSize, order.length - start);
  const levels = new Int32Array(size * dims);
  const labels = set.labels ? new Uint8Array(size) : undefined;
  for (let k = 0; k < size; k++) {
    const i = order[start + k];
    levels.set(set.levels.subarray(i * dims, (i + 1) * dims), k * dims);
    if (labels && set.labels) labels[k] = set.labels[i];
  }
  return { x: tf.tensor4d(levels, [size, set.height, set.width, set.channels], 'int32'), labels, size };
}

/** Identity order 0..count-1 (evaluation). */
export const inOrder = (count: number): Int32Array => Int32Array.from({ length: count }, (_, i) => i);

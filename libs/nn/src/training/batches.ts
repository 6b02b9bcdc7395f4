/** Seeded mini-batches over a LevelSet. */
import * as tf from '@tensorflow/tfjs';
import { type LevelSet, gatherImages } from '../image-sets';
import { createRng, shuffledIndices } from '../seed';

/** The order of epoch `epoch`: derived from (seed, epoch) alone, so a resumed run sees the same batches. */
export function epochOrder(count: number, seed: number, epoch: number): Int32Array {
  return shuffledIndices(count, createRng(seed, `shuffle:${epoch}`));
}

export function batchCount(count: number, batchSize: number): number {
  return Math.ceil(count / batchSize);
}

/** Batch `index` of `order` as an int32 tensor [B, H, W, C] and its labels. */
export function gatherBatch(
  set: LevelSet,
  order: ArrayLike<number>,
  index: number,
  batchSize: number,
): { x: tf.Tensor4D; labels?: Uint8Array; size: number } {
  const start = index * batchSize;
  const size = Math.min(batchSize, order.length - start);
  const batch = gatherImages(
    set,
    Array.from({ length: size }, (_, k) => order[start + k]),
  );
  return {
    x: tf.tensor4d(batch.levels, [size, set.height, set.width, set.channels], 'int32'),
    labels: batch.labels,
    size,
  };
}

/** Identity order 0..count-1 (evaluation). */
export const inOrder = (count: number): Int32Array => Int32Array.from({ length: count }, (_, i) => i);

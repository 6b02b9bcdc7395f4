/** For tests: random tensors and their comparison with a reference. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Uniform in [-1, 1), seeded. */
export const randomTensor = (shape: number[], seed: number): tf.Tensor =>
  tf.randomUniform(shape, -1, 1, 'float32', seed);

/**
 * Largest difference relative to the reference's largest magnitude (at least 1); the shapes must match. Read
 * asynchronously, as every backend allows (webgpu has no synchronous read in Node).
 */
export async function relativeError(a: tf.Tensor, ref: tf.Tensor): Promise<number> {
  expect(a.shape).toEqual(ref.shape);
  const [diff] = await tf.max(tf.abs(tf.sub(a, ref))).data();
  const [scale] = await tf.max(tf.abs(ref)).data();
  return diff / Math.max(1, scale);
}

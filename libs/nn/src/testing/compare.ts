/** For tests: random tensors and their comparison with a reference. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Uniform in [-1, 1), seeded. */
export const randomTensor = (shape: number[], seed: number): tf.Tensor =>
  tf.randomUniform(shape, -1, 1, 'float32', seed);

/** Largest difference relative to the reference's largest magnitude (at least 1); the shapes must match. */
export function relativeError(a: tf.Tensor, ref: tf.Tensor): number {
  expect(a.shape).toEqual(ref.shape);
  const diff = tf.max(tf.abs(tf.sub(a, ref))).dataSync()[0];
  return diff / Math.max(1, tf.max(tf.abs(ref)).dataSync()[0]);
}

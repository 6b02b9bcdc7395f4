import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { countKernels } from './kernel-count';
import { useTestBackend } from './testing/backend';

beforeAll(async () => {
  await useTestBackend();
});

describe('countKernels (wasm)', () => {
  it('counts the kernels that do work, by name, and leaves out reshapes and identities', async () => {
    const a = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const { kernels, byName } = await countKernels(async () => {
      const y = tf.tidy(() => tf.reshape(tf.matMul(tf.add(a, 1), tf.clone(a)), [4]));
      await y.data();
      y.dispose();
    });
    expect(Object.fromEntries(byName)).toEqual({ Add: 1, BatchMatMul: 1 });
    expect(kernels).toBe(2);
    a.dispose();
  });

  it('counts the work of an asynchronous function to its end', async () => {
    const { kernels } = await countKernels(async () => {
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        tf.tidy(() => tf.mul(tf.scalar(2), 3));
      }
    });
    expect(kernels).toBe(3);
  });
});

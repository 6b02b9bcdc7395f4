import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from './testing/backend';
import { tidyRead } from './tidy-read';

beforeAll(async () => {
  await useTestBackend();
});

describe('tidyRead', () => {
  it('returns the values and releases every tensor, the result included', async () => {
    const before = tf.memory().numTensors;
    const v = await tidyRead(() => tf.add(tf.tensor1d([1, 2, 3]), tf.scalar(1)));
    expect(Array.from(v)).toEqual([2, 3, 4]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a non-float tensor and still releases it', async () => {
    const before = tf.memory().numTensors;
    await expect(tidyRead(() => tf.tensor1d([1, 2], 'int32'))).rejects.toThrow(/float32.*int32/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

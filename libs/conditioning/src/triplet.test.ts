import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createRng, type LevelSet } from '@pixel-models/nn';
import { useTestBackend } from '@pixel-models/nn/testing';
import { MlpEncoder } from './encoder';
import { sampleTriplets, trainTriplet, tripletLoss } from './triplet';

/** Two classes of 4x4 binary images: class 0 lights the top half, class 1 the bottom half, with noise. */
function twoClasses(count: number): LevelSet {
  const rng = createRng(3, 'data');
  const levels = new Int32Array(count * 16);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    labels[n] = n % 2;
    for (let i = 0; i < 16; i++)
      levels[n * 16 + i] = i < 8 === (labels[n] === 0) ? (rng.next() < 0.9 ? 1 : 0) : rng.next() < 0.1 ? 1 : 0;
  }
  return { levels, labels, count, height: 4, width: 4, channels: 1 };
}

beforeAll(async () => {
  await useTestBackend();
});

describe('triplet loss', () => {
  it('is zero when negatives are already far enough, and positive otherwise', () => {
    const a = tf.tensor2d([[0, 0]]);
    expect(tripletLoss(a, tf.tensor2d([[0, 1]]), tf.tensor2d([[3, 0]]), 1).dataSync()[0]).toBe(0);
    expect(tripletLoss(a, tf.tensor2d([[0, 2]]), tf.tensor2d([[1, 0]]), 1).dataSync()[0]).toBeCloseTo(4 - 1 + 1);
  });

  it('samples anchors and positives of one class, negatives of another', () => {
    const set = twoClasses(20);
    const [a, p, n] = sampleTriplets(set, 50, createRng(1));
    a.forEach((i, k) => {
      expect(set.labels![p[k]]).toBe(set.labels![i]);
      expect(set.labels![n[k]]).not.toBe(set.labels![i]);
    });
    expect(() => sampleTriplets({ ...set, labels: undefined }, 1, createRng(1))).toThrow(ConfigError);
  });

  it('training separates the classes', async () => {
    const set = twoClasses(40);
    const encoder = new MlpEncoder({ height: 4, width: 4, channels: 1, levels: 2, hidden: 16, size: 2 }, 1);
    const losses = await trainTriplet(encoder, set, {
      steps: 60,
      batchSize: 16,
      learningRate: 0.01,
      margin: 1,
      seed: 1,
    });
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)) / 2);
    encoder.dispose();
  });
});

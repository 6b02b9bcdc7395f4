import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from '../testing/backend';
import { ConfigError } from '../errors';
import { Adam } from './adam';
import { RmsProp } from './rmsprop';
import { learningRateFactor, type LrSchedule } from './lr-schedule';
import type { Optimizer, OptimizerOptions } from './optimizer';

beforeAll(async () => {
  await useTestBackend();
});

describe('learningRateFactor', () => {
  it('constant keeps the base rate on every update', () => {
    expect([0, 1, 50, 99].map((u) => learningRateFactor('constant', u, 100))).toEqual([1, 1, 1, 1]);
  });

  it('cosine falls from 1 at the first update through 1/2 half-way to near 0 at the last, never rising', () => {
    const total = 100;
    const f = Array.from({ length: total }, (_, u) => learningRateFactor('cosine', u, total));
    expect(f[0]).toBe(1);
    expect(f[50]).toBeCloseTo(0.5, 12);
    expect(f[total - 1]).toBeCloseTo((1 + Math.cos((Math.PI * 99) / 100)) / 2, 12);
    expect(f[total - 1]).toBeLessThan(0.001);
    expect(f[total - 1]).toBeGreaterThan(0); // the last update still moves the weights
    f.slice(1).forEach((v, i) => expect(v).toBeLessThan(f[i]));
    expect(learningRateFactor('cosine', total + 5, total)).toBe(f[total - 1]); // past the end: the last factor
  });

  it('refuses an unknown schedule or a run without updates with a clear error', () => {
    expect(() => learningRateFactor('linear' as LrSchedule, 0, 10)).toThrow(ConfigError);
    expect(() => learningRateFactor('linear' as LrSchedule, 0, 10)).toThrow(
      /unknown learning-rate schedule "linear": use one of constant, cosine/,
    );
    expect(() => learningRateFactor('cosine', 0, 0)).toThrow(/positive update count, got 0/);
  });
});

/** The weights after three updates, the learning rate of update u scaled by `schedule(u)`. */
async function threeUpdates(
  make: (vars: tf.Variable[], o: OptimizerOptions) => Optimizer,
  options: OptimizerOptions,
  skipFirst = false,
): Promise<number[]> {
  const w = tf.variable(tf.tensor1d([0.5, -1, 2]));
  const opt = make([w], options);
  if (skipFirst) {
    const [g, nan] = [tf.onesLike(w), tf.scalar(NaN)];
    await opt.update([g], nan); // skipped: not an update
    tf.dispose([g, nan]);
  }
  for (let k = 1; k <= 3; k++) {
    const g = tf.mul(tf.add(w, k), k % 2 ? 1.5 : -0.5);
    await opt.update([g], tf.scalar(k));
    g.dispose();
  }
  const out = Array.from(await w.data());
  w.dispose();
  opt.dispose();
  return out;
}

describe.each([
  ['Adam', (v: tf.Variable[], o: OptimizerOptions) => new Adam(v, o)],
  ['RMSProp', (v: tf.Variable[], o: OptimizerOptions) => new RmsProp(v, o)],
])('%s with a schedule', (_name, make) => {
  it('scales each update by the factor of its index: a constant factor equals the scaled rate', async () => {
    const scaled = await threeUpdates(make, { learningRate: 0.1, schedule: () => 0.25 });
    expect(scaled).toEqual(await threeUpdates(make, { learningRate: 0.025 }));
  });

  it('takes updates 0, 1, 2 in turn: a skipped non-finite step takes no index, and the factors matter', async () => {
    const schedule = (u: number) => [1, 0, 0.5][u];
    const skipped = await threeUpdates(make, { learningRate: 0.1, schedule }, true);
    expect(skipped).toEqual(await threeUpdates(make, { learningRate: 0.1, schedule }));
    // Update 1 had factor 0 and moved nothing: the weights differ from the unscheduled run's.
    expect(skipped).not.toEqual(await threeUpdates(make, { learningRate: 0.1 }));
  });
});

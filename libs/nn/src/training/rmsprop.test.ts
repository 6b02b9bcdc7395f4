/**
 * Core RMSProp: two updates against values worked out by hand from the update rule (decay 0.95, epsilon 1e-6),
 * with and without clipping; a non-finite loss that changes nothing; a state()/load() round trip that continues
 * exactly; and a load of another optimizer's state refused.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { useTestBackend } from '../testing/backend';
import { Adam } from './adam';
import { createOptimizer } from './create-optimizer';
import { RmsProp } from './rmsprop';

const read = async (t: tf.Tensor) => Array.from(await t.data());
const G1 = [0.5, -1];
const G2 = [0.1, 2];

/** Applies the gradients G1 then G2 (loss 1) to w = [1, -2]: the weights and mean squares after each step. */
async function twoSteps(clipNorm: number) {
  const w = tf.variable(tf.tensor1d([1, -2]));
  const opt = new RmsProp([w], { learningRate: 0.1, clipNorm });
  const after = [];
  for (const g of [G1, G2]) {
    const grad = tf.tensor1d(g);
    const loss = tf.scalar(1);
    await opt.update([grad], loss);
    const state = opt.state();
    after.push({ w: await read(w), s: await read(state.slots.meanSquare[0]), iterations: opt.iterations });
    tf.dispose([grad, loss, ...state.slots.meanSquare]);
  }
  opt.dispose();
  w.dispose();
  return after;
}

const expectValues = (actual: number[], expected: number[]) =>
  expected.forEach((x, i) => expect(actual[i]).toBeCloseTo(x, 5));

beforeAll(async () => {
  await useTestBackend();
});

describe('RmsProp', () => {
  it('two updates match the hand-computed values (no clipping)', async () => {
    const [one, two] = await twoSteps(0);
    // Step 1: s = 0.05 g^2 = [0.0125, 0.05]; w -= 0.1 g / (sqrt(s) + 1e-6):
    //   1 - 0.1 * 0.5 / 0.1118044 = 0.5527904,  -2 + 0.1 * 1 / 0.2236078 = -1.5527884.
    expectValues(one.s, [0.0125, 0.05]);
    expectValues(one.w, [0.5527904, -1.5527884]);
    // Step 2: s = 0.95 [0.0125, 0.05] + 0.05 [0.01, 4] = [0.012375, 0.2475];
    //   0.5527904 - 0.1 * 0.1 / 0.1112441 = 0.4628979,  -1.5527884 - 0.1 * 2 / 0.4974947 = -1.9548027.
    expectValues(two.s, [0.012375, 0.2475]);
    expectValues(two.w, [0.4628979, -1.9548027]);
    expect([one.iterations, two.iterations]).toEqual([1, 2]);
  });

  it('two updates match the hand-computed values with global-norm clipping to 1', async () => {
    const [one, two] = await twoSteps(1);
    // |G1| = 1.118034 > 1: g = G1 / 1.118034 = [0.4472136, -0.8944272], s = 0.05 g^2 = [0.01, 0.04]. The first
    // step divides g by sqrt(0.05 g^2) (plus epsilon), so it moves w by almost exactly what the unclipped step does.
    expectValues(one.s, [0.01, 0.04]);
    expectValues(one.w, [0.5527909, -1.5527886]);
    // |G2| = 2.002498: g = [0.0499376, 0.9987523]; s = 0.95 [0.01, 0.04] + 0.05 g^2 = [0.0096247, 0.0878753];
    //   0.5527909 - 0.1 * 0.0499376 / 0.0981069 = 0.5018894,  -1.5527886 - 0.1 * 0.9987523 / 0.2964377 = -1.8897056.
    expectValues(two.s, [0.0096247, 0.0878753]);
    expectValues(two.w, [0.5018894, -1.8897056]);
  });

  it('a non-finite loss changes nothing: weights, mean squares and step count', async () => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    const opt = new RmsProp([w], { learningRate: 0.1 });
    const grad = tf.tensor1d(G1);
    const one = tf.scalar(1);
    await opt.update([grad], one);
    const first = opt.state();
    const before = { w: await read(w), s: await read(first.slots.meanSquare[0]) };
    tf.dispose(first.slots.meanSquare);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const loss = tf.scalar(bad);
      const tensors = tf.memory().numTensors;
      expect(await opt.update([grad], loss)).toBe(bad);
      expect(tf.memory().numTensors).toBe(tensors);
      loss.dispose();
    }
    const state = opt.state();
    expect({ w: await read(w), s: await read(state.slots.meanSquare[0]) }).toEqual(before);
    expect(opt.iterations).toBe(1);
    tf.dispose([grad, one, ...state.slots.meanSquare, w]);
    opt.dispose();
  });

  it('state() and load() carry the optimizer into a fresh one that continues exactly', async () => {
    const run = async (split: boolean) => {
      const w = tf.variable(tf.tensor1d([1, -2]));
      let opt = new RmsProp([w], { learningRate: 0.1 });
      const grads = [G1, G2, [-0.3, 0.7]].map((g) => tf.tensor1d(g));
      const loss = tf.scalar(1);
      for (const [k, g] of grads.entries()) {
        if (split && k === 2) {
          const state = opt.state();
          opt.dispose(); // the copy must outlive the optimizer it came from
          opt = new RmsProp([w], { learningRate: 0.1 });
          opt.load(state);
          tf.dispose(state.slots.meanSquare);
        }
        await opt.update([g], loss);
      }
      const last = opt.state();
      const out = { w: await read(w), s: await read(last.slots.meanSquare[0]), iterations: opt.iterations };
      tf.dispose([...grads, loss, w, ...last.slots.meanSquare]);
      opt.dispose();
      return out;
    };
    const straight = await run(false);
    expect(await run(true)).toEqual(straight);
    expect(straight.iterations).toBe(3);
  });

  it("refuses another optimizer's state, and the factory builds each optimizer by name", async () => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    const adam = new Adam([w], { learningRate: 0.1 });
    const adamState = adam.state();
    const rms = createOptimizer('rmsprop', [w], { learningRate: 0.1 });
    expect(rms).toBeInstanceOf(RmsProp);
    const adam2 = createOptimizer('adam', [w], { learningRate: 0.1 });
    expect(adam2).toBeInstanceOf(Adam);
    adam2.dispose();
    expect(() => rms.load(adamState)).toThrow(ConfigError);
    expect(() => rms.load(adamState)).toThrow(/rmsprop state needs slots meanSquare, got m, v/);
    expect(() => createOptimizer('sgd' as never, [w], { learningRate: 0.1 })).toThrow(/unknown optimizer "sgd"/);
    tf.dispose([...adamState.slots.m, ...adamState.slots.v, w]);
    adam.dispose();
    rms.dispose();
  });
});

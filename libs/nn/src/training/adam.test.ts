import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from '../testing/backend';
import { ADAM_KERNEL } from '../wasm-kernels';
import { Adam } from './adam';

beforeAll(async () => {
  await useTestBackend();
});

/** Three Adam updates of two variables on the current backend; the weights and moments after them. */
async function threeUpdates(clipNorm: number | undefined): Promise<number[][]> {
  const vars = [tf.variable(tf.tensor2d([0.5, -1, 2, 0.25, 3, -0.75], [2, 3])), tf.variable(tf.tensor1d([1, -2]))];
  const adam = new Adam(vars, { learningRate: 0.1, clipNorm });
  for (let k = 1; k <= 3; k++) {
    const grads = vars.map((v, i) => tf.mul(tf.add(v, k * (i + 1)), k % 2 ? 1.5 : -0.5));
    const loss = tf.scalar(k);
    await adam.update(grads, loss);
    tf.dispose([...grads, loss]);
  }
  const state = adam.state();
  const out = [...vars, ...state.slots.m, ...state.slots.v].map((t) => Array.from(t.dataSync()));
  tf.dispose([...vars, ...state.slots.m, ...state.slots.v]);
  adam.dispose();
  return out;
}

describe('Adam on wasm (one kernel per variable)', () => {
  it.each([undefined, 1])('equals the plain-op update on the cpu backend (clipNorm %s)', async (clipNorm) => {
    expect(tf.getKernel(ADAM_KERNEL, 'wasm')).toBeDefined(); // the kernel path is the one under test
    const ours = await threeUpdates(clipNorm);
    await tf.setBackend('cpu');
    const plain = await threeUpdates(clipNorm);
    await tf.setBackend('wasm');
    ours.forEach((values, i) => values.forEach((v, j) => expect(v).toBeCloseTo(plain[i][j], 5)));
    if (clipNorm) expect(ours).not.toEqual(await threeUpdates(undefined)); // clipping is active here
  });

  it('skips a non-finite loss: weights, moments and the step stay as they were', async () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const adam = new Adam([w], { learningRate: 0.1 });
    const g = tf.tensor1d([1, 1]);
    expect(await adam.update([g], tf.scalar(NaN))).toBeNaN();
    expect(adam.iterations).toBe(0);
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
    tf.dispose([w, g]);
    adam.dispose();
  });
});

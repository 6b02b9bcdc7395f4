/**
 * nn's Adam on webgpu (flat moments, fused kernels, the non-finite guard on the device) against nn's Adam on cpu
 * (per-variable moments, plain ops): the same weights after several steps with clipping, a skipped NaN step that
 * changes nothing (step count included), and a state()/load() round trip between the two layouts.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareFloats, expectClose, onBackend, readVariables, webgpuOrSkip } from '../testing/webgpu';
import { Adam, type AdamState, clipScale } from '@pixel-models/nn';

const gpu = await webgpuOrSkip();

/** Three variables of different shapes and a fixed schedule of gradients (the 3rd step's loss is NaN). */
const SHAPES = [[3, 4], [5], [2, 2, 3]];
// The same float32 values on both backends (computed here, not by each backend's sin).
const gradsAt = (step: number) =>
  SHAPES.map((s, k) =>
    tf.tensor(
      Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, i) => (3 + step) * Math.sin(i + step * 7 + k)),
      s,
    ),
  );
const LOSSES = [1.5, 1.2, NaN, 1.1, 0.9];

async function run(
  backend: string,
  clipNorm: number,
): Promise<{ weights: number[][]; iterations: number; state: { m: number[][]; v: number[][] } }> {
  return onBackend(backend, async () => {
    const variables = SHAPES.map((s, k) =>
      tf.variable(
        tf.tensor(
          Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(3 * i + k)),
          s,
        ),
      ),
    );
    const adam = new Adam(variables, { learningRate: 0.05, clipNorm });
    for (let step = 0; step < LOSSES.length; step++) {
      const grads = gradsAt(step);
      const loss = tf.scalar(LOSSES[step]);
      await adam.update(grads, loss);
      tf.dispose([...grads, loss]);
    }
    const state = adam.state();
    const out = {
      weights: await readVariables(variables),
      iterations: adam.iterations,
      state: { m: await readAll(state.slots.m), v: await readAll(state.slots.v) },
    };
    tf.dispose([...state.slots.m, ...state.slots.v, ...variables]);
    adam.dispose();
    return out;
  });
}

const readAll = (ts: tf.Tensor[]) => Promise.all(ts.map(async (t) => Array.from(await t.data(), Number)));

describe.skipIf(!gpu.available)('Adam on webgpu (flat moments, fused kernels)', () => {
  beforeAll(async () => {
    await tf.setBackend('webgpu');
  });

  it.each([0, 2])('matches Adam on cpu over 5 steps with a NaN step skipped (clipNorm %d)', async (clipNorm) => {
    const cpu = await run('cpu', clipNorm);
    const webgpu = await run('webgpu', clipNorm);
    expect(webgpu.iterations).toBe(4);
    expect(cpu.iterations).toBe(4);
    // Weights move by up to lr = 0.05 a step; 2e-6 is 4e-5 of that (SwiftShader's sqrt and division are not
    // correctly rounded, and m / sqrt(v) amplifies relative errors when v is small).
    const tol = { rtol: 1e-5, atol: 2e-6 };
    webgpu.weights.forEach((w, i) => expectClose(w, cpu.weights[i], tol, `weights ${i}`));
    webgpu.state.m.forEach((m, i) => expectClose(m, cpu.state.m[i], tol, `m ${i}`));
    webgpu.state.v.forEach((v, i) => expectClose(v, cpu.state.v[i], tol, `v ${i}`));
    // The comparison can fail: the unclipped and clipped runs differ by far more than the tolerance.
    if (clipNorm) expect(compareFloats(webgpu.weights[0], (await run('cpu', 0)).weights[0], tol).ok).toBe(false);
  });

  it('clipScale over more gradients than one tfjs-webgpu AddN can bind matches cpu (RMSProp clips with it)', async () => {
    const grads = () =>
      Array.from({ length: 12 }, (_, k) =>
        tf.tensor(
          Float32Array.from({ length: 5 }, (_, i) => Math.sin(i + 3 * k)),
          [5],
        ),
      );
    const scaleOn = (backend: string) =>
      onBackend(backend, () => {
        const g = grads();
        const scale = tf.tidy(() => clipScale(g, 0.5) as tf.Scalar);
        tf.dispose(g);
        return scale;
      });
    const cpu = await scaleOn('cpu');
    expect(cpu[0]).toBeLessThan(1); // the bound is active
    expectClose(await scaleOn('webgpu'), cpu, { rtol: 1e-6 }, 'clip scale');
  });

  it('state() and load() carry the moments between the flat (webgpu) and per-variable (cpu) layouts', async () => {
    const saved: { state: { step: number; m: number[][]; v: number[][] } } = await onBackend('webgpu', async () => {
      const variables = SHAPES.map((s) => tf.variable(tf.zeros(s)));
      const adam = new Adam(variables, { learningRate: 0.1 });
      const grads = gradsAt(1);
      const loss = tf.scalar(1);
      await adam.update(grads, loss);
      const state = adam.state();
      const plain = { step: state.step, m: await readAll(state.slots.m), v: await readAll(state.slots.v) };
      tf.dispose([...grads, loss, ...state.slots.m, ...state.slots.v, ...variables]);
      adam.dispose();
      return { state: plain };
    });
    const back = await onBackend('webgpu', async () => {
      const variables = SHAPES.map((s) => tf.variable(tf.zeros(s)));
      const adam = new Adam(variables, { learningRate: 0.1 });
      const state: AdamState = {
        step: saved.state.step,
        slots: {
          m: saved.state.m.map((m, i) => tf.tensor(m, SHAPES[i])),
          v: saved.state.v.map((v, i) => tf.tensor(v, SHAPES[i])),
        },
      };
      adam.load(state);
      const again = adam.state();
      const out = { step: adam.iterations, m: await readAll(again.slots.m), v: await readAll(again.slots.v) };
      tf.dispose([...state.slots.m, ...state.slots.v, ...again.slots.m, ...again.slots.v, ...variables]);
      adam.dispose();
      return out;
    });
    expect(back).toEqual(saved.state);
    expect(saved.state.step).toBe(1);
    expect(saved.state.m[0].some((x) => x !== 0)).toBe(true);
  });
});

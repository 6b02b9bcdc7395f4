import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from './testing/backend';
import { useFastWasmKernels } from './wasm-kernels';

beforeAll(async () => {
  await useTestBackend();
});

/** Slices, splits and unstacks of float and int tensors, contiguous and strided, rank 1 to 5. */
function cases(): tf.Tensor[] {
  return tf.tidy(() => {
    const f = tf.range(0, 2 * 3 * 4 * 5 * 2).reshape([2, 3, 4, 5, 2]);
    const x4 = tf.reshape(f, [6, 4, 5, 2]);
    const i3 = tf.cast(tf.reshape(f, [6, 20, 2]), 'int32');
    return [
      tf.slice(tf.reshape(f, [240]), [7], [100]),
      tf.slice(tf.reshape(f, [24, 10]), [3, 2], [5, 7]),
      tf.slice(i3, [1, 2, 0], [3, 5, 2]),
      tf.slice(i3, [2, 0, 0], [2, 20, 2]),
      tf.slice(x4, [1, 1, 2, 1], [4, 2, 3, 1]),
      tf.slice(x4, [2, 0, 0, 0], [3, -1, -1, -1]),
      tf.slice(f, [1, 0, 1, 2, 0], [1, 3, 2, 3, 2]),
      tf.slice(x4, [0, 1, 0, 0], [6, 2, 5, 2]), // runs of whole trailing axes: 6 runs of 2 x 5 x 2
      tf.slice(x4, [1, 0, 1, 0], [5, 4, 4, 2]), // 20 runs of 4 x 2
      tf.slice(f, [0, 1, 0, 0, 1], [2, 2, 4, 5, 1]), // the last axis cut: runs of 1
      ...tf.split(x4, 5, 2),
      ...tf.split(x4, [1, 3, 2], 0),
      ...tf.split(i3, [15, 5], 1),
      ...tf.unstack(x4, 1),
      ...tf.unstack(i3, 0),
      ...tf.unstack(tf.reshape(f, [240]), 0).slice(0, 3),
    ];
  });
}

describe('useFastWasmKernels', () => {
  it("gives the same results as the cpu backend's kernels, and gradients still flow", async () => {
    await tf.setBackend('cpu');
    const before = cases();
    const expected = before.map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) }));
    tf.dispose(before);
    await tf.setBackend('wasm');
    expect(useFastWasmKernels()).toBe(true);
    expect(useFastWasmKernels()).toBe(true); // idempotent
    const after = cases();
    expect(after.map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) }))).toEqual(expected);
    tf.dispose(after);
    const g = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => tf.sum(tf.mul(tf.split(x, 3, 1)[1], 2)))(tf.ones([2, 6, 2]))
        .arraySync(),
    );
    expect(g).toEqual([0, 1].map(() => [0, 0, 2, 2, 0, 0].map((v) => [v, v])));
  });

  it('Identity shares the buffer: a clone outlives its source, memory is freed with the last holder', () => {
    expect(tf.getBackend()).toBe('wasm');
    const start = tf.memory();
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = tf.clone(x); // the engine's Identity
    expect(y.dataId).toBe(x.dataId);
    expect(tf.memory().numDataBuffers - start.numDataBuffers).toBe(1); // one buffer, not two
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(y.shape).toEqual([2, 3]);
    y.dispose();
    expect(tf.memory().numDataBuffers).toBe(start.numDataBuffers);
    expect(tf.memory().numBytes).toBe(start.numBytes);
    // A variable assigned from a clone keeps its value when the clone's source is replaced and disposed.
    const v = tf.variable(tf.zeros([2]));
    const src = tf.tensor1d([7, 8]);
    v.assign(tf.clone(src));
    src.dispose();
    expect(Array.from(v.dataSync())).toEqual([7, 8]);
    v.dispose();
  });

  it('gradients through saved (cloned) tensors match the cpu backend', async () => {
    const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.sigmoid(x), tf.square(x)));
    const x = [0.5, -1, 2, 3];
    const wasm = tf.tidy(() => Array.from(tf.grad(f)(tf.tensor1d(x)).dataSync()));
    await tf.setBackend('cpu');
    const cpu = tf.tidy(() => Array.from(tf.grad(f)(tf.tensor1d(x)).dataSync()));
    await tf.setBackend('wasm');
    wasm.forEach((v, i) => expect(v).toBeCloseTo(cpu[i], 5));
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { conv1x1, colourMask1x1, conv2dValid, downShift, horizontalStackConv, matMul2d, rightShift, verticalStackConv } from './conv';
import { gatedActivation } from './gates';
import { useTestBackend } from './testing/backend';

const rand = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);
const close = (a: tf.Tensor, b: tf.Tensor, tol = 1e-4) => {
  const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
  const scale = Math.max(1, tf.max(tf.abs(b)).dataSync()[0]);
  expect(diff / scale).toBeLessThan(tol);
};

beforeAll(async () => {
  await useTestBackend();
});

describe('conv2dValid', () => {
  it.each([
    [1, 1],
    [2, 3],
    [3, 3],
    [1, 3],
    [3, 1],
  ])('matches tf.conv2d and its gradients on the cpu backend (kernel %ix%i)', async (kh, kw) => {
    // wasm has no Conv2DBackpropFilter kernel: the reference gradients come from the cpu backend.
    const x = rand([2, 6, 7, 3], 1);
    const w = rand([kh, kw, 3, 5], 2);
    const dy = rand([2, 6 - kh + 1, 7 - kw + 1, 5], 3);
    const ours = [conv2dValid(x as tf.Tensor4D, w as tf.Tensor4D), ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv2dValid(a as tf.Tensor4D, b as tf.Tensor4D), dy)))([x, w])];
    await tf.setBackend('cpu');
    const ref = [tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'), ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid'), dy)))([x, w])];
    ours.forEach((t, i) => close(t, ref[i]));
    await tf.setBackend('wasm');
  });

  it('matMul2d and the gated activation match the plain ops and their gradients', () => {
    const a = rand([7, 4], 4);
    const b = rand([4, 3], 5);
    close(matMul2d(a as tf.Tensor2D, b as tf.Tensor2D), tf.matMul(a, b));
    const g1 = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(matMul2d(p as tf.Tensor2D, q as tf.Tensor2D))))([a, b]);
    const g2 = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q))))([a, b]);
    close(g1[0], g2[0]);
    close(g1[1], g2[1]);
    const f = rand([1, 2, 2, 3], 6);
    const g = rand([1, 2, 2, 3], 7);
    close(gatedActivation(f as tf.Tensor4D, g as tf.Tensor4D), tf.mul(tf.tanh(f), tf.sigmoid(g)), 1e-5);
    const d1 = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(gatedActivation(p as tf.Tensor4D, q as tf.Tensor4D)))([f, g]);
    const d2 = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.tanh(p), tf.sigmoid(q))))([f, g]);
    close(d1[0], d2[0], 1e-5);
    close(d1[1], d2[1], 1e-5);
  });
});

/** Which outputs respond to an impulse at input (r, c): a 0/1 grid. */
function response(f: (x: tf.Tensor4D) => tf.Tensor4D, h: number, w: number, r: number, c: number): number[][] {
  const x = tf.buffer([1, h, w, 1]);
  x.set(1, 0, r, c, 0);
  const y = f(x.toTensor() as tf.Tensor4D).arraySync() as number[][][][];
  return y[0].map((row) => row.map((v) => (Math.abs(v[0]) > 1e-7 ? 1 : 0)));
}

describe('causal convolutions', () => {
  it('vertical stack: output (i, j) reads rows i-1..i and columns j-1..j+1 (2x3 kernel)', () => {
    const w = tf.ones([2, 3, 1, 1]) as tf.Tensor4D;
    expect(response((x) => verticalStackConv(x, w), 5, 5, 2, 2)).toEqual([
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 1, 1, 1, 0],
      [0, 1, 1, 1, 0],
      [0, 0, 0, 0, 0],
    ]);
  });

  it('vertical stack after a down-shift never reaches its own row', () => {
    const w = tf.ones([2, 3, 1, 1]) as tf.Tensor4D;
    expect(response((x) => downShift(verticalStackConv(x, w)), 5, 5, 2, 2)).toEqual([
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 1, 1, 1, 0],
      [0, 1, 1, 1, 0],
    ]);
  });

  it('horizontal stack: row i, columns j-2..j; mask A hides the current pixel', () => {
    const w = tf.ones([1, 3, 1, 1]) as tf.Tensor4D;
    const maskA = tf.tensor4d([1, 1, 0], [1, 3, 1, 1]);
    expect(response((x) => horizontalStackConv(x, w, undefined), 3, 5, 1, 1)).toEqual([
      [0, 0, 0, 0, 0],
      [0, 1, 1, 1, 0],
      [0, 0, 0, 0, 0],
    ]);
    expect(response((x) => horizontalStackConv(x, w, maskA), 3, 5, 1, 1)).toEqual([
      [0, 0, 0, 0, 0],
      [0, 0, 1, 1, 0],
      [0, 0, 0, 0, 0],
    ]);
  });

  it('downShift and rightShift move values and let zeros in', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    expect(downShift(x).dataSync()).toEqual(new Float32Array([0, 0, 1, 2]));
    expect(rightShift(x).dataSync()).toEqual(new Float32Array([0, 1, 0, 3]));
  });

  it('conv1x1 with a colour mask: output group g reads input groups <= g', () => {
    const m = colourMask1x1(3, 3, 3) as tf.Tensor2D;
    expect(m.arraySync()).toEqual([
      [1, 1, 1],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    const y = conv1x1(tf.tensor4d([1, 10, 100], [1, 1, 1, 3]), tf.ones([3, 3]) as tf.Tensor2D, undefined, m);
    expect(Array.from(y.dataSync())).toEqual([1, 11, 111]);
    expect(colourMask1x1(4, 4, 1)).toBeUndefined();
  });
});

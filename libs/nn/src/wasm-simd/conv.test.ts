import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { matMul2d, paddedConv2d, type Pads } from '../conv';
import { useTestBackend } from '../testing/backend';
import { randomTensor, relativeError } from '../testing/compare';
import { CONV_SIMD_KERNEL, MATMUL_SIMD_KERNEL } from './kernels';

const rand = randomTensor;

const convAttrs = (pad: tf.backend_util.ExplicitPadding | 'valid', more: tf.NamedAttrMap = {}) => ({
  strides: 1,
  pad,
  dilations: 1,
  dataFormat: 'NHWC',
  activation: 'linear',
  ...more,
});
const simdConv = (inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap) =>
  tf.engine().runKernel(CONV_SIMD_KERNEL, inputs, attrs) as tf.Tensor4D;

beforeAll(async () => {
  await useTestBackend();
});

describe(`${CONV_SIMD_KERNEL} and ${MATMUL_SIMD_KERNEL} (wasm SIMD convolution and product)`, () => {
  // [x shape, filter shape, pads]: odd and even position runs (2-position tiles and the 1-position tail), C_out
  // with whole 16-channel tiles and 4/8/12 tails, one input channel, paddings on every side, kernel rows that reach
  // no output row, a map narrower than the kernel.
  const cases: [number[], number[], Pads][] = [
    [
      [2, 5, 6, 3],
      [2, 3, 3, 4],
      [1, 0, 1, 1],
    ],
    [
      [2, 5, 7, 4],
      [3, 3, 4, 8],
      [1, 1, 1, 1],
    ],
    [
      [3, 4, 7, 1],
      [4, 7, 1, 16],
      [3, 0, 3, 3],
    ],
    [
      [2, 6, 5, 5],
      [1, 2, 5, 20],
      [0, 0, 1, 0],
    ],
    [
      [1, 7, 3, 16],
      [2, 2, 16, 28],
      [1, 1, 1, 1],
    ],
    [
      [2, 3, 4, 2],
      [3, 2, 2, 36],
      [2, 2, 1, 1],
    ],
    [
      [1, 2, 9, 3],
      [3, 3, 3, 12],
      [2, 0, 2, 2],
    ],
    [
      [2, 4, 2, 6],
      [1, 3, 6, 32],
      [0, 0, 2, 2],
    ],
  ];

  it.each(cases)(
    'equals the cpu backend’s conv2d and its gradients (x %j, filter %j, pads %j)',
    async (xShape, wShape, pads) => {
      const [top, bottom, left, right] = pads;
      const [b, h, w] = xShape;
      const [kh, kw, , cout] = wShape;
      const x = rand(xShape, 1) as tf.Tensor4D;
      const filter = rand(wShape, 2) as tf.Tensor4D;
      const bias = rand([cout], 3) as tf.Tensor1D;
      const dy = rand([b, h + top + bottom - kh + 1, w + left + right - kw + 1, cout], 4);
      const padding: tf.backend_util.ExplicitPadding = [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ];
      // The kernel itself, then paddedConv2d's value and gradients (its forward and input-gradient convolutions).
      const ours = (p: tf.Tensor, q: tf.Tensor, c: tf.Tensor) =>
        paddedConv2d(p as tf.Tensor4D, q as tf.Tensor4D, pads, c as tf.Tensor1D);
      const got = [
        simdConv({ x, filter, bias }, convAttrs(padding)),
        ours(x, filter, bias),
        ...tf.grads((p, q, c) => tf.sum(tf.mul(ours(p, q, c), dy)))([x, filter, bias]),
      ];
      await tf.setBackend('cpu');
      const plain = (p: tf.Tensor, q: tf.Tensor, c: tf.Tensor) =>
        tf.add(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, padding), c);
      const value = plain(x, filter, bias);
      const ref = [value, value, ...tf.grads((p, q, c) => tf.sum(tf.mul(plain(p, q, c), dy)))([x, filter, bias])];
      await tf.setBackend('wasm');
      for (const [i, t] of got.entries()) expect(await relativeError(t, ref[i])).toBeLessThan(1e-5);
    },
  );

  it('runs matrix products with and without a bias, and both gradients, as the plain ops do', async () => {
    const a = rand([37, 5], 5) as tf.Tensor2D;
    const b = rand([5, 12], 6) as tf.Tensor2D;
    const bias = rand([12], 7) as tf.Tensor1D;
    const product = (inputs: tf.NamedTensorMap) =>
      tf.engine().runKernel(MATMUL_SIMD_KERNEL, inputs, { transposeA: false, transposeB: false, activation: 'linear' });
    const [a3, b3] = [tf.reshape(a, [1, 37, 5]), tf.reshape(b, [1, 5, 12])];
    const expected = tf.add(tf.matMul(a, b), bias);
    expect(
      await relativeError(tf.reshape(product({ a: a3, b: b3, bias }) as tf.Tensor, [37, 12]), expected),
    ).toBeLessThan(1e-6);
    expect(
      await relativeError(tf.reshape(product({ a: a3, b: b3 }) as tf.Tensor, [37, 12]), tf.matMul(a, b)),
    ).toBeLessThan(1e-6);
    expect(await relativeError(matMul2d(a, b, bias), tf.add(tf.matMul(a, b), bias))).toBeLessThan(1e-6);
    expect(await relativeError(matMul2d(a, b), tf.matMul(a, b))).toBeLessThan(1e-6);
    const dy = rand([37, 12], 8);
    const ours = tf.grads((p, q) => tf.sum(tf.mul(matMul2d(p as tf.Tensor2D, q as tf.Tensor2D), dy)))([a, b]);
    const ref = tf.grads((p, q) => tf.sum(tf.mul(tf.matMul(p, q), dy)))([a, b]);
    for (const [i, t] of ours.entries()) expect(await relativeError(t, ref[i])).toBeLessThan(1e-6);
  });

  it('leaves what it does not take to XNNPACK: C_out not a multiple of 4, strides, activations, batches', async () => {
    const x = rand([1, 6, 6, 4], 9) as tf.Tensor4D;
    const w6 = rand([2, 2, 4, 6], 10) as tf.Tensor4D;
    const w4 = rand([2, 2, 4, 4], 11) as tf.Tensor4D;
    expect(
      await relativeError(simdConv({ x, filter: w6 }, convAttrs('valid')), tf.conv2d(x, w6, 1, 'valid')),
    ).toBeLessThan(1e-6);
    const strided = simdConv({ x, filter: w4 }, convAttrs('valid', { strides: 2 }));
    expect(await relativeError(strided, tf.conv2d(x, w4, 2, 'valid'))).toBeLessThan(1e-6);
    const relu = simdConv({ x, filter: w4 }, convAttrs('valid', { activation: 'relu' }));
    expect(await relativeError(relu, tf.relu(tf.conv2d(x, w4, 1, 'valid')))).toBeLessThan(1e-6);
    const a = rand([2, 9, 4], 12);
    const b = rand([2, 4, 8], 13);
    const batched = tf
      .engine()
      .runKernel(MATMUL_SIMD_KERNEL, { a, b }, { transposeA: false, transposeB: false, activation: 'linear' });
    expect(await relativeError(batched as tf.Tensor, tf.matMul(a, b))).toBeLessThan(1e-6);
  });

  it('writes into a heap that grew since the kernel was set up', async () => {
    const x = rand([2, 5, 5, 4], 14) as tf.Tensor4D;
    const w = rand([2, 2, 4, 8], 15) as tf.Tensor4D;
    const before = paddedConv2d(x, w, [1, 0, 1, 0]);
    const big = tf.zeros([64, 1024, 1024]); // 256 MB: the wasm heap grows
    expect(await relativeError(paddedConv2d(x, w, [1, 0, 1, 0]), before)).toBe(0);
    tf.dispose([big, before]);
  });
});

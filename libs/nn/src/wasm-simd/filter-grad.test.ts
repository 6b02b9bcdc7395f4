import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { convFilterGrad, filterGradMethod, productTransposedA, type Pads } from '../conv';
import { useTestBackend } from '../testing/backend';
import { randomTensor, relativeError } from '../testing/compare';
import { FILTER_GRAD_KERNEL } from './kernels';

const rand = randomTensor;

beforeAll(async () => {
  await useTestBackend();
});

describe(`${FILTER_GRAD_KERNEL} (wasm SIMD filter gradient)`, () => {
  it('is what wasm uses when C_out is a multiple of 4, the older methods otherwise', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(filterGradMethod(16, 16)).toBe('simd');
    expect(filterGradMethod(1, 4)).toBe('simd');
    expect(filterGradMethod(16, 2)).toBe('conv');
    expect(filterGradMethod(32, 6)).toBe('taps');
  });

  // [x shape, kernel, pads, C_out]: odd and even C_in (2-channel tiles and the 1-channel tail), C_out with whole
  // 16-channel tiles and 4/8/12 tails, paddings on every side, taps that see no position at all.
  const cases: [number[], [number, number], Pads, number][] = [
    [[2, 5, 6, 3], [2, 3], [1, 0, 1, 1], 4],
    [[2, 5, 6, 4], [3, 3], [1, 1, 1, 1], 8],
    [[3, 4, 7, 1], [4, 7], [3, 0, 3, 3], 16],
    [[2, 6, 5, 5], [1, 2], [0, 0, 1, 0], 20],
    [[1, 7, 3, 16], [2, 2], [1, 1, 1, 1], 28],
    [[2, 3, 4, 2], [3, 2], [2, 2, 1, 1], 36],
    [[1, 2, 9, 3], [3, 3], [2, 0, 0, 2], 12], // tap row 0 sees no position
    [[2, 4, 4, 6], [1, 1], [0, 0, 0, 0], 32],
  ];

  it.each(cases)(
    'equals the cpu backend’s conv2d filter gradient (x %j, kernel %j, pads %j, C_out %i)',
    async (xShape, [kh, kw], pads, cout) => {
      const [b, h, w, cin] = xShape;
      const [top, bottom, left, right] = pads;
      const x = rand(xShape, 1) as tf.Tensor4D;
      const dy = rand([b, h + top + bottom - kh + 1, w + left + right - kw + 1, cout], 2) as tf.Tensor4D;
      const ours = convFilterGrad(x, dy, [kh, kw], 'simd', pads);
      const byConv = convFilterGrad(x, dy, [kh, kw], 'conv', pads);
      await tf.setBackend('cpu');
      const padding: tf.backend_util.ExplicitPadding = [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ];
      const w0 = tf.zeros([kh, kw, cin, cout]);
      const ref = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, 1, padding), dy)))(w0);
      await tf.setBackend('wasm');
      expect(await relativeError(ours, ref)).toBeLessThan(1e-5);
      expect(await relativeError(byConv, ref)).toBeLessThan(1e-5);
      tf.dispose([x, dy, ours, byConv, ref]);
    },
  );

  it('sums every position of a full-size map the same as the per-tap products (28x28, 16 -> 16, 2x3)', async () => {
    const x = rand([4, 28, 28, 16], 3) as tf.Tensor4D;
    const dy = rand([4, 28, 28, 16], 4) as tf.Tensor4D;
    const pads: Pads = [1, 0, 1, 1];
    expect(
      await relativeError(convFilterGrad(x, dy, [2, 3], 'simd', pads), convFilterGrad(x, dy, [2, 3], 'taps', pads)),
    ).toBeLessThan(1e-5);
    tf.dispose([x, dy]);
  });

  it('gives product weight gradients a^T b (1x1), and reads the heap right after it grows', async () => {
    const a = rand([300, 7], 5) as tf.Tensor2D;
    const b = rand([300, 12], 6) as tf.Tensor2D;
    const ref = tf.matMul(a, b, true, false);
    expect(await relativeError(productTransposedA(a, b), ref)).toBeLessThan(1e-5);
    const big = tf.zeros([64, 1024, 1024]); // 256 MB: the wasm heap grows, the kernel's view of it must follow
    const a2 = rand([300, 7], 5) as tf.Tensor2D;
    const b2 = rand([300, 12], 6) as tf.Tensor2D;
    expect(await relativeError(productTransposedA(a2, b2), ref)).toBeLessThan(1e-5);
    tf.dispose([a, b, a2, b2, big, ref]);
  });

  it('refuses C_out that is not a multiple of 4 with a clear error', () => {
    const x = rand([1, 3, 3, 2], 7);
    const dy = rand([1, 3, 3, 6], 8);
    expect(() => tf.engine().runKernel(FILTER_GRAD_KERNEL, { x, dy }, { kh: 1, kw: 1, top: 0, left: 0 })).toThrow(
      /6 output channels, not a multiple of 4/,
    );
    tf.dispose([x, dy]);
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FILTER_GRAD_TAPS_MIN_CHANNELS,
  addBias,
  channelSums,
  conv1x1,
  colourMask1x1,
  conv2dValid,
  convFilterGrad,
  downShift,
  horizontalStackConv,
  matMul2d,
  maskedConv2d,
  pad2d,
  paddedConv2d,
  rightShift,
  verticalStackConv,
} from './conv';
import { maskA, maskB } from './masks';
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
  // 3 input channels take the batch-as-channels filter gradient, 32 the per-tap one: both against the cpu backend.
  const kernels = [
    [1, 1],
    [1, 3],
    [2, 1],
    [2, 3],
    [3, 1],
    [3, 3],
  ];
  it.each(kernels.flatMap(([kh, kw]) => [3, FILTER_GRAD_TAPS_MIN_CHANNELS].map((cin) => [kh, kw, cin])))(
    'matches tf.conv2d and its gradients on the cpu backend (kernel %ix%i, %i input channels)',
    async (kh, kw, cin) => {
      // wasm has no Conv2DBackpropFilter kernel: the reference gradients come from the cpu backend.
      const x = rand([2, 6, 7, cin], 1);
      const w = rand([kh, kw, cin, 5], 2);
      const dy = rand([2, 6 - kh + 1, 7 - kw + 1, 5], 3);
      const ours = [
        conv2dValid(x as tf.Tensor4D, w as tf.Tensor4D),
        ...tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(conv2dValid(a as tf.Tensor4D, b as tf.Tensor4D), dy)),
        )([x, w]),
      ];
      await tf.setBackend('cpu');
      const ref = [
        tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'),
        ...tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid'), dy)),
        )([x, w]),
      ];
      ours.forEach((t, i) => close(t, ref[i]));
      await tf.setBackend('wasm');
    },
  );

  it.each(kernels)('computes the same filter gradient by taps and by convolution (kernel %ix%i)', (kh, kw) => {
    const x = rand([3, 5, 6, 4], 4) as tf.Tensor4D;
    const dy = rand([3, 5 - kh + 1, 6 - kw + 1, 2], 5) as tf.Tensor4D;
    const taps = convFilterGrad(x, dy, [kh, kw], 'taps');
    expect(taps.shape).toEqual([kh, kw, 4, 2]);
    close(taps, convFilterGrad(x, dy, [kh, kw], 'conv'));
  });

  it('matMul2d and the gated activation match the plain ops and their gradients', () => {
    const a = rand([7, 4], 4);
    const b = rand([4, 3], 5);
    close(matMul2d(a as tf.Tensor2D, b as tf.Tensor2D), tf.matMul(a, b));
    const g1 = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
      tf.sum(tf.square(matMul2d(p as tf.Tensor2D, q as tf.Tensor2D))),
    )([a, b]);
    const g2 = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q))))([a, b]);
    close(g1[0], g2[0]);
    close(g1[1], g2[1]);
    const f = rand([1, 2, 2, 3], 6);
    const g = rand([1, 2, 2, 3], 7);
    close(gatedActivation(f as tf.Tensor4D, g as tf.Tensor4D), tf.mul(tf.tanh(f), tf.sigmoid(g)), 1e-5);
    const d1 = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(gatedActivation(p as tf.Tensor4D, q as tf.Tensor4D)))([
      f,
      g,
    ]);
    const d2 = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.tanh(p), tf.sigmoid(q))))([f, g]);
    close(d1[0], d2[0], 1e-5);
    close(d1[1], d2[1], 1e-5);
  });

  it("computes a data input's gradient only when something asks for it (first layers: dL/d(image) is unused)", async () => {
    const x = rand([2, 6, 7, 1], 8) as tf.Tensor4D;
    const w = tf.variable(rand([3, 3, 1, 4], 9)) as tf.Variable<tf.Rank.R4>;
    const m = tf.variable(rand([4, 3], 10)) as tf.Variable<tf.Rank.R2>;
    const loss = (input: tf.Tensor4D): tf.Scalar =>
      tf.sum(tf.square(matMul2d(tf.reshape(conv2dValid(input, w), [-1, 4]) as tf.Tensor2D, m)));
    const launched = async (f: () => unknown) => {
      const p = await tf.profile(() => void f());
      return p.kernels.filter((k) => k.name.startsWith('PixelModels') || ['Conv2D', 'BatchMatMul'].includes(k.name))
        .length;
    };
    // Weights only: forward conv + matmul, filter gradient (1 conv), 2 matmul-gradient products (not the third).
    const weightsOnly = await launched(() => tf.variableGrads(() => loss(x), [w, m]));
    const withInput = await launched(() => tf.grads((a: tf.Tensor) => loss(a as tf.Tensor4D))([x]));
    expect(weightsOnly).toBe(5);
    expect(withInput).toBe(2 + 1 + 1); // forward 2, dL/d(conv out) through the matmul, the full conv for dL/dx
    const { grads } = tf.variableGrads(() => loss(x), [w, m]);
    const ref = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(
        tf.square(
          matMul2d(
            tf.reshape(conv2dValid(a as tf.Tensor4D, b as tf.Tensor4D), [-1, 4]) as tf.Tensor2D,
            c as tf.Tensor2D,
          ),
        ),
      ),
    )([x, w, m]);
    close(grads[w.name], ref[1]);
    close(grads[m.name], ref[2]);
    tf.dispose([w, m]);
  });
});

/** Values and gradients (with respect to every input) of `f` at `inputs` against `dy`, on the current backend. */
function withGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  return [f(...inputs), ...tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), dy)))(inputs)];
}

/** `ours` on the test backend (wasm) against `reference` on the cpu backend, values and gradients. */
async function matchesCpu(
  ours: (...xs: tf.Tensor[]) => tf.Tensor,
  reference: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  dy: tf.Tensor,
  tol = 1e-4,
): Promise<void> {
  const got = withGrads(ours, inputs, dy);
  await tf.setBackend('cpu');
  const want = withGrads(reference, inputs, dy);
  got.forEach((t, i) => {
    expect(t.shape).toEqual(want[i].shape);
    close(t, want[i], tol);
  });
  await tf.setBackend('wasm');
}

describe('fused padding, bias and cropped masks (CPU path)', () => {
  // Each padding in 0..k-1 stays inside the convolution; a larger one is padded first.
  it.each([
    [
      [2, 3],
      [1, 0, 1, 1],
    ],
    [
      [1, 2],
      [0, 0, 1, 0],
    ],
    [
      [3, 3],
      [2, 0, 1, 1],
    ],
    [
      [3, 3],
      [1, 1, 1, 1],
    ],
    [
      [2, 2],
      [3, 1, 0, 2],
    ],
  ] as [[number, number], [number, number, number, number]][])(
    'paddedConv2d (kernel %j, pads %j) with a bias equals pad, conv and add, gradients included',
    async ([kh, kw], pads) => {
      const [t, b, l, r] = pads;
      for (const cin of [3, 32]) {
        const x = rand([2, 5, 6, cin], 21);
        const w = rand([kh, kw, cin, 4], 22);
        const bias = rand([4], 23);
        const dy = rand([2, 5 + t + b - kh + 1, 6 + l + r - kw + 1, 4], 24);
        await matchesCpu(
          (p, q, c) => paddedConv2d(p as tf.Tensor4D, q as tf.Tensor4D, pads, c as tf.Tensor1D),
          (p, q, c) => tf.add(tf.conv2d(pad2d(p as tf.Tensor4D, pads), q as tf.Tensor4D, 1, 'valid'), c),
          [x, w, bias],
          dy,
        );
      }
    },
  );

  it('maskedConv2d convolves only the rows down to the centre and equals the whole masked kernel', async () => {
    for (const [k, type] of [
      [3, 'B'],
      [5, 'A'],
      [7, 'A'],
    ] as [number, 'A' | 'B'][]) {
      const m = type === 'A' ? maskA(k, 2, 3) : maskB(k, 2, 3);
      const x = rand([2, 6, 5, 2], 25);
      const w = rand([k, k, 2, 3], 26);
      const bias = rand([3], 27);
      const dy = rand([2, 6, 5, 3], 28);
      await matchesCpu(
        (p, q, c) => maskedConv2d(p as tf.Tensor4D, q as tf.Tensor4D, m, c as tf.Tensor1D),
        (p, q, c) => tf.add(tf.conv2d(p as tf.Tensor4D, tf.mul(q, m) as tf.Tensor4D, 1, 'same'), c),
        [x, w, bias],
        dy,
      );
    }
  });

  it('matMul2d with a bias: values and gradients of a, b and the bias', async () => {
    const dy = rand([9, 5], 31);
    await matchesCpu(
      (p, q, c) => matMul2d(p as tf.Tensor2D, q as tf.Tensor2D, c as tf.Tensor1D),
      (p, q, c) => tf.add(tf.matMul(p, q), c),
      [rand([9, 4], 29), rand([4, 5], 30), rand([5], 32)],
      dy,
    );
    // The weight gradient packs the narrower operand: both orientations.
    await matchesCpu(
      (p, q) => matMul2d(p as tf.Tensor2D, q as tf.Tensor2D),
      (p, q) => tf.matMul(p, q),
      [rand([9, 2], 33), rand([2, 7], 34)],
      rand([9, 7], 35),
    );
  });

  it('channelSums sums every axis but the last (row counts not a multiple of 4 included)', async () => {
    // Channels in whole vectors of 4 take the SIMD loop (16-channel tiles, 4/8/12 tails, odd row counts); the others
    // the plain one.
    for (const shape of [
      [3, 5, 7, 6],
      [1, 1, 1, 3],
      [5, 2],
      [4096, 32],
      [3, 5, 7, 12],
      [7, 20],
      [2, 36],
      [1, 4],
    ]) {
      const x = rand(shape, 36);
      const got = Array.from(channelSums(x).dataSync());
      await tf.setBackend('cpu');
      const want = Array.from(tf.sum(tf.reshape(x, [-1, shape[shape.length - 1]]), 0).dataSync());
      await tf.setBackend('wasm');
      // Both sum in float32 (in different orders): rounding grows with the row count; a lost row moves a sum by ~0.5.
      const rows = x.size / shape[shape.length - 1];
      got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5 + 2e-7 * rows));
    }
  });

  it("downShift and rightShift: the wasm kernel's values and gradients equal pad-and-slice on the cpu backend", async () => {
    const x = rand([2, 4, 5, 3], 37);
    for (const [rows, cols] of [
      [1, 0],
      [2, 0],
      [0, 1],
      [0, 3],
      [4, 0],
    ]) {
      const shifted = (p: tf.Tensor) =>
        cols === 0 ? downShift(p as tf.Tensor4D, rows) : rightShift(p as tf.Tensor4D, cols);
      const dy = rand([2, 4, 5, 3], 38 + rows + cols);
      const reference = (p: tf.Tensor) =>
        tf.slice(pad2d(p as tf.Tensor4D, [rows, 0, cols, 0]), [0, 0, 0, 0], [2, 4, 5, 3]);
      await matchesCpu(shifted, reference, [x], dy, 1e-6);
    }
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

  it('masked 3x3 convolution: mask A outputs respond only after the impulse in raster order, mask B also at it', () => {
    const w = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    expect(response((x) => maskedConv2d(x, w, maskA(3, 1, 1)), 5, 5, 2, 2)).toEqual([
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 1, 0],
      [0, 1, 1, 1, 0],
      [0, 0, 0, 0, 0],
    ]);
    expect(response((x) => maskedConv2d(x, w, maskB(3, 1, 1)), 5, 5, 2, 2)).toEqual([
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 1, 1, 0],
      [0, 1, 1, 1, 0],
      [0, 0, 0, 0, 0],
    ]);
    // Same-size output, and at the corner the kernel is cut off by the zero padding.
    expect(response((x) => maskedConv2d(x, w, maskA(3, 1, 1)), 3, 4, 0, 3)).toEqual([
      [0, 0, 0, 0],
      [0, 0, 1, 1],
      [0, 0, 0, 0],
    ]);
  });

  it('masked 5x5 convolution with mask A never lets an output read its own or a later pixel', () => {
    const w = tf.ones([5, 5, 1, 1]) as tf.Tensor4D;
    const m = maskA(5, 1, 1);
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 4; c++) {
        const g = response((x) => maskedConv2d(x, w, m), 4, 4, r, c);
        g.forEach((row, i) => row.forEach((v, j) => v && expect(i * 4 + j).toBeGreaterThan(r * 4 + c)));
        // 5x5 mask A reaches 2 rows down and 2 columns either side: the pixel right after the impulse reads it.
        if (c < 3) expect(g[r][c + 1]).toBe(1);
      }
    }
  });

  it('masked convolution with colour groups: R output ignores the current pixel, G reads R, B reads R and G', () => {
    // 1x1 spatial, 3x3 kernel, 3 channels in, 3 features out (one per group); all weights 1.
    const w = tf.ones([3, 3, 3, 3]) as tf.Tensor4D;
    const y = maskedConv2d(tf.tensor4d([1, 10, 100], [1, 1, 1, 3]), w, maskA(3, 3, 3, 3));
    expect(Array.from(y.dataSync())).toEqual([0, 1, 11]);
    const yb = maskedConv2d(
      tf.tensor4d([1, 10, 100], [1, 1, 1, 3]),
      w,
      maskB(3, 3, 3, 3),
      tf.tensor1d([0.5, 0.5, 0.5]),
    );
    expect(Array.from(yb.dataSync())).toEqual([1.5, 11.5, 111.5]);
  });

  it('vertical stack 3x3: output (i, j) reads rows i-2..i and columns j-1..j+1', () => {
    const w = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    expect(response((x) => verticalStackConv(x, w), 6, 5, 1, 0)).toEqual([
      [0, 0, 0, 0, 0],
      [1, 1, 0, 0, 0],
      [1, 1, 0, 0, 0],
      [1, 1, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
    // 2x1 kernel: the column itself, this row and the one above.
    expect(response((x) => verticalStackConv(x, tf.ones([2, 1, 1, 1]) as tf.Tensor4D), 3, 3, 0, 1)).toEqual([
      [0, 1, 0],
      [0, 1, 0],
      [0, 0, 0],
    ]);
  });

  it('vertical stack weights: the bottom kernel row is the current row', () => {
    // Kernel rows weighted 1 (top) and 10 (bottom, current row); 1x1 wide.
    const w = tf.tensor4d([1, 10], [2, 1, 1, 1]);
    const x = tf.tensor4d([1, 2, 3], [1, 3, 1, 1]);
    expect(Array.from(verticalStackConv(x, w, tf.tensor1d([100])).dataSync())).toEqual([110, 121, 132]);
  });

  it('horizontal stack weights: the last kernel column is the current pixel', () => {
    const w = tf.tensor4d([1, 10], [1, 2, 1, 1]);
    const x = tf.tensor4d([1, 2, 3, 4], [1, 1, 4, 1]);
    expect(Array.from(horizontalStackConv(x, w, undefined).dataSync())).toEqual([10, 21, 32, 43]);
    expect(Array.from(horizontalStackConv(x, w, tf.tensor4d([1, 0], [1, 2, 1, 1])).dataSync())).toEqual([0, 1, 2, 3]);
    // Row i only: an impulse never reaches another row.
    expect(
      response((y) => horizontalStackConv(y, tf.ones([1, 2, 1, 1]) as tf.Tensor4D, undefined), 3, 4, 2, 3),
    ).toEqual([
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 1],
    ]);
  });

  it('downShift / rightShift by more than one, on several channels and images', () => {
    const x = tf.tensor4d(
      Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i + 1),
      [2, 3, 2, 2],
    );
    expect(downShift(x, 2).arraySync()).toEqual([
      [
        [
          [0, 0],
          [0, 0],
        ],
        [
          [0, 0],
          [0, 0],
        ],
        [
          [1, 2],
          [3, 4],
        ],
      ],
      [
        [
          [0, 0],
          [0, 0],
        ],
        [
          [0, 0],
          [0, 0],
        ],
        [
          [13, 14],
          [15, 16],
        ],
      ],
    ]);
    expect(rightShift(x).arraySync()).toEqual([
      [
        [
          [0, 0],
          [1, 2],
        ],
        [
          [0, 0],
          [5, 6],
        ],
        [
          [0, 0],
          [9, 10],
        ],
      ],
      [
        [
          [0, 0],
          [13, 14],
        ],
        [
          [0, 0],
          [17, 18],
        ],
        [
          [0, 0],
          [21, 22],
        ],
      ],
    ]);
    expect(downShift(x, 0).arraySync()).toEqual(x.arraySync());
    expect(downShift(x).shape).toEqual([2, 3, 2, 2]);
  });

  it('pad2d pads [top, bottom, left, right]; addBias adds per channel', () => {
    const p = pad2d(tf.tensor4d([5], [1, 1, 1, 1]), [1, 0, 2, 1]);
    expect(p.shape).toEqual([1, 2, 4, 1]);
    expect(Array.from(p.dataSync())).toEqual([0, 0, 0, 0, 0, 0, 5, 0]);
    const y = addBias(tf.zeros([1, 1, 2, 2]) as tf.Tensor4D, tf.tensor1d([1, 2]));
    expect(Array.from(y.dataSync())).toEqual([1, 2, 1, 2]);
  });

  it("addBias's gradients (bias: a product with ones) equal tf.add's, on 4-D maps and 2-D rows", () => {
    for (const shape of [
      [3, 4, 5, 6],
      [7, 6],
    ]) {
      const x = rand(shape, 11);
      const b = rand([6], 12);
      const dy = rand(shape, 13);
      const f = (add: (p: tf.Tensor, q: tf.Tensor1D) => tf.Tensor) =>
        tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(add(p, q as tf.Tensor1D), dy)))([x, b]);
      const ours = f((p, q) => addBias(p, q));
      const ref = f((p, q) => tf.add(p, q));
      close(addBias(x, b as tf.Tensor1D), tf.add(x, b), 1e-6);
      close(ours[0], ref[0], 1e-6);
      close(ours[1], ref[1], 1e-5);
    }
  });

  it('conv1x1 with colour mask 3 -> 6 features and a bias; gradients reach only the unmasked weights', () => {
    const m = colourMask1x1(3, 6, 3) as tf.Tensor2D;
    expect(m.arraySync()).toEqual([
      [1, 1, 1, 1, 1, 1],
      [0, 0, 1, 1, 1, 1],
      [0, 0, 0, 0, 1, 1],
    ]);
    const x = tf.tensor4d([1, 10, 100, 2, 20, 200], [1, 1, 2, 3]);
    const w = tf.ones([3, 6]) as tf.Tensor2D;
    const y = conv1x1(x, w, tf.tensor1d([0, 0, 0, 0, 0, 1000]), m);
    expect(y.shape).toEqual([1, 1, 2, 6]);
    expect(Array.from(y.dataSync())).toEqual([1, 1, 11, 11, 111, 1111, 2, 2, 22, 22, 222, 1222]);
    const dw = tf.grad((v: tf.Tensor) => tf.sum(conv1x1(x, v as tf.Tensor2D, undefined, m)))(w);
    expect(dw.arraySync()).toEqual([
      [3, 3, 3, 3, 3, 3],
      [0, 0, 30, 30, 30, 30],
      [0, 0, 0, 0, 300, 300],
    ]);
  });
});

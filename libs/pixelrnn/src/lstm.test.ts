/**
 * The LSTM cell (PixelRNN paper eq. 3) against values computed by hand, outside this code:
 *
 *   pre = [o | f | i | g] (h each);  o, f, i = sigmoid(pre),  g = tanh(pre)
 *   c = f * c_prev + i * g   (c_prev = 0 at the first step),   h = o * tanh(c)
 *
 * The expected numbers below were worked out once with these formulas in double precision (Python's math
 * module), to 7 decimals, and are written out here; the test never calls the cell to get them.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from '@pixel-models/nn/testing';
import { lstmStep } from './lstm';

beforeAll(async () => {
  await useTestBackend();
});

// A row of 2 positions, h = 2: [o1 o2 | f1 f2 | i1 i2 | g1 g2] per position. Every gate value differs, so a cell
// that reads the gates in another order, or uses tanh / sigmoid on the wrong ones, gets other numbers.
const STEP1 = [
  [0.5, -1.0, 2.0, 0.0, -0.5, 1.0, 0.3, -2.0],
  [-0.2, 1.5, -1.0, 0.7, 0.4, -0.3, 1.2, 0.6],
];
const STEP2 = [
  [1.0, 0.0, 0.5, -2.0, 1.5, 0.2, -0.7, 0.9],
  [0.0, -0.5, 3.0, 1.0, -1.0, 2.0, 0.1, -1.1],
];
// Worked example, step 1, position 0, unit 0: o = s(0.5) = 0.6224593, i = s(-0.5) = 0.3775407,
// g = tanh(0.3) = 0.2913126; c = 0 + i g = 0.1099824; h = o tanh(c) = 0.6224593 * 0.1095410 = 0.0681848.
const WANT1 = {
  h: [
    [0.0681848, -0.1633499],
    [0.2077102, 0.1836662],
  ],
  c: [
    [0.1099824, -0.7047606],
    [0.4990987, 0.2285455],
  ],
};
// Step 2 continues from step 1's c (f * c_prev is now non-zero).
const WANT2 = {
  h: [
    [-0.293655, 0.1501437],
    [0.2319359, -0.18555],
  ],
  c: [
    [-0.4256561, 0.3098354],
    [0.5022334, -0.5379971],
  ],
};

const rows = (t: tf.Tensor) => t.arraySync() as number[][][];
const expectClose = (got: number[][], want: number[][]) =>
  got.forEach((row, p) => row.forEach((v, k) => expect(v, `position ${p}, unit ${k}`).toBeCloseTo(want[p][k], 6)));

describe('lstmStep (gate layout [o | f | i | g])', () => {
  it('matches the hand-computed h and c at the first step (c_prev = 0) and at the next', () => {
    const s1 = lstmStep(tf.tensor3d([STEP1]), undefined);
    expect(s1.h.shape).toEqual([1, 2, 2]);
    expectClose(rows(s1.h)[0], WANT1.h);
    expectClose(rows(s1.c)[0], WANT1.c);
    const s2 = lstmStep(tf.tensor3d([STEP2]), s1);
    expectClose(rows(s2.h)[0], WANT2.h);
    expectClose(rows(s2.c)[0], WANT2.c);
    tf.dispose([s1.h, s1.c, s2.h, s2.c]);
  });
});

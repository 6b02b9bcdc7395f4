import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bitsPerDim, meanNll, natsFromBitsPerDim, nllPerImage } from './metrics';
import { useTestBackend } from './testing/backend';

beforeAll(async () => {
  await useTestBackend();
});

describe('nllPerImage / meanNll / bitsPerDim', () => {
  it.each([2, 4, 256])('uniform logits (Q = %i): H*W*C*ln Q nats and log2 Q bits per dimension', (q) => {
    const [b, h, w, c] = [2, 3, 4, 3];
    const logits = tf.fill([b, h, w, c, q], 0.7) as tf.Tensor5D; // any constant is uniform
    const x = tf.randomUniform([b, h, w, c], 0, q, 'int32', 5) as tf.Tensor4D;
    const nll = nllPerImage(logits, x);
    expect(nll.shape).toEqual([b]);
    const expected = h * w * c * Math.log(q);
    for (const v of nll.dataSync()) expect(Math.abs(v - expected) / expected).toBeLessThan(1e-5);
    expect(bitsPerDim(nll.dataSync()[0], h * w * c)).toBeCloseTo(Math.log2(q), 5);
    expect(meanNll(logits, x).dataSync()[0]).toBeCloseTo(expected, 3);
  });

  it("hand-computed case with C = 3, Q = 3: picks each channel's observed level", () => {
    // One pixel. R: logits [0, 1, 2] observed 2; G: [1, 1, 1] observed 0; B: [3, 0, 0] observed 1.
    const logits = tf.tensor5d([0, 1, 2, 1, 1, 1, 3, 0, 0], [1, 1, 1, 3, 3]);
    const x = tf.tensor4d([2, 0, 1], [1, 1, 1, 3], 'int32');
    const lse = (v: number[]) => Math.log(v.reduce((s, z) => s + Math.exp(z), 0));
    const expected = lse([0, 1, 2]) - 2 + (lse([1, 1, 1]) - 1) + (lse([3, 0, 0]) - 0);
    expect(nllPerImage(logits, x).dataSync()[0]).toBeCloseTo(expected, 5);
    // The same by hand, written out: R ln(1 + e + e^2) - 2 = 0.40760596, G ln 3 = 1.09861229, B ln(e^3 + 2) = 3.09492296.
    expect(nllPerImage(logits, x).dataSync()[0]).toBeCloseTo(4.60114121, 5);
  });

  it('per image: a second image with different levels gets its own NLL; meanNll is their mean', () => {
    // Q = 2, one pixel, one channel; logits favour level 1 by 2 nats in both images.
    const logits = tf.tensor5d([0, 2, 0, 2], [2, 1, 1, 1, 2]);
    const x = tf.tensor4d([1, 0], [2, 1, 1, 1], 'int32');
    const s = (z: number) => 1 / (1 + Math.exp(-z));
    const want = [-Math.log(s(2)), -Math.log(s(-2))];
    const got = Array.from(nllPerImage(logits, x).dataSync());
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    expect(meanNll(logits, x).dataSync()[0]).toBeCloseTo((want[0] + want[1]) / 2, 5);
    // Float levels are accepted (cast to int32).
    expect(nllPerImage(logits, tf.tensor4d([1, 0], [2, 1, 1, 1]) as tf.Tensor4D).dataSync()[1]).toBeCloseTo(want[1], 5);
  });

  it('does not leak tensors', () => {
    const logits = tf.zeros([1, 2, 2, 1, 4]) as tf.Tensor5D;
    const x = tf.zeros([1, 2, 2, 1], 'int32') as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const nll = nllPerImage(logits, x);
    const m = meanNll(logits, x);
    expect(tf.memory().numTensors).toBe(before + 2);
    nll.dispose();
    m.dispose();
  });

  it('matches the straightforward log-softmax NLL in value and gradient (closed-form gradient)', () => {
    const logits = tf.randomNormal([2, 3, 4, 3, 5], 0, 2, 'float32', 11) as tf.Tensor5D;
    const x = tf.randomUniform([2, 3, 4, 3], 0, 5, 'int32', 12) as tf.Tensor4D;
    const weights = tf.tensor1d([0.3, -1.7]); // a non-uniform upstream gradient per image
    const plain = (z: tf.Tensor) => tf.neg(tf.sum(tf.mul(tf.logSoftmax(z, -1), tf.oneHot(x, 5)), [1, 2, 3, 4]));
    const ours = (z: tf.Tensor) => nllPerImage(z as tf.Tensor5D, x);
    expect(Array.from(ours(logits).dataSync())).toEqual(
      Array.from(plain(logits).dataSync()).map((v) => expect.closeTo(v, 4)),
    );
    const g1 = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(ours(z), weights)))(logits);
    const g2 = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(plain(z), weights)))(logits);
    expect(tf.max(tf.abs(tf.sub(g1, g2))).dataSync()[0]).toBeLessThan(1e-5);
  });

  it('bits/dim <-> nats conversions', () => {
    expect(bitsPerDim(784 * Math.LN2, 784)).toBeCloseTo(1, 12);
    expect(natsFromBitsPerDim(3, 3072)).toBeCloseTo(3 * 3072 * Math.LN2, 8);
    expect(bitsPerDim(natsFromBitsPerDim(2.5, 100), 100)).toBeCloseTo(2.5, 12);
  });
});

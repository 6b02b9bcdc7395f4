import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from './errors';
import { bitsPerDim, meanNll, nllPerImage } from './metrics';
import { Params } from './params';
import { binarizeStochastic, binarizeThreshold, checkLevels, dequantize, quantize } from './quantize';
import { SeedSequence, checkSeed, createRng, shuffledIndices } from './seed';
import { useTestBackend } from './testing/backend';

beforeAll(async () => {
  await useTestBackend();
});

describe('quantization', () => {
  it('maps 8-bit values to Q uniform bins and back', () => {
    const px = Uint8Array.from([0, 63, 64, 127, 128, 255]);
    expect(Array.from(quantize(px, 2))).toEqual([0, 0, 0, 0, 1, 1]);
    expect(Array.from(quantize(px, 4))).toEqual([0, 0, 1, 1, 2, 3]);
    expect(Array.from(quantize(px, 256))).toEqual([0, 63, 64, 127, 128, 255]);
    expect(Array.from(dequantize(Int32Array.from([0, 1, 2, 3]), 4))).toEqual([0, 85, 170, 255]);
    expect(Array.from(dequantize(quantize(px, 256), 256))).toEqual(Array.from(px));
  });

  it('binarizes by threshold and by seeded sampling', () => {
    expect(Array.from(binarizeThreshold(Uint8Array.from([0, 127, 128, 255])))).toEqual([0, 0, 1, 1]);
    const px = new Uint8Array(20000).fill(64);
    const a = binarizeStochastic(px, createRng(1, 'b'));
    expect(binarizeStochastic(px, createRng(1, 'b'))).toEqual(a);
    expect(a.reduce((s, v) => s + v, 0) / px.length).toBeCloseTo(64 / 255, 1);
  });

  it('rejects levels outside 2..256', () => {
    for (const q of [1, 257, 2.5]) expect(() => checkLevels(q)).toThrow(ConfigError);
  });
});

describe('metrics', () => {
  it('uniform logits give H*W*C*ln Q nats and log2 Q bits per dimension', () => {
    const logits = tf.zeros([2, 3, 3, 1, 4]) as tf.Tensor5D;
    const x = tf.zeros([2, 3, 3, 1], 'int32') as tf.Tensor4D;
    const nll = nllPerImage(logits, x).dataSync();
    expect(nll[0]).toBeCloseTo(9 * Math.log(4), 4);
    expect(bitsPerDim(nll[0], 9)).toBeCloseTo(2, 5);
  });

  it('picks the probability of the observed level in each channel', () => {
    // One pixel, 3 channels, Q = 2: p(R=1) = σ(2), p(G=0) = 1 - σ(0), p(B=1) = σ(-1).
    const logits = tf.tensor5d([0, 2, 0, 0, 0, -1], [1, 1, 1, 3, 2]);
    const x = tf.tensor4d([1, 0, 1], [1, 1, 1, 3], 'int32');
    const s = (z: number) => 1 / (1 + Math.exp(-z));
    const expected = -(Math.log(s(2)) + Math.log(0.5) + Math.log(s(-1)));
    expect(meanNll(logits, x).dataSync()[0]).toBeCloseTo(expected, 5);
  });
});

describe('seeds', () => {
  it('one seed and purpose give one stream; its state can be saved and restored', () => {
    const a = createRng(3, 'x');
    const first = [a.next(), a.next()];
    expect([createRng(3, 'x').next(), 0]).not.toEqual([createRng(3, 'y').next(), 0]);
    const b = createRng(3, 'x');
    expect([b.next(), b.next()]).toEqual(first);
    const saved = b.state();
    const next = b.next();
    expect(createRng(0, '', saved).next()).toBe(next);
  });

  it('rejects seeds tfjs would read as unseeded', () => {
    for (const s of [0, -1, 1.5]) expect(() => checkSeed(s)).toThrow(ConfigError);
  });

  it('derives distinct non-zero weight seeds, and seeded weights are identical on cpu and wasm', async () => {
    const seq = new SeedSequence(7);
    const seeds = Array.from({ length: 100 }, () => seq.next());
    expect(new Set(seeds).size).toBe(100);
    expect(seeds.every((s) => s > 0)).toBe(true);
    const wasm = new Params(7).weight('w', [4, 4], 4).dataSync();
    await tf.setBackend('cpu');
    const cpu = new Params(7).weight('w', [4, 4], 4).dataSync();
    await tf.setBackend('wasm');
    expect(Array.from(cpu)).toEqual(Array.from(wasm));
    expect(Array.from(new Params(8).weight('w', [4, 4], 4).dataSync())).not.toEqual(Array.from(wasm));
  });

  it('shuffles into a seeded permutation', () => {
    const p = shuffledIndices(50, createRng(1, 's'));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(shuffledIndices(50, createRng(1, 's'))).toEqual(p);
  });

  it('Params rejects duplicate names', () => {
    const p = new Params(1);
    p.bias('b', 2);
    expect(() => p.bias('b', 2)).toThrow(/duplicate parameter name "b"/);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors';
import { binarizeStochastic, binarizeThreshold, checkLevels, dequantize, levelToUnit, quantize } from './quantize';
import { createRng } from './seed';

describe('quantize / dequantize', () => {
  const px = Uint8Array.from([0, 1, 63, 64, 127, 128, 191, 192, 254, 255]);

  it('Q = 2: two bins [0, 128) and [128, 256)', () => {
    expect(Array.from(quantize(px, 2))).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('Q = 4: bins of 64', () => {
    expect(Array.from(quantize(px, 4))).toEqual([0, 0, 0, 1, 1, 2, 2, 3, 3, 3]);
  });

  it('Q = 256 is the identity, and dequantize(quantize(x, 256), 256) round-trips every byte', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(Array.from(quantize(all, 256))).toEqual(Array.from(all));
    expect(Array.from(dequantize(quantize(all, 256), 256))).toEqual(Array.from(all));
  });

  it('Q = 3 uses uneven bins at floor(x * 3 / 256)', () => {
    expect(Array.from(quantize(Uint8Array.from([85, 86, 170, 171]), 3))).toEqual([0, 1, 1, 2]);
  });

  it('levels round-trip: quantize(dequantize(q)) = q for every Q', () => {
    for (const q of [2, 3, 4, 7, 16, 100, 255, 256]) {
      const levels = Int32Array.from({ length: q }, (_, i) => i);
      expect(Array.from(quantize(dequantize(levels, q), q))).toEqual(Array.from(levels));
    }
  });

  it('dequantize spreads levels evenly from 0 to 255', () => {
    expect(Array.from(dequantize(Int32Array.from([0, 1, 2, 3]), 4))).toEqual([0, 85, 170, 255]);
    expect(Array.from(dequantize(Int32Array.from([0, 1]), 2))).toEqual([0, 255]);
    expect(Array.from(dequantize(Int32Array.from([0, 1, 2]), 3))).toEqual([0, 128, 255]);
    // Q = 100: level 2 would be round(2 * 255 / 99) = 5, which lies in bin 1 ([2.56, 5.12)): it is kept in bin 2.
    expect(Array.from(dequantize(Int32Array.from([0, 1, 2, 3, 99]), 100))).toEqual([0, 3, 6, 8, 255]);
    // Powers of two are exactly evenly spaced.
    expect(Array.from(dequantize(Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), 8))).toEqual([
      0, 36, 73, 109, 146, 182, 219, 255,
    ]);
  });

  it('levelToUnit scales q / (Q - 1)', () => {
    expect([0, 1, 2, 3].map((q) => levelToUnit(q, 4))).toEqual([0, 1 / 3, 2 / 3, 1]);
    expect(levelToUnit(255, 256)).toBe(1);
  });

  it('checkLevels accepts 2..256 and rejects 1, 257, 2.5, NaN with a ConfigError', () => {
    expect(checkLevels(2)).toBe(2);
    expect(checkLevels(256)).toBe(256);
    for (const q of [1, 257, 2.5, 0, -4, Number.NaN]) expect(() => checkLevels(q)).toThrow(ConfigError);
    expect(() => checkLevels(257)).toThrow('levels must be an integer from 2 to 256, got 257');
    expect(() => quantize(px, 1)).toThrow(ConfigError);
    expect(() => dequantize(Int32Array.from([0]), 2.5)).toThrow(ConfigError);
  });
});

describe('binarization', () => {
  it('threshold: 1 where pixel / 255 > threshold', () => {
    expect(Array.from(binarizeThreshold(Uint8Array.from([0, 127, 128, 255])))).toEqual([0, 0, 1, 1]);
    expect(Array.from(binarizeThreshold(Uint8Array.from([0, 1, 51, 52, 255]), 0.2))).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(binarizeThreshold(Uint8Array.from([0, 1]), 0))).toEqual([0, 1]);
    for (const t of [1, -0.1, Number.NaN])
      expect(() => binarizeThreshold(Uint8Array.from([0]), t)).toThrow(ConfigError);
  });

  it('stochastic: seeded, reproducible, 0 and 255 are certain, mean close to pixel / 255', () => {
    const px = new Uint8Array(20000);
    px.fill(64, 0, 10000);
    px.fill(200, 10000);
    const a = binarizeStochastic(px, createRng(1, 'b'));
    expect(Array.from(binarizeStochastic(px, createRng(1, 'b')))).toEqual(Array.from(a));
    expect(Array.from(binarizeStochastic(px, createRng(2, 'b')))).not.toEqual(Array.from(a));
    const mean = (from: number, to: number) => a.subarray(from, to).reduce((s, v) => s + v, 0) / (to - from);
    // Binomial standard error for 10000 draws is < 0.005: 0.02 is 4 sigma.
    expect(Math.abs(mean(0, 10000) - 64 / 255)).toBeLessThan(0.02);
    expect(Math.abs(mean(10000, 20000) - 200 / 255)).toBeLessThan(0.02);
    const edges = binarizeStochastic(Uint8Array.from([0, 0, 0, 255, 255, 255]), createRng(5, 'b'));
    expect(Array.from(edges)).toEqual([0, 0, 0, 1, 1, 1]);
  });
});

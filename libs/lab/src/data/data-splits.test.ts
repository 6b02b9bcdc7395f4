import { describe, expect, it } from 'vitest';
import { ConfigError, type ImageSet, type LevelSet } from '@pixel-models/nn';
import { firstImages, trainValidationSplit } from './data-splits';

/** 20 images of 2 pixels: image i has pixels [i, 100 + i] and label i. */
const set: ImageSet = {
  pixels: Uint8Array.from({ length: 40 }, (_, k) => (k % 2 === 0 ? k / 2 : 100 + (k - 1) / 2)),
  labels: Uint8Array.from({ length: 20 }, (_, i) => i),
  count: 20,
  height: 1,
  width: 2,
  channels: 1,
};

describe('trainValidationSplit', () => {
  it('has the right sizes, keeps pixels with their labels, is disjoint and complete', () => {
    const { train, validation } = trainValidationSplit(set, 5, 1);
    expect([train.count, validation.count]).toEqual([15, 5]);
    expect([train.pixels.length, validation.pixels.length]).toEqual([30, 10]);
    for (const s of [train, validation]) {
      s.labels!.forEach((l, k) => expect([s.pixels[2 * k], s.pixels[2 * k + 1]]).toEqual([l, 100 + l]));
    }
    const all = [...train.labels!, ...validation.labels!];
    expect(new Set(all).size).toBe(20);
    expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(train).toMatchObject({ height: 1, width: 2, channels: 1 });
  });

  it('is seeded: same seed same split, another seed another split', () => {
    const a = trainValidationSplit(set, 5, 1);
    expect(Array.from(trainValidationSplit(set, 5, 1).validation.labels!)).toEqual(Array.from(a.validation.labels!));
    expect(Array.from(trainValidationSplit(set, 5, 2).validation.labels!)).not.toEqual(
      Array.from(a.validation.labels!),
    );
    // Shuffled, not just the first or last five.
    expect(Array.from(a.validation.labels!)).not.toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(a.validation.labels!)).not.toEqual([15, 16, 17, 18, 19]);
  });

  it('rejects validation sizes outside 1 .. count-1 with a ConfigError', () => {
    for (const n of [0, 20, 21, -1, 2.5]) expect(() => trainValidationSplit(set, n, 1)).toThrow(ConfigError);
    expect(() => trainValidationSplit(set, 20, 1)).toThrow('validation size must be between 1 and 19, got 20');
    expect(trainValidationSplit(set, 19, 1).train.count).toBe(1);
  });
});

describe('firstImages', () => {
  it('takes the first n images with their labels, of 8-bit and level sets alike', () => {
    const two = firstImages(set, 2, 'train images');
    expect(Array.from(two.pixels)).toEqual([0, 100, 1, 101]);
    expect(Array.from(two.labels!)).toEqual([0, 1]);
    expect(two.count).toBe(2);
    const levels: LevelSet = { levels: Int32Array.from(set.pixels), count: 20, height: 1, width: 2, channels: 1 };
    const one = firstImages(levels, 1, 'test images');
    expect(Array.from(one.levels)).toEqual([0, 100]);
    expect(one.labels).toBeUndefined();
  });

  it('is the set itself when n is undefined or covers it; a bad n is a ConfigError naming it', () => {
    expect(firstImages(set, undefined, 'train images')).toBe(set);
    expect(firstImages(set, 20, 'train images')).toBe(set);
    expect(firstImages(set, 50, 'train images')).toBe(set);
    for (const n of [0, -1, 2.5]) expect(() => firstImages(set, n, 'test images')).toThrow(ConfigError);
    expect(() => firstImages(set, 0, 'test images')).toThrow('test images must be a positive integer, got 0');
  });
});

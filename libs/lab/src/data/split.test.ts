import { describe, expect, it } from 'vitest';
import { ConfigError } from '@pixel-models/nn';
import type { ImageSet } from './dataset';
import { selectImages, takeImages } from './dataset';
import { trainValidationSplit } from './split';

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
    expect(Array.from(trainValidationSplit(set, 5, 2).validation.labels!)).not.toEqual(Array.from(a.validation.labels!));
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

describe('selectImages / takeImages', () => {
  it('select in the given order; take the first n', () => {
    const s = selectImages(set, [3, 0]);
    expect(Array.from(s.pixels)).toEqual([3, 103, 0, 100]);
    expect(Array.from(s.labels!)).toEqual([3, 0]);
    expect(Array.from(takeImages(set, 2).labels!)).toEqual([0, 1]);
    expect(takeImages(set, 50)).toBe(set);
    const unlabelled = selectImages({ ...set, labels: undefined }, [1]);
    expect(unlabelled.labels).toBeUndefined();
  });
});

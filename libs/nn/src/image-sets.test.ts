import { describe, expect, it } from 'vitest';
import { type ImageSet, type LevelSet, gatherImages } from './image-sets';
import { createRng } from './seed';

/** 7 images of 2x3x2 values with labels, filled from a seeded generator. */
function levelSet(): LevelSet {
  const rng = createRng(3, 'image-sets test');
  return {
    levels: Int32Array.from({ length: 7 * 12 }, () => Math.floor(rng.next() * 256)),
    labels: Uint8Array.from({ length: 7 }, () => Math.floor(rng.next() * 10)),
    count: 7,
    height: 2,
    width: 3,
    channels: 2,
  };
}

/** The straightforward loop: value by value, label by label. */
function byLoop(values: ArrayLike<number>, labels: ArrayLike<number> | undefined, size: number, indices: number[]) {
  const out: number[] = [];
  for (const i of indices) for (let v = 0; v < size; v++) out.push(values[i * size + v]);
  return { values: out, labels: labels && indices.map((i) => labels[i]) };
}

describe('gatherImages', () => {
  const indices = [4, 0, 6, 4, 2];

  it('copies the images and labels at the indices, in that order, as the plain loop does (level sets)', () => {
    const set = levelSet();
    const got = gatherImages(set, Int32Array.from(indices));
    const want = byLoop(set.levels, set.labels, 12, indices);
    expect(got.levels).toBeInstanceOf(Int32Array);
    expect(Array.from(got.levels)).toEqual(want.values);
    expect(Array.from(got.labels!)).toEqual(want.labels);
    expect(got).toMatchObject({ count: 5, height: 2, width: 3, channels: 2 });
  });

  it('does the same for 8-bit image sets, and leaves unlabelled sets unlabelled', () => {
    const { levels, ...shape } = levelSet();
    const set: ImageSet = { ...shape, pixels: Uint8Array.from(levels) };
    const got = gatherImages(set, indices);
    expect(got.pixels).toBeInstanceOf(Uint8Array);
    expect(Array.from(got.pixels)).toEqual(byLoop(set.pixels, set.labels, 12, indices).values);
    expect(Array.from(got.labels!)).toEqual(indices.map((i) => set.labels![i]));
    const unlabelled = gatherImages({ ...levelSet(), labels: undefined }, [1]);
    expect(unlabelled.labels).toBeUndefined();
    expect(gatherImages(levelSet(), []).count).toBe(0);
  });

  it('copies: changing the result leaves the set alone', () => {
    const set = levelSet();
    const before = Array.from(set.levels);
    gatherImages(set, [0]).levels.fill(-1);
    expect(Array.from(set.levels)).toEqual(before);
  });

  it('refuses an index that names no image with a RangeError, not a short or zero image', () => {
    const set = levelSet();
    for (const bad of [7, -1, 1.5, NaN]) expect(() => gatherImages(set, [0, bad])).toThrow(RangeError);
    expect(() => gatherImages(set, [0, 7])).toThrow(
      'gatherImages: index 7 (position 1) names no image of a set of 7 (indices 0..6)',
    );
  });
});

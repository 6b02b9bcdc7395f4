/**
 * The data a comparison trains on: binarized / quantized MNIST, the colour MNIST derived from it, or CIFAR-10
 * from a user directory. Every choice is fixed by the data seed, so all models and seeds see the same images.
 */
import { ConfigError, quantize, type LevelSet } from '@pixel-models/nn';
import { loadCifar10 } from '../data/cifar10';
import { type ImageSet, takeImages } from '../data/dataset';
import { loadMnist } from '../data/mnist';
import { trainValidationSplit } from '../data/split';
import { colourizeMnist } from './colour-mnist';
import { MNIST_DATA_SEED, MNIST_VALIDATION_IMAGES, type MnistLevels, loadMnistLevels, toLevelSet } from './mnist';

export type DatasetKind = 'mnist' | 'mnist-colour' | 'cifar10';

export interface DatasetOptions {
  levels: number;
  dataDir?: string;
  /** The fixed binarization's .amat folder: used by the 'mnist' kind (2 levels only), ignored by the others. */
  binarizedMnistDir?: string;
  cifarDir?: string;
  trainImages?: number;
  validationImages?: number;
  testImages?: number;
}

function limit(set: ImageSet, n?: number): ImageSet {
  return n === undefined ? set : takeImages(set, n);
}

function quantized(set: ImageSet, levels: number): LevelSet {
  return { levels: quantize(set.pixels, levels), labels: set.labels, count: set.count, height: set.height, width: set.width, channels: set.channels };
}

export function loadDataset(kind: DatasetKind, o: DatasetOptions): MnistLevels {
  if (kind === 'mnist') return loadMnistLevels(o);
  if (kind === 'mnist-colour') {
    const mnist = loadMnist(o.dataDir);
    const split = trainValidationSplit(mnist.train, MNIST_VALIDATION_IMAGES, MNIST_DATA_SEED);
    const colour = (set: ImageSet, n: number | undefined, purpose: string) => toLevelSet(colourizeMnist(limit(set, n), MNIST_DATA_SEED, purpose), o.levels, purpose);
    return {
      train: colour(split.train, o.trainImages, 'train'),
      validation: colour(split.validation, o.validationImages, 'validation'),
      test: colour(mnist.test, o.testImages, 'test'),
      source: `${mnist.source}, coloured`,
      preprocessing: `MNIST digits painted in one of six hues per image (data seed ${MNIST_DATA_SEED}), ${o.levels} levels per channel`,
    };
  }
  if (!o.cifarDir) throw new ConfigError('CIFAR-10 needs --cifar-dir with the binary version (cifar-10-batches-bin)');
  const cifar = loadCifar10(o.cifarDir);
  const split = trainValidationSplit(cifar.train, MNIST_VALIDATION_IMAGES, MNIST_DATA_SEED);
  return {
    train: quantized(limit(split.train, o.trainImages), o.levels),
    validation: quantized(limit(split.validation, o.validationImages), o.levels),
    test: quantized(limit(cifar.test, o.testImages), o.levels),
    source: `CIFAR-10 from ${o.cifarDir}`,
    preprocessing: `${o.levels} levels per channel; ${MNIST_VALIDATION_IMAGES} training images held out for validation`,
  };
}

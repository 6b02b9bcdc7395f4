/**
 * The data a comparison trains on: binarized / quantized MNIST, the colour MNIST derived from it, or CIFAR-10
 * from a user directory. Every choice is fixed by the data seed, so all models and seeds see the same images.
 */
import { ConfigError, quantize, type ImageSet, type LevelSet } from '@pixel-models/nn';
import { loadCifar10 } from './cifar10';
import { colourizeMnist } from './colour-mnist';
import { DATA_SEED, type DataSplits, VALIDATION_IMAGES, firstImages, trainValidationSplit } from './data-splits';
import { loadMnist } from './mnist';
import { binarizeOrQuantize, loadMnistSplits } from './mnist-splits';

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

function quantized(set: ImageSet, levels: number): LevelSet {
  return {
    levels: quantize(set.pixels, levels),
    labels: set.labels,
    count: set.count,
    height: set.height,
    width: set.width,
    channels: set.channels,
  };
}

export function loadDataSplits(kind: DatasetKind, o: DatasetOptions): DataSplits {
  if (kind === 'mnist') return loadMnistSplits(o);
  if (kind === 'mnist-colour') {
    const mnist = loadMnist(o.dataDir);
    const split = trainValidationSplit(mnist.train, VALIDATION_IMAGES, DATA_SEED);
    const colour = (set: ImageSet, n: number | undefined, purpose: string) =>
      binarizeOrQuantize(
        colourizeMnist(firstImages(set, n, `${purpose} images`), DATA_SEED, purpose),
        o.levels,
        purpose,
      );
    return {
      train: colour(split.train, o.trainImages, 'train'),
      validation: colour(split.validation, o.validationImages, 'validation'),
      test: colour(mnist.test, o.testImages, 'test'),
      source: `${mnist.source}, coloured`,
      preprocessing: `MNIST digits painted in one of six hues per image (data seed ${DATA_SEED}), ${o.levels} levels per channel`,
    };
  }
  if (!o.cifarDir) throw new ConfigError('CIFAR-10 needs --cifar-dir with the binary version (cifar-10-batches-bin)');
  const cifar = loadCifar10(o.cifarDir);
  const split = trainValidationSplit(cifar.train, VALIDATION_IMAGES, DATA_SEED);
  return {
    train: quantized(firstImages(split.train, o.trainImages, 'train images'), o.levels),
    validation: quantized(firstImages(split.validation, o.validationImages, 'validation images'), o.levels),
    test: quantized(firstImages(cifar.test, o.testImages, 'test images'), o.levels),
    source: `CIFAR-10 from ${o.cifarDir}`,
    preprocessing: `${o.levels} levels per channel; ${VALIDATION_IMAGES} training images held out for validation`,
  };
}

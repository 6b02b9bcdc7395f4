/**
 * The train / validation / test sets an experiment trains and measures on (`DataSplits`), for any data set, and
 * the choices fixed by the data seed (independent of a run's --seed), so every run, model and seed sees the same
 * images: the seeded train/validation split and the first N images of smoke runs.
 */
import { ConfigError, createRng, gatherImages, shuffledIndices, type ImageSet, type LevelSet } from '@pixel-models/nn';

export const DATA_SEED = 1;
/** Training images held out for validation (MNIST, colour MNIST and CIFAR-10). */
export const VALIDATION_IMAGES = 5000;

export interface DataSplits {
  train: LevelSet;
  validation: LevelSet;
  test: LevelSet;
  source: string;
  preprocessing: string;
  /** For binarized grayscale MNIST: which binarization every NLL on it is measured on (a label for reports). */
  binarization?: string;
}

export function trainValidationSplit(
  set: ImageSet,
  validationCount: number,
  seed: number,
): { train: ImageSet; validation: ImageSet } {
  if (!Number.isInteger(validationCount) || validationCount < 1 || validationCount >= set.count) {
    throw new ConfigError(`validation size must be between 1 and ${set.count - 1}, got ${validationCount}`);
  }
  const order = shuffledIndices(set.count, createRng(seed, 'split'));
  return {
    validation: gatherImages(set, order.subarray(0, validationCount)),
    train: gatherImages(set, order.subarray(validationCount)),
  };
}

/** The first `n` images (smoke runs): the set itself when n is undefined or n >= count; `what` names n in errors. */
export function firstImages<S extends ImageSet | LevelSet>(set: S, n: number | undefined, what: string): S {
  if (n === undefined) return set;
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${what} must be a positive integer, got ${n}`);
  if (n >= set.count) return set;
  return gatherImages(
    set,
    Array.from({ length: n }, (_, i) => i),
  );
}

/** Seeded train/validation split. */
import { ConfigError, createRng, shuffledIndices } from '@pixel-models/nn';
import { type ImageSet, selectImages } from './dataset';

export function trainValidationSplit(set: ImageSet, validationCount: number, seed: number): { train: ImageSet; validation: ImageSet } {
  if (!Number.isInteger(validationCount) || validationCount < 1 || validationCount >= set.count) {
    throw new ConfigError(`validation size must be between 1 and ${set.count - 1}, got ${validationCount}`);
  }
  const order = shuffledIndices(set.count, createRng(seed, 'split'));
  return {
    validation: selectImages(set, order.subarray(0, validationCount)),
    train: selectImages(set, order.subarray(validationCount)),
  };
}

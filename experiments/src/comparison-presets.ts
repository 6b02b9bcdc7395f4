/** Budgets shared by the comparisons (ablations, paper tables): a smoke size for tests, a CPU default, a GPU size. */
import type { ComparisonBudget } from '@pixel-models/lab';

export const COMPARISON_PRESETS: Record<'smoke' | 'default' | 'gpu', ComparisonBudget> = {
  smoke: {
    seeds: 1,
    epochs: 1,
    batchSize: 16,
    learningRate: 0.003,
    trainImages: 96,
    validationImages: 32,
    testImages: 64,
    note: 'seconds: for tests and CI',
  },
  default: {
    seeds: 3,
    epochs: 1,
    batchSize: 32,
    learningRate: 0.002,
    trainImages: 4000,
    validationImages: 500,
    testImages: 1000,
    note: 'minutes per model on 2 CPU cores',
  },
  gpu: {
    seeds: 3,
    epochs: 20,
    batchSize: 64,
    learningRate: 0.001,
    clipNorm: 1,
    note: 'full data, 20 epochs: for a GPU',
  },
};

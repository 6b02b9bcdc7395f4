/**
 * What the conditional experiments share: presets (a smoke size for tests, a CPU default and a GPU size), the
 * unconditional baseline and the held-out images they condition on.
 */
import type { BaselineModel, TrainingPreset } from '@pixel-models/lab';
import { GATED_PRESETS, type GatedPixelCnnConfig } from '@pixel-models/gated-pixelcnn';
import { MODELS } from './models/registry';

export const CONDITIONAL_PRESETS: Record<'smoke' | 'default' | 'gpu', TrainingPreset<GatedPixelCnnConfig>> = {
  smoke: {
    model: GATED_PRESETS.smoke,
    epochs: 1,
    batchSize: 16,
    learningRate: 0.003,
    trainImages: 256,
    validationImages: 64,
    testImages: 100,
    samples: 10,
    note: 'seconds: for tests and CI',
  },
  default: {
    model: GATED_PRESETS.default,
    epochs: 1,
    batchSize: 32,
    learningRate: 0.002,
    trainImages: 15000,
    validationImages: 1000,
    testImages: 2000,
    samples: 40,
    note: 'about 10-15 minutes on 2 CPU cores (two models)',
  },
  gpu: {
    model: GATED_PRESETS.gpu,
    epochs: 20,
    batchSize: 64,
    learningRate: 0.001,
    clipNorm: 1,
    samples: 100,
    note: 'a larger model of chosen size (from neither paper): for a GPU',
  },
};

/** The unconditional Gated PixelCNN, trained beside a conditional model on the same data, budget and seed. */
export const UNCONDITIONAL_BASELINE: BaselineModel<GatedPixelCnnConfig> = {
  name: 'unconditional Gated PixelCNN',
  createModel: (config, seed) => MODELS['gated-pixelcnn'].create(config, seed),
};

/** Indices of the first test image of each digit 0..9 (held-out images to condition on). */
export function firstOfEachDigit(labels: Uint8Array | undefined): number[] {
  const found: number[] = [];
  for (let d = 0; d < 10; d++) {
    const i = labels ? labels.indexOf(d) : -1;
    if (i >= 0) found.push(i);
  }
  return found;
}

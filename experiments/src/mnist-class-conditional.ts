/**
 * Class-conditional Gated PixelCNN on MNIST (Gated PixelCNN paper, section 2.3): the one-hot digit label h
 * enters every gate as V^T h. Trains the unconditional model on the same data, budget and seed as the baseline,
 * and samples one row per digit.
 *   npx nx run experiments:mnist-class-conditional [--preset smoke|default|gpu] ...
 */
import { ConfigError } from '@pixel-models/nn';
import { runMain, runTrainingExperiment, type TrainingExperiment } from '@pixel-models/lab';
import { oneHotLabels, VectorConditioner } from '@pixel-models/conditioning';
import { DEFAULT_GATED_CONFIG, GatedPixelCnn, type GatedPixelCnnConfig } from '@pixel-models/gated-pixelcnn';
import { CONDITIONAL_PRESETS } from './conditional-presets';
import { REPO_ROOT } from './repo-root';

const DIGITS = 10;

export const mnistClassConditional: TrainingExperiment<GatedPixelCnnConfig, GatedPixelCnn> = {
  name: 'mnist-class-conditional',
  title: 'Class-conditional Gated PixelCNN on MNIST',
  defaultPreset: 'default',
  presets: CONDITIONAL_PRESETS,
  usesLabels: true, // the one-hot label is the condition: no --binarized-mnist (.amat has no labels)
  conditionalNll: { given: 'the digit label of x', source: 'taken from the test set itself' },
  createModel: (config, seed) => {
    const full = { ...DEFAULT_GATED_CONFIG, ...config };
    return new GatedPixelCnn(
      full,
      seed,
      new VectorConditioner({ size: DIGITS, layers: full.layers, filters: full.filters }, seed + 1000),
    );
  },
  condition: (_model, { labels }) => {
    if (!labels) throw new ConfigError('class conditioning needs labelled images');
    return oneHotLabels(labels, DIGITS);
  },
  sampling: (_model, _data, count) => {
    const columns = Math.max(1, Math.floor(count / DIGITS));
    return {
      condition: oneHotLabels(
        Array.from({ length: count }, (_, n) => Math.min(DIGITS - 1, Math.floor(n / columns))),
        DIGITS,
      ),
      columns,
      caption: 'One row per digit: row d is conditioned on the label d.',
    };
  },
  baseline: { name: 'unconditional Gated PixelCNN', createModel: (config, seed) => new GatedPixelCnn(config, seed) },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(() => runTrainingExperiment(mnistClassConditional, process.argv.slice(2), REPO_ROOT).then(() => undefined));
}

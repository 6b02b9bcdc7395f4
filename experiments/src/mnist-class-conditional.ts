/**
 * Class-conditional Gated PixelCNN on MNIST (Gated PixelCNN paper, section 2.3): the one-hot digit label h
 * enters every gate as V^T h. Trains the unconditional model on the same data, budget and seed as the baseline,
 * and samples one row per digit. The runner's steps, in order: runMnistClassConditional.
 *   npx nx run experiments:mnist-class-conditional [--preset smoke|default|gpu] ...
 */
import { ConfigError } from '@pixel-models/nn';
import {
  type ConditionFn,
  type RunResult,
  type SamplePlan,
  type TrainingExperiment,
  buildTrainingModel,
  drawSamples,
  loadTrainingData,
  openTrainingRun,
  reportTrainingRun,
  runMain,
  scoreModel,
  stoppedTrainingRun,
  trainBaseline,
  trainModel,
  withTrainingRun,
} from '@pixel-models/lab';
import { oneHotLabels } from '@pixel-models/conditioning';
import type { GatedPixelCnnConfig } from '@pixel-models/gated-pixelcnn';
import { CONDITIONAL_PRESETS, UNCONDITIONAL_BASELINE } from './conditional-presets';
import { CONDITIONAL_MODELS } from './models/registry';
import { REPO_ROOT } from './repo-root';

const DIGITS = 10;

export const mnistClassConditional: TrainingExperiment<GatedPixelCnnConfig> = {
  name: 'mnist-class-conditional',
  title: 'Class-conditional Gated PixelCNN on MNIST',
  defaultPreset: 'default',
  presets: CONDITIONAL_PRESETS,
  usesLabels: true, // the one-hot label is the condition: no --binarized-mnist (.amat has no labels)
  conditionalNll: { given: 'the digit label of x', source: 'taken from the test set itself' },
  createModel: (config, seed) => CONDITIONAL_MODELS['class-conditional'].create({ ...config, classes: DIGITS }, seed),
};

/** The condition of a batch: its one-hot digit labels. */
const oneHotDigits: ConditionFn = ({ labels }) => {
  if (!labels) throw new ConfigError('class conditioning needs labelled images');
  return oneHotLabels(labels, DIGITS);
};

/** One row of samples per digit: row d is conditioned on the label d. */
function rowPerDigit(count: number): SamplePlan {
  const columns = Math.max(1, Math.floor(count / DIGITS));
  return {
    condition: oneHotLabels(
      Array.from({ length: count }, (_, n) => Math.min(DIGITS - 1, Math.floor(n / columns))),
      DIGITS,
    ),
    columns,
    caption: 'One row per digit: row d is conditioned on the label d.',
  };
}

/**
 * The run: open it, load MNIST with its labels, build the model, train it on the labels, train the unconditional
 * baseline, score the test set given its labels, sample one row per digit, report.
 */
export async function runMnistClassConditional(argv: string[], root: string): Promise<RunResult> {
  const t = await openTrainingRun(mnistClassConditional, argv, root);
  return withTrainingRun(t, async () => {
    const data = loadTrainingData(t);
    const model = buildTrainingModel(t, data);
    const fit = await trainModel(t, model, data, oneHotDigits);
    if (fit.outcome === 'interrupted') return stoppedTrainingRun(t, fit.history);
    const baseline = await trainBaseline(t, data, UNCONDITIONAL_BASELINE);
    if (baseline === 'interrupted') return stoppedTrainingRun(t, fit.history);
    const test = await scoreModel(t, model, data, oneHotDigits);
    const samples = await drawSamples(t, model, data, rowPerDigit);
    return reportTrainingRun(t, { model, data, fit, baseline, test, samples });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(() => runMnistClassConditional(process.argv.slice(2), REPO_ROOT).then(() => undefined));
}

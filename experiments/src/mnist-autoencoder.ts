/**
 * PixelCNN auto-encoder on MNIST (Gated PixelCNN paper, section 3.4): an encoder maps each image to an
 * m-dimensional code and a conditional Gated PixelCNN decodes it; both are trained end to end on the decoder's
 * NLL. Reports the conditional NLL -log p(x | code of x) (the code is the test image's own, so it is labelled
 * as such and kept away from the papers' unconditional numbers), the unconditional model (same data, budget and
 * seed) for reference, reconstructions (samples decoded from the codes of held-out images) and interpolations.
 * The runner's steps, in order: runMnistAutoencoder.
 *   npx nx run experiments:mnist-autoencoder [--preset smoke|default|gpu] ...
 */
import * as tf from '@tensorflow/tfjs';
import {
  type ConditionFn,
  type DataSplits,
  type ReportSection,
  type RunResult,
  type SamplePlan,
  type TrainingExperiment,
  type TrainingRun,
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
import { type AutoencoderConfig, type PixelCnnAutoencoder, interpolate } from '@pixel-models/conditioning';
import { CONDITIONAL_PRESETS, UNCONDITIONAL_BASELINE, firstOfEachDigit } from './conditional-presets';
import { gatherLevels, imageSection, sampleGridBase64, sourcesBase64 } from './conditional-grids';
import { CONDITIONAL_MODELS } from './models/registry';
import { REPO_ROOT } from './repo-root';

const CODE = 10;

export const mnistAutoencoder: TrainingExperiment<AutoencoderConfig, PixelCnnAutoencoder> = {
  name: 'mnist-autoencoder',
  title: 'PixelCNN auto-encoder on MNIST',
  defaultPreset: 'default',
  presets: CONDITIONAL_PRESETS,
  usesLabels: true, // its grids condition on the first test image of each digit: no --binarized-mnist (.amat has no labels)
  conditionalNll: { given: 'the code of x', source: 'computed from the very test image it scores' },
  createModel: (config, seed) =>
    CONDITIONAL_MODELS.autoencoder.create({ height: 28, width: 28, code: CODE, encoderHidden: 128, ...config }, seed),
};

/** Reconstructions: row d holds samples decoded from the code of the first held-out test image of digit d. */
function reconstructions(model: PixelCnnAutoencoder, data: DataSplits, count: number): SamplePlan {
  const sources = firstOfEachDigit(data.test.labels);
  const columns = Math.max(1, Math.floor(count / sources.length));
  const picks = Array.from({ length: count }, (_, n) => sources[Math.min(sources.length - 1, Math.floor(n / columns))]);
  const x = gatherLevels(data.test, picks);
  const condition = model.encode(x);
  x.dispose();
  return {
    condition,
    columns,
    caption: 'Reconstructions: row d holds samples decoded from the code of the first held-out test image of digit d.',
  };
}

/** The report's extra sections: the originals of the reconstructions, and interpolations between two codes. */
async function interpolationSections(
  t: TrainingRun<AutoencoderConfig, PixelCnnAutoencoder>,
  model: PixelCnnAutoencoder,
  data: DataSplits,
): Promise<ReportSection[]> {
  const { config } = t;
  const sources = firstOfEachDigit(data.test.labels);
  const steps = 8;
  const codes = tf.tidy(() => {
    const e = model.encode(
      gatherLevels(data.test, [
        sources[0],
        sources[1] ?? sources[0],
        sources[4] ?? sources[0],
        sources[7] ?? sources[0],
      ]),
    );
    return tf.concat([interpolate(e.gather(0), e.gather(1), steps), interpolate(e.gather(2), e.gather(3), steps)]);
  });
  const grid = await sampleGridBase64(model.incrementalSampler(), codes, data.test, {
    columns: steps,
    seed: config.seed,
  });
  codes.dispose();
  return [
    imageSection(
      'Held-out test images (the originals of the reconstructions)',
      sourcesBase64(data.test, sources, config.model.levels),
      `Codes of size ${CODE}.`,
    ),
    imageSection(
      'Interpolation between two codes',
      grid,
      `Each row decodes ${steps} codes on the straight line between the codes of two held-out images (0→1 and 4→7).`,
    ),
  ];
}

/**
 * The run: open it, load MNIST, build the auto-encoder, train encoder and decoder end to end, train the
 * unconditional baseline, score the test set given each image's code, sample reconstructions, add the
 * interpolations, report.
 */
export async function runMnistAutoencoder(argv: string[], root: string): Promise<RunResult> {
  const t = await openTrainingRun(mnistAutoencoder, argv, root);
  return withTrainingRun(t, async () => {
    const data = loadTrainingData(t);
    const model = buildTrainingModel(t, data);
    // Inside the trainer's gradient tape: the NLL's gradient reaches the encoder through the code.
    const code: ConditionFn = ({ x }) => model.encode(x);
    const fit = await trainModel(t, model, data, code);
    if (fit.outcome === 'interrupted') return stoppedTrainingRun(t, fit.history);
    const baseline = await trainBaseline(t, data, UNCONDITIONAL_BASELINE);
    if (baseline === 'interrupted') return stoppedTrainingRun(t, fit.history);
    const test = await scoreModel(t, model, data, code);
    const samples = await drawSamples(t, model, data, (count) => reconstructions(model, data, count));
    const extra = await interpolationSections(t, model, data);
    return reportTrainingRun(t, { model, data, fit, baseline, test, samples, extra });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(() => runMnistAutoencoder(process.argv.slice(2), REPO_ROOT).then(() => undefined));
}

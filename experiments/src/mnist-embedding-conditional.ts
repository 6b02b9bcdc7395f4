/**
 * Embedding-conditional Gated PixelCNN (Gated PixelCNN paper, section 3.3, the portraits experiment, with MNIST
 * digit classes standing in for identities): an encoder f is first trained with a triplet loss so that images of
 * one class lie close together; the PixelCNN is then trained on pairs (x, f(x)) with f frozen. Conditioned on the
 * embedding of a held-out test image it generates new images like it, and linear interpolation between two
 * embeddings gives the paper's interpolation grid. The runner's steps, in order: runMnistEmbeddingConditional.
 *   npx nx run experiments:mnist-embedding-conditional [--preset smoke|default|gpu] ...
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
  stopPoint,
  stoppedTrainingRun,
  trainModel,
  withTrainingRun,
} from '@pixel-models/lab';
import { type EmbeddingConditionalModel, interpolate, trainTriplet } from '@pixel-models/conditioning';
import type { GatedPixelCnnConfig } from '@pixel-models/gated-pixelcnn';
import { CONDITIONAL_PRESETS, firstOfEachDigit } from './conditional-presets';
import { gatherLevels, imageSection, sampleGridBase64, sourcesBase64 } from './conditional-grids';
import { CONDITIONAL_MODELS } from './models/registry';
import { REPO_ROOT } from './repo-root';

const EMBEDDING = 16;
const TRIPLET_STEPS: Record<string, number> = { smoke: 20, default: 400, gpu: 3000 };

type Run = TrainingRun<GatedPixelCnnConfig, EmbeddingConditionalModel>;

export const mnistEmbeddingConditional: TrainingExperiment<GatedPixelCnnConfig, EmbeddingConditionalModel> = {
  name: 'mnist-embedding-conditional',
  title: 'Embedding-conditional Gated PixelCNN on MNIST (triplet-loss embedding)',
  defaultPreset: 'default',
  presets: CONDITIONAL_PRESETS,
  usesLabels: true, // triplets and the per-digit source images need labels: no --binarized-mnist (.amat has no labels)
  // Scored on the embedding of each test image itself: a conditional NLL, not comparable to -log p(x).
  conditionalNll: { given: 'f(x), the embedding of x', source: 'computed from the very test image it scores' },
  createModel: (config, seed) =>
    CONDITIONAL_MODELS['embedding-conditional'].create(
      { ...config, height: 28, width: 28, embedding: EMBEDDING, encoderHidden: 128 },
      seed,
    ),
};

/**
 * The step before training: f learns the triplet loss. Deterministic for a seed, so a resumed run (which runs it
 * again) rebuilds the same f; a stop request before it ends the run.
 */
async function pretrainEncoder(t: Run, model: EmbeddingConditionalModel, data: DataSplits): Promise<void> {
  await stopPoint(t.run.stop);
  const steps = TRIPLET_STEPS[t.config.preset] ?? 400;
  const losses = await trainTriplet(model.encoder, data.train, {
    steps,
    batchSize: 64,
    learningRate: 0.001,
    margin: 1,
    seed: t.config.seed,
  });
  const tail = losses.slice(-Math.max(1, Math.floor(steps / 10)));
  console.log(
    `embedding f: ${steps} triplet steps, final loss ${(tail.reduce((s, v) => s + v, 0) / tail.length).toFixed(3)}`,
  );
}

/** Row d of the samples: new images conditioned on the embedding of the first held-out test image of digit d. */
function rowPerSource(model: EmbeddingConditionalModel, data: DataSplits, count: number): SamplePlan {
  const sources = firstOfEachDigit(data.test.labels);
  const columns = Math.max(1, Math.floor(count / sources.length));
  const picks = Array.from({ length: count }, (_, n) => sources[Math.min(sources.length - 1, Math.floor(n / columns))]);
  const x = gatherLevels(data.test, picks);
  const condition = model.encoder.encode(x);
  x.dispose();
  return {
    condition,
    columns,
    caption: 'Row d: new images conditioned on the embedding of the first held-out test image of digit d.',
  };
}

/** The report's extra sections: the held-out images conditioned on, and interpolations between two embeddings. */
async function interpolationSections(
  t: Run,
  model: EmbeddingConditionalModel,
  data: DataSplits,
): Promise<ReportSection[]> {
  const { config } = t;
  const sources = firstOfEachDigit(data.test.labels);
  const steps = 8;
  const pairs: [number, number][] = [
    [sources[0], sources[1] ?? sources[0]],
    [sources[3] ?? sources[0], sources[8] ?? sources[0]],
  ];
  const codes = tf.tidy(() => {
    const x = gatherLevels(data.test, pairs.flat());
    const e = model.encoder.encode(x);
    return tf.concat(pairs.map((_, k) => interpolate(e.gather(2 * k), e.gather(2 * k + 1), steps)));
  });
  const grid = await sampleGridBase64(model.incrementalSampler(), codes, data.test, {
    columns: steps,
    seed: config.seed,
  });
  codes.dispose();
  return [
    imageSection(
      'Held-out test images conditioned on',
      sourcesBase64(data.test, sources, config.model.levels),
      'The first test image of each digit: never seen in training.',
    ),
    imageSection(
      'Interpolation between two embeddings',
      grid,
      `Each row walks in ${steps} steps along the straight line from f(a) to f(b) for two held-out images a, b (digits ${pairs.map(([a, b]) => `${data.test.labels?.[a]}→${data.test.labels?.[b]}`).join(', ')}).`,
    ),
  ];
}

/**
 * The run: open it, load MNIST with its labels, build the model, pre-train f, train the PixelCNN on (x, f(x)),
 * score the test set given f of each image, sample one row per held-out image, add the interpolations, report.
 */
export async function runMnistEmbeddingConditional(argv: string[], root: string): Promise<RunResult> {
  const t = await openTrainingRun(mnistEmbeddingConditional, argv, root);
  return withTrainingRun(t, async () => {
    const data = loadTrainingData(t);
    const model = buildTrainingModel(t, data);
    await pretrainEncoder(t, model, data);
    // f is frozen: its variables are not among the model's trainable variables.
    const embedding: ConditionFn = ({ x }) => model.encoder.encode(x);
    const fit = await trainModel(t, model, data, embedding);
    if (fit.outcome === 'interrupted') return stoppedTrainingRun(t, fit.history);
    const test = await scoreModel(t, model, data, embedding);
    const samples = await drawSamples(t, model, data, (count) => rowPerSource(model, data, count));
    const extra = await interpolationSections(t, model, data);
    return reportTrainingRun(t, { model, data, fit, test, samples, extra });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(() => runMnistEmbeddingConditional(process.argv.slice(2), REPO_ROOT).then(() => undefined));
}

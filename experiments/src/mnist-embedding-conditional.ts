/**
 * Embedding-conditional Gated PixelCNN (Gated PixelCNN paper, section 3.3, the portraits experiment, with MNIST
 * digit classes standing in for identities): an encoder f is first trained with a triplet loss so that images of
 * one class lie close together; the PixelCNN is then trained on pairs (x, f(x)) with f frozen. Conditioned on the
 * embedding of a held-out test image it generates new images like it, and linear interpolation between two
 * embeddings gives the paper's interpolation grid.
 *   npx nx run experiments:mnist-embedding-conditional [--preset smoke|default|gpu] ...
 */
import * as tf from '@tensorflow/tfjs';
import { runMain, runTrainingExperiment, type TrainingExperiment } from '@pixel-models/lab';
import { type LevelSet } from '@pixel-models/nn';
import { MlpEncoder, VectorConditioner, interpolate, trainTriplet } from '@pixel-models/conditioning';
import { DEFAULT_GATED_CONFIG, GatedPixelCnn, type GatedPixelCnnConfig } from '@pixel-models/gated-pixelcnn';
import { CONDITIONAL_PRESETS, firstOfEachDigit } from './conditional-presets';
import { gatherLevels, imageSection, sampleGridBase64, sourcesBase64 } from './conditional-grids';
import { REPO_ROOT } from './repo-root';

const EMBEDDING = 16;
const TRIPLET_STEPS: Record<string, number> = { smoke: 20, default: 400, gpu: 3000 };

/** The conditional PixelCNN and its (frozen) embedding network f. */
class EmbeddingConditionalModel extends GatedPixelCnn {
  readonly encoder: MlpEncoder;
  constructor(config: GatedPixelCnnConfig, seed: number) {
    super(
      config,
      seed,
      new VectorConditioner({ size: EMBEDDING, layers: config.layers, filters: config.filters }, seed + 1000),
    );
    this.encoder = new MlpEncoder(
      { height: 28, width: 28, channels: config.channels, levels: config.levels, hidden: 128, size: EMBEDDING },
      seed + 2000,
    );
  }
  override dispose(): void {
    super.dispose();
    this.encoder.dispose();
  }
}

/** Trains f with the triplet loss; deterministic for a seed, so a resumed run rebuilds the same f. */
async function pretrainEncoder(
  model: EmbeddingConditionalModel,
  train: LevelSet,
  preset: string,
  seed: number,
): Promise<void> {
  const steps = TRIPLET_STEPS[preset] ?? 400;
  const losses = await trainTriplet(model.encoder, train, {
    steps,
    batchSize: 64,
    learningRate: 0.001,
    margin: 1,
    seed,
  });
  const tail = losses.slice(-Math.max(1, Math.floor(steps / 10)));
  console.log(
    `embedding f: ${steps} triplet steps, final loss ${(tail.reduce((s, v) => s + v, 0) / tail.length).toFixed(3)}`,
  );
}

export const mnistEmbeddingConditional: TrainingExperiment<GatedPixelCnnConfig, EmbeddingConditionalModel> = {
  name: 'mnist-embedding-conditional',
  title: 'Embedding-conditional Gated PixelCNN on MNIST (triplet-loss embedding)',
  defaultPreset: 'default',
  presets: CONDITIONAL_PRESETS,
  usesLabels: true, // triplets and the per-digit source images need labels: no --binarized-mnist (.amat has no labels)
  // Scored on the embedding of each test image itself: a conditional NLL, not comparable to -log p(x).
  conditionalNll: { given: 'f(x), the embedding of x', source: 'computed from the very test image it scores' },
  createModel: (config, seed) => new EmbeddingConditionalModel({ ...DEFAULT_GATED_CONFIG, ...config }, seed),
  prepare: (model, data, config) => pretrainEncoder(model, data.train, config.preset, config.seed),
  // f is frozen: its variables are not among the model's trainable variables.
  condition: (model, { x }) => model.encoder.encode(x),
  sampling: (model, data, count) => {
    const sources = firstOfEachDigit(data.test.labels);
    const columns = Math.max(1, Math.floor(count / sources.length));
    const picks = Array.from(
      { length: count },
      (_, n) => sources[Math.min(sources.length - 1, Math.floor(n / columns))],
    );
    const x = gatherLevels(data.test, picks);
    const condition = model.encoder.encode(x);
    x.dispose();
    return {
      condition,
      columns,
      caption: 'Row d: new images conditioned on the embedding of the first held-out test image of digit d.',
    };
  },
  extraSections: async ({ model, data, config }) => {
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
  },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(() =>
    runTrainingExperiment(mnistEmbeddingConditional, process.argv.slice(2), REPO_ROOT).then(() => undefined),
  );
}

/**
 * The PixelRNN paper's models on MNIST, through the same runner, results and reports as mnist-gated:
 *   npx nx run experiments:mnist-pixelrnn --model pixelcnn|row-lstm|diagonal-bilstm [--preset smoke|default|paper] ...
 * `paper` is the paper's binarized-MNIST model (Table 4): PixelCNN and Row LSTM 7 layers h = 16, Diagonal BiLSTM
 * 7 layers h = 16 (use `--preset paper-1x32` for the 1-layer h = 32 Diagonal BiLSTM).
 */
import { ConfigError, runMain, runTrainingExperiment, type TrainingExperiment, type TrainingPreset } from '@pixel-models/core';
import { PIXELRNN_KINDS, PIXELRNN_PRESETS, type PixelRnnKind, type PixelRnnPresetName, createPixelRnnModel, pixelRnnIncremental } from '@pixel-models/pixelrnn';
import { REPO_ROOT } from './repo-root';

type Config = Record<string, unknown>;

const budget = {
  smoke: { epochs: 1, batchSize: 16, learningRate: 0.003, trainImages: 256, validationImages: 64, testImages: 128, samples: 4, note: 'seconds: for tests and CI' },
  default: { epochs: 1, batchSize: 32, learningRate: 0.002, trainImages: 10000, validationImages: 1000, samples: 16, note: 'a CPU-sized model and budget (2 cores, wasm)' },
  paper: { epochs: 20, batchSize: 16, learningRate: 0.001, clipNorm: 1, samples: 64, note: "the paper's MNIST model (for a GPU)" },
  'paper-1x32': { epochs: 20, batchSize: 16, learningRate: 0.001, clipNorm: 1, samples: 64, note: 'Diagonal BiLSTM, 1 layer h = 32 (for a GPU)' },
} satisfies Record<string, Omit<TrainingPreset<Config>, 'model'>>;

/** The pixelrnn preset behind each (preset, model) pair. */
function presetName(preset: string, kind: string): PixelRnnPresetName {
  if (preset === 'smoke') return `${kind}-smoke` as PixelRnnPresetName;
  if (preset === 'default') return `${kind}-cpu` as PixelRnnPresetName;
  if (preset === 'paper-1x32') {
    if (kind !== 'diagonal-bilstm') throw new ConfigError('--preset paper-1x32 is the 1-layer Diagonal BiLSTM: use it with --model diagonal-bilstm');
    return 'diagonal-bilstm-mnist-1x32';
  }
  if (kind === 'diagonal-bilstm') return 'diagonal-bilstm-mnist-7x16';
  return `${kind}-mnist` as PixelRnnPresetName;
}

export const mnistPixelRnn: TrainingExperiment<Config> = {
  name: 'mnist-pixelrnn',
  title: 'PixelRNN-paper models on MNIST',
  defaultPreset: 'default',
  presets: Object.fromEntries(Object.entries(budget).map(([k, v]) => [k, { ...v, model: {} }])),
  variants: {
    choices: PIXELRNN_KINDS,
    default: 'pixelcnn',
    model: (preset, kind) => ({ ...PIXELRNN_PRESETS[presetName(preset, kind)].config }),
  },
  createModel: (config, seed, kind) => createPixelRnnModel((kind ?? 'pixelcnn') as PixelRnnKind, config, seed),
  incremental: (model) => pixelRnnIncremental(model),
};

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(() => runTrainingExperiment(mnistPixelRnn, process.argv.slice(2), REPO_ROOT).then(() => undefined));
}

/**
 * The PixelRNN paper's three models on MNIST, through the same runner, results and reports as mnist-gated:
 *   npx nx run experiments:mnist-pixelrnn --model pixelcnn|row-lstm|diagonal-bilstm [--preset smoke|default|gpu] ...
 * `gpu` (formerly `paper`) trains 7 layers of h = 16: the paper's size for the Diagonal BiLSTM (Table 4), a
 * chosen one for the PixelCNN and Row LSTM (Table 4 gives none). `gpu-1x32` (formerly `paper-1x32`) is the
 * 1-layer h = 32 Diagonal BiLSTM of Table 4. Each preset's `size` in libs/pixelrnn says where it comes from.
 */
import { ConfigError } from '@pixel-models/nn';
import { runMain, runTrainingExperiment, type TrainingExperiment, type TrainingPreset } from '@pixel-models/lab';
import { PIXELRNN_KINDS, PIXELRNN_PRESETS, type PixelRnnKind, type PixelRnnPresetName } from '@pixel-models/pixelrnn';
import { type ModelSize, createModel } from './models/registry';
import { REPO_ROOT } from './repo-root';

type Config = ModelSize;

const budget = {
  smoke: {
    epochs: 1,
    batchSize: 16,
    learningRate: 0.003,
    trainImages: 256,
    validationImages: 64,
    testImages: 128,
    samples: 4,
    note: 'seconds: for tests and CI',
  },
  default: {
    epochs: 1,
    batchSize: 32,
    learningRate: 0.002,
    trainImages: 10000,
    validationImages: 1000,
    samples: 16,
    note: 'a CPU-sized model and budget (2 cores, wasm)',
  },
  gpu: {
    epochs: 20,
    batchSize: 16,
    learningRate: 0.001,
    clipNorm: 1,
    samples: 64,
    note: '7 layers, h = 16 (Table 4 for the Diagonal BiLSTM, chosen for the others): for a GPU',
  },
  'gpu-1x32': {
    epochs: 20,
    batchSize: 16,
    learningRate: 0.001,
    clipNorm: 1,
    samples: 64,
    note: 'Diagonal BiLSTM, 1 layer h = 32 (Table 4): for a GPU',
  },
} satisfies Record<string, Omit<TrainingPreset<Config>, 'model'>>;

/** The pixelrnn preset behind each (preset, model) pair. */
export function presetName(preset: string, kind: string): PixelRnnPresetName {
  if (preset === 'smoke') return `${kind}-smoke` as PixelRnnPresetName;
  if (preset === 'default') return `${kind}-cpu` as PixelRnnPresetName;
  if (preset === 'gpu-1x32') {
    if (kind !== 'diagonal-bilstm')
      throw new ConfigError('--preset gpu-1x32 is the 1-layer Diagonal BiLSTM: use it with --model diagonal-bilstm');
    return 'diagonal-bilstm-mnist-1x32';
  }
  return `${kind}-mnist-7x16` as PixelRnnPresetName;
}

export const mnistPixelRnn: TrainingExperiment<Config> = {
  name: 'mnist-pixelrnn',
  title: 'PixelRNN-paper models on MNIST',
  defaultPreset: 'default',
  renamedPresets: { paper: 'gpu', 'paper-1x32': 'gpu-1x32' },
  presets: Object.fromEntries(Object.entries(budget).map(([k, v]) => [k, { ...v, model: {} }])),
  variants: {
    choices: PIXELRNN_KINDS,
    default: 'pixelcnn',
    model: (preset, kind) => ({ ...PIXELRNN_PRESETS[presetName(preset, kind)].config }),
  },
  createModel: (config, seed, kind) => createModel((kind ?? 'pixelcnn') as PixelRnnKind, config, seed),
  module: import.meta.url, // --threads N: worker threads import this module to build their replicas
};

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(() => runTrainingExperiment(mnistPixelRnn, process.argv.slice(2), REPO_ROOT).then(() => undefined));
}

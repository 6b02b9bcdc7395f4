/**
 * Named configurations of the three PixelRNN-paper models (plain data over each model's defaults); experiments
 * build them through their model registry (experiments/src/models/registry.ts).
 * Every preset says where its size comes from (`size`): a paper's table or section, or `chosen`.
 *
 * From the paper (van den Oord et al., ICML 2016): the Diagonal BiLSTM on binarized MNIST with 1 layer h = 32
 * and with 7 layers h = 16 (Table 4's rows); a fifteen-layer PixelCNN and up to twelve LSTM layers (sec. 1);
 * h = 128 on CIFAR-10 (per the shared reference notes, not checked against the paper here). Table 4 gives no
 * size for the MNIST PixelCNN and Row LSTM: their 7 x 16 is chosen, to match the 7-layer Diagonal BiLSTM.
 * Colour models need h to be a multiple of 3 (features are split into R, G, B groups), so the CIFAR-10 presets
 * use h = 129 in place of 128. `layers` counts the layers after the first 7x7 mask-A convolution.
 */
import type { DiagonalBiLstmConfig } from './diagonal-bilstm';
import type { PixelCnnConfig } from './pixelcnn';
import type { RowLstmConfig } from './row-lstm';

export interface PixelRnnConfigs {
  pixelcnn: PixelCnnConfig;
  'row-lstm': RowLstmConfig;
  'diagonal-bilstm': DiagonalBiLstmConfig;
}

export type PixelRnnKind = keyof PixelRnnConfigs;
export const PIXELRNN_KINDS: readonly PixelRnnKind[] = ['pixelcnn', 'row-lstm', 'diagonal-bilstm'];

/** A preset: which model, the config fields that differ from its defaults, and where its size comes from. */
export type PixelRnnPreset = {
  [K in PixelRnnKind]: { kind: K; config: Partial<PixelRnnConfigs[K]>; size: string };
}[PixelRnnKind];

const MNIST = { channels: 1, levels: 2 } as const;
const CIFAR = { channels: 3, levels: 256 } as const;
const CHOSEN_7X16 =
  'chosen: PixelRNN paper Table 4 gives no size for this model; 7 layers, h = 16 as its 7-layer Diagonal BiLSTM';
const CIFAR_SIZE = (depth: string) =>
  `${depth} (PixelRNN paper, sec. 1); h = 129 for 128 (secondary source, unconfirmed; colour groups need a multiple of 3); head 1026: chosen`;
const CPU = 'chosen: minutes per epoch on 2 CPU cores';
const SMOKE = 'chosen: seconds, for tests and CI';

export const PIXELRNN_PRESETS = {
  // Binarized MNIST, for a GPU (the models of paper Table 4; only the Diagonal BiLSTM sizes are the paper's).
  'pixelcnn-mnist-7x16': {
    kind: 'pixelcnn',
    config: { ...MNIST, layers: 7, hidden: 16, firstKernel: 7 },
    size: CHOSEN_7X16,
  },
  'row-lstm-mnist-7x16': {
    kind: 'row-lstm',
    config: { ...MNIST, layers: 7, hidden: 16, firstKernel: 7 },
    size: CHOSEN_7X16,
  },
  'diagonal-bilstm-mnist-1x32': {
    kind: 'diagonal-bilstm',
    config: { ...MNIST, layers: 1, hidden: 32, firstKernel: 7 },
    size: 'PixelRNN paper, Table 4 (1 layer, h = 32)',
  },
  'diagonal-bilstm-mnist-7x16': {
    kind: 'diagonal-bilstm',
    config: { ...MNIST, layers: 7, hidden: 16, firstKernel: 7 },
    size: 'PixelRNN paper, Table 4 (7 layers, h = 16)',
  },
  // CIFAR-10, 256-way softmax per colour channel (the models of paper Table 5); a GPU is needed to train these.
  'pixelcnn-cifar10': {
    kind: 'pixelcnn',
    config: { ...CIFAR, layers: 15, hidden: 129, headFilters: 1026 },
    size: CIFAR_SIZE('15 layers'),
  },
  'row-lstm-cifar10': {
    kind: 'row-lstm',
    config: { ...CIFAR, layers: 12, hidden: 129, headFilters: 1026 },
    size: CIFAR_SIZE('12 layers, the most the paper uses'),
  },
  'diagonal-bilstm-cifar10': {
    kind: 'diagonal-bilstm',
    config: { ...CIFAR, layers: 12, hidden: 129, headFilters: 1026 },
    size: CIFAR_SIZE('12 layers, the most the paper uses'),
  },
  // Binarized MNIST sized for 2 CPU cores (wasm): minutes per epoch, not hours.
  'pixelcnn-cpu': { kind: 'pixelcnn', config: { ...MNIST, layers: 4, hidden: 16 }, size: CPU },
  'row-lstm-cpu': { kind: 'row-lstm', config: { ...MNIST, layers: 2, hidden: 16 }, size: CPU },
  'diagonal-bilstm-cpu': { kind: 'diagonal-bilstm', config: { ...MNIST, layers: 1, hidden: 16 }, size: CPU },
  // Seconds on a CPU: for tests and CI.
  'pixelcnn-smoke': { kind: 'pixelcnn', config: { ...MNIST, layers: 2, hidden: 6, firstKernel: 5 }, size: SMOKE },
  'row-lstm-smoke': { kind: 'row-lstm', config: { ...MNIST, layers: 2, hidden: 6, firstKernel: 5 }, size: SMOKE },
  'diagonal-bilstm-smoke': {
    kind: 'diagonal-bilstm',
    config: { ...MNIST, layers: 2, hidden: 6, firstKernel: 5 },
    size: SMOKE,
  },
} as const satisfies Record<string, PixelRnnPreset>;

export type PixelRnnPresetName = keyof typeof PIXELRNN_PRESETS;

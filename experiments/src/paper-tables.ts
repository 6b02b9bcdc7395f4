/**
 * The papers' likelihood tables at this repo's budget: binarized MNIST test NLL (PixelRNN paper, Table 4) for
 * PixelCNN, Row LSTM, Diagonal BiLSTM (1 layer h = 32; 7 layers h = 16) and Gated PixelCNN, and with --cifar-dir
 * the CIFAR-10 bits/dim table (PixelRNN Table 5, Gated PixelCNN Table 1) in the same layout. Paper numbers are
 * cited constants in their own column; the measured column says its budget. Writes table.md, summary.csv and a
 * Plotly report.
 *   npx nx run experiments:paper-tables [--preset smoke|default|gpu] [--cifar-dir DIR] ...
 */
import { type ComparisonEntry, type ComparisonExperiment, PAPER_BINARIZED_MNIST_NATS, PAPER_CIFAR10_BITS_PER_DIM, runComparison, runMain } from '@pixel-models/core';
import { GATED_PRESETS, GatedPixelCnn } from '@pixel-models/gated-pixelcnn';
import { PIXELRNN_PRESETS, type PixelRnnPresetName, createPresetModel } from '@pixel-models/pixelrnn';
import { COMPARISON_PRESETS } from './comparison-presets';
import { REPO_ROOT } from './repo-root';

const paper = (table: typeof PAPER_BINARIZED_MNIST_NATS, model: string) => table.find((p) => p.model === model);

/** On a GPU the paper's sizes; on a CPU (default, smoke) the `*-cpu` / `*-smoke` sizes, named in the label. */
function pixelRnnEntry(key: string, label: string, presetFor: (preset: string) => PixelRnnPresetName, paperRow: string | undefined, table: typeof PAPER_BINARIZED_MNIST_NATS, preset: string): ComparisonEntry {
  const name = presetFor(preset);
  const c = PIXELRNN_PRESETS[name].config as { layers?: number; hidden?: number };
  return {
    key,
    label: `${label} [${c.layers} layers, h = ${c.hidden}]`,
    paper: paperRow ? paper(table, paperRow) : undefined,
    createModel: (channels, levels, seed) => createPresetModel(name, seed, { channels, levels }),
  };
}

function mnistEntries(preset: string): ComparisonEntry[] {
  const sized = (paperName: PixelRnnPresetName, cpu: PixelRnnPresetName, smoke: PixelRnnPresetName) => (p: string) => (p === 'gpu' ? paperName : p === 'smoke' ? smoke : cpu);
  const t = PAPER_BINARIZED_MNIST_NATS;
  const gated = preset === 'gpu' ? GATED_PRESETS.paper : preset === 'smoke' ? GATED_PRESETS.smoke : GATED_PRESETS.default;
  return [
    pixelRnnEntry('pixelcnn', 'PixelCNN', sized('pixelcnn-mnist', 'pixelcnn-cpu', 'pixelcnn-smoke'), 'PixelCNN', t, preset),
    pixelRnnEntry('row-lstm', 'Row LSTM', sized('row-lstm-mnist', 'row-lstm-cpu', 'row-lstm-smoke'), 'Row LSTM', t, preset),
    pixelRnnEntry('diagonal-bilstm-1x32', 'Diagonal BiLSTM (paper: 1 layer, h = 32)', sized('diagonal-bilstm-mnist-1x32', 'diagonal-bilstm-mnist-1x32', 'diagonal-bilstm-smoke'), 'Diagonal BiLSTM (1 layer, h = 32)', t, preset),
    pixelRnnEntry('diagonal-bilstm-7x16', 'Diagonal BiLSTM (paper: 7 layers, h = 16)', sized('diagonal-bilstm-mnist-7x16', 'diagonal-bilstm-cpu', 'diagonal-bilstm-smoke'), 'Diagonal BiLSTM (7 layers, h = 16)', t, preset),
    {
      key: 'gated',
      label: `Gated PixelCNN [${gated.layers} layers, ${gated.filters} features]`,
      createModel: (channels, levels, seed) => new GatedPixelCnn({ ...gated, channels, levels }, seed),
    },
  ];
}

function cifarEntries(): ComparisonEntry[] {
  const t = PAPER_CIFAR10_BITS_PER_DIM;
  return [
    { key: 'pixelcnn', label: 'PixelCNN', paper: paper(t, 'PixelCNN'), createModel: (channels, levels, seed) => createPresetModel('pixelcnn-cifar10', seed, { channels, levels }) },
    { key: 'row-lstm', label: 'Row LSTM', paper: paper(t, 'Row LSTM'), createModel: (channels, levels, seed) => createPresetModel('row-lstm-cifar10', seed, { channels, levels }) },
    { key: 'diagonal-bilstm', label: 'Diagonal BiLSTM', paper: paper(t, 'Diagonal BiLSTM'), createModel: (channels, levels, seed) => createPresetModel('diagonal-bilstm-cifar10', seed, { channels, levels }) },
    { key: 'gated', label: 'Gated PixelCNN', paper: paper(t, 'Gated PixelCNN'), createModel: (channels, levels, seed) => new GatedPixelCnn({ ...GATED_PRESETS.paper, filters: 129, headFilters: 258, channels, levels }, seed) },
  ];
}

export const paperTables: ComparisonExperiment = {
  name: 'paper-tables',
  title: "The papers' likelihood tables at this repo's budget",
  description: 'Paper numbers are quoted from the papers (converged models trained for days on GPUs, the fixed binarization of Larochelle & Murray); the measured column is this run, with its budget in the same row. Model sizes on a CPU are reduced and say so in brackets.',
  presets: COMPARISON_PRESETS,
  defaultPreset: 'default',
  groups: ({ cifarDir, preset }) => [
    { key: 'mnist', title: 'Binarized MNIST', data: 'mnist', levels: 2, unit: 'nats', description: 'Test NLL in nats per image (PixelRNN paper, Table 4).', entries: mnistEntries(preset) },
    ...(cifarDir ? [{ key: 'cifar10', title: 'CIFAR-10', data: 'cifar10' as const, levels: 256, unit: 'bits/dim' as const, description: 'Test NLL in bits per dimension (PixelRNN Table 5; Gated PixelCNN Table 1).', entries: cifarEntries() }] : []),
  ],
};

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(() => runComparison(paperTables, process.argv.slice(2), REPO_ROOT).then(() => undefined));
}

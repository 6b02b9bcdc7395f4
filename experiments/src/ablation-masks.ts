/**
 * Mask ablations:
 *  (a) mask B instead of A in the first layer: the model reads the pixel it predicts, so its NLL collapses, its
 *      samples are degenerate (it copies the pixel, which is still empty when sampled), and
 *      `findAutoregressiveViolations` flags every position;
 *  (b) colour-group masks on vs off on 3-channel data (MNIST painted in six hues; CIFAR-10 with --cifar-dir);
 *  (c) residual and skip connections on/off in a Row LSTM (the PixelRNN paper's residual/skip ablation, at this
 *      repo's scale; its numbers come from secondary sources and are unconfirmed, table number included).
 *   npx nx run experiments:ablation-masks [--preset smoke|default|gpu] [--only first-mask,colour-groups,residual-skip] ...
 */
import type { AutoregressiveModel } from '@pixel-models/nn';
import { type ComparisonExperiment, type ComparisonGroup, runComparison, runMain } from '@pixel-models/lab';
import { findAutoregressiveViolations } from '@pixel-models/nn/testing';
import { COMPARISON_PRESETS } from './comparison-presets';
import { MODELS } from './models/registry';
import { REPO_ROOT } from './repo-root';

/** The autoregressive check on an 8x8 crop, as a sentence for the report. */
export async function autoregressiveVerdict(model: AutoregressiveModel): Promise<string> {
  const side = 8;
  const v = await findAutoregressiveViolations(model, { height: side, width: side, trials: 1 });
  const total = side * side * model.config.channels;
  return v.length === 0
    ? `Autoregressive check: passed (no logits at any of the ${total} positions of an ${side}x${side} image change when later inputs change).`
    : `Autoregressive check: FAILED at ${v.length} of ${total} positions; e.g. the logits of (row ${v[0].output[0]}, col ${v[0].output[1]}) change when input ${v[0].input ? `(row ${v[0].input[0]}, col ${v[0].input[1]})` : 'at later positions'} changes — the model sees the pixel it predicts.`;
}

const firstMask = (type: 'A' | 'B') => (channels: number, levels: number, seed: number) =>
  MODELS.pixelcnn.create({ channels, levels, layers: 4, hidden: 16, firstMask: type }, seed);

const rowLstm = (residual: boolean, skip: boolean) => (channels: number, levels: number, seed: number) =>
  MODELS['row-lstm'].create({ channels, levels, layers: 3, hidden: 16, residual, skip }, seed);

export const ablationMasks: ComparisonExperiment = {
  name: 'ablation-masks',
  title: 'Mask ablations',
  description: 'Each group changes one masking or connection choice and keeps the data, budget and seeds fixed.',
  presets: COMPARISON_PRESETS,
  defaultPreset: 'default',
  module: import.meta.url, // --threads N: worker threads import this module to build their replicas
  groups: ({ cifarDir, preset }): ComparisonGroup[] => [
    {
      key: 'first-mask',
      title: '(a) Mask A vs mask B in the first layer',
      data: 'mnist',
      levels: 2,
      unit: 'nats',
      samples: preset === 'smoke' ? 1 : 8,
      description:
        'PixelCNN (7x7 first layer, 4 residual blocks, h = 16). With mask B first, each output reads its own input pixel: the training and test NLL collapse towards 0 (it copies), but the model is not a valid autoregressive model: when sampling, the pixel it copies is still empty, so its samples are degenerate (blank).',
      entries: [
        { key: 'mask-a', label: 'mask A first (correct)', createModel: firstMask('A'), check: autoregressiveVerdict },
        {
          key: 'mask-b',
          label: 'mask B first (leaks the current pixel)',
          createModel: firstMask('B'),
          check: autoregressiveVerdict,
        },
      ],
    },
    {
      key: 'colour-groups',
      title: '(b) Colour-group masks on vs off',
      data: cifarDir ? 'cifar10' : 'mnist-colour',
      levels: cifarDir ? 256 : 4,
      unit: cifarDir ? 'bits/dim' : 'nats',
      samples: preset === 'smoke' ? 0 : 8,
      description: `Gated PixelCNN (5 layers, 24 features) on ${cifarDir ? 'CIFAR-10' : 'MNIST painted in six hues, 4 levels per channel'}. With the groups, G reads R and B reads R and G of the same pixel (p(x) = Π p(R|·) p(G|·,R) p(B|·,R,G)); without them each channel of a pixel is predicted from earlier pixels only.`,
      entries: [
        {
          key: 'groups-on',
          label: 'colour groups R → G → B',
          createModel: (channels, levels, seed) =>
            MODELS['gated-pixelcnn'].create({ channels, levels, layers: 5, hidden: 24 }, seed),
          check: autoregressiveVerdict,
        },
        {
          key: 'groups-off',
          label: 'no colour groups',
          createModel: (channels, levels, seed) =>
            MODELS['gated-pixelcnn'].create({ channels, levels, layers: 5, hidden: 24, colourGroups: false }, seed),
          check: autoregressiveVerdict,
        },
      ],
    },
    {
      key: 'residual-skip',
      title: "(c) Residual and skip connections (the PixelRNN paper's ablation, small scale)",
      data: 'mnist',
      levels: 2,
      unit: 'nats',
      description:
        'Row LSTM, 3 layers of h = 16, on binarized MNIST; skip connections add parameters (see the table). The PixelRNN paper measured a 12-layer Row LSTM on CIFAR-10 validation: no skip/no residual 3.22, residual only 3.09, skip only 3.07, both 3.06 bits/dim (secondary source, unconfirmed: neither the values nor the table number were checked against the paper).',
      entries: [
        { key: 'none', label: 'no residual, no skip', createModel: rowLstm(false, false) },
        { key: 'residual', label: 'residual only', createModel: rowLstm(true, false) },
        { key: 'skip', label: 'skip only', createModel: rowLstm(false, true) },
        { key: 'both', label: 'residual and skip', createModel: rowLstm(true, true) },
      ],
    },
  ],
};

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(() => runComparison(ablationMasks, process.argv.slice(2), REPO_ROOT).then(() => undefined));
}

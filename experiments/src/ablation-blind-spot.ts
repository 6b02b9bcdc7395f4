/**
 * Blind-spot ablation (Gated PixelCNN paper, section 2.2, Figure 1): the same budget and seeds, and matched
 * parameter counts (printed in the table), for
 *  - PixelCNN: masked convolutions, whose stacked receptive field misses a region above-right (blind spot);
 *  - Gated PixelCNN: the vertical and horizontal stacks that remove it;
 *  - gated units on masked convolutions, without the split (the blind spot again, but the gates kept).
 *   npx nx run experiments:ablation-blind-spot [--preset smoke|default|gpu] [--seeds N] ...
 */
import { type ComparisonExperiment, runComparison, runMain } from '@pixel-models/lab';
import { COMPARISON_PRESETS } from './comparison-presets';
import { createModel } from './models/registry';
import { REPO_ROOT } from './repo-root';

const LAYERS = 5;
const GATED_FILTERS = 16;
// Widths that match the Gated PixelCNN's parameter count (about 24.8k; tested within 2%): the split stacks cost
// more per feature than masked convolutions, so the models without them get more features.
const PIXELCNN_HIDDEN = 20;
const MASKED_FILTERS = 17;

export const ablationBlindSpot: ComparisonExperiment = {
  name: 'ablation-blind-spot',
  title: 'Blind-spot ablation on binarized MNIST',
  description:
    'Three models with matched parameter counts (each in the table), the same data, budget and seeds: masked PixelCNN (blind spot), Gated PixelCNN (vertical and horizontal stacks, no blind spot), and gated units on masked convolutions (no split: blind spot). Lower test NLL is better.',
  presets: COMPARISON_PRESETS,
  defaultPreset: 'default',
  module: import.meta.url, // --threads N: worker threads import this module to build their replicas
  groups: () => [
    {
      key: 'blind-spot',
      title: 'Blind spot',
      data: 'mnist',
      levels: 2,
      unit: 'nats',
      description: `PixelCNN: 7x7 mask A, ${LAYERS - 1} residual blocks of h = ${PIXELCNN_HIDDEN}. Gated: ${LAYERS} gated layers (first kernel 7, then 3) of ${GATED_FILTERS} features with the split stacks, of ${MASKED_FILTERS} without. Widths differ so that parameter counts match.`,
      entries: [
        {
          key: 'pixelcnn',
          label: 'PixelCNN (masked, blind spot)',
          createModel: (channels, levels, seed) =>
            createModel('pixelcnn', { channels, levels, layers: LAYERS - 1, hidden: PIXELCNN_HIDDEN }, seed),
        },
        {
          key: 'gated',
          label: 'Gated PixelCNN (split stacks)',
          createModel: (channels, levels, seed) =>
            createModel(
              'gated-pixelcnn',
              { channels, levels, layers: LAYERS, hidden: GATED_FILTERS, headFilters: 32 },
              seed,
            ),
        },
        {
          key: 'gated-masked',
          label: 'gated units, no split (blind spot)',
          createModel: (channels, levels, seed) =>
            createModel(
              'gated-masked',
              { channels, levels, layers: LAYERS, hidden: MASKED_FILTERS, headFilters: 32 },
              seed,
            ),
        },
      ],
    },
  ],
};

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(() => runComparison(ablationBlindSpot, process.argv.slice(2), REPO_ROOT).then(() => undefined));
}

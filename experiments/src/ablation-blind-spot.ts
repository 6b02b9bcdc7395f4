/**
 * Blind-spot ablation (Gated PixelCNN paper, section 2.2, Figure 1): the same budget and seeds for
 *  - PixelCNN: masked convolutions, whose stacked receptive field misses a region above-right (blind spot);
 *  - Gated PixelCNN: the vertical and horizontal stacks that remove it;
 *  - gated units on masked convolutions, without the split (the blind spot again, but the gates kept).
 *   npx nx run experiments:ablation-blind-spot [--preset smoke|default|gpu] [--seeds N] ...
 */
import { type ComparisonExperiment, runComparison, runMain } from '@pixel-models/core';
import { GatedPixelCnn } from '@pixel-models/gated-pixelcnn';
import { createPixelRnnModel } from '@pixel-models/pixelrnn';
import { COMPARISON_PRESETS } from './comparison-presets';
import { REPO_ROOT } from './repo-root';

const FILTERS = 16;
const LAYERS = 5;

export const ablationBlindSpot: ComparisonExperiment = {
  name: 'ablation-blind-spot',
  title: 'Blind-spot ablation on binarized MNIST',
  description: 'Three models of similar size, the same data, budget and seeds: masked PixelCNN (blind spot), Gated PixelCNN (vertical and horizontal stacks, no blind spot), and gated units on masked convolutions (no split: blind spot). Lower test NLL is better.',
  presets: COMPARISON_PRESETS,
  defaultPreset: 'default',
  groups: () => [
    {
      key: 'blind-spot', title: 'Blind spot', data: 'mnist', levels: 2, unit: 'nats',
      description: `PixelCNN: 7x7 mask A, ${LAYERS - 1} residual blocks of h = ${FILTERS}. Gated: ${LAYERS} gated layers of ${FILTERS} features (first kernel 7, then 3), with and without the split stacks.`,
      entries: [
        { key: 'pixelcnn', label: 'PixelCNN (masked, blind spot)', createModel: (channels, levels, seed) => createPixelRnnModel('pixelcnn', { channels, levels, layers: LAYERS - 1, hidden: FILTERS }, seed) },
        { key: 'gated', label: 'Gated PixelCNN (split stacks)', createModel: (channels, levels, seed) => new GatedPixelCnn({ channels, levels, layers: LAYERS, filters: FILTERS, headFilters: 32 }, seed) },
        { key: 'gated-masked', label: 'gated units, no split (blind spot)', createModel: (channels, levels, seed) => new GatedPixelCnn({ channels, levels, layers: LAYERS, filters: FILTERS, headFilters: 32, stacks: 'masked' }, seed) },
      ],
    },
  ],
};

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(() => runComparison(ablationBlindSpot, process.argv.slice(2), REPO_ROOT).then(() => undefined));
}

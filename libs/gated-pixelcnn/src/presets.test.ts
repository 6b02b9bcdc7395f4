/**
 * Every shipped Gated PixelCNN preset, as the MNIST experiments build it (1 channel, Q = 2: the runner's
 * defaults), is autoregressive. 5x5 images keep the largest preset (15 layers, 128 features) to seconds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAutoregressive, useTestBackend } from '@pixel-models/nn/testing';
import { DEFAULT_GATED_CONFIG, GatedPixelCnn } from './gated-pixelcnn';
import { GATED_PRESETS } from './presets';

beforeAll(async () => {
  await useTestBackend();
});

describe('shipped presets', () => {
  it.each(Object.entries(GATED_PRESETS))(
    '%s (1 channel, Q = 2) is autoregressive on 5x5 images',
    async (name, preset) => {
      const model = new GatedPixelCnn({ ...preset, channels: 1, levels: 2 }, 3);
      expect(model.config).toMatchObject({ ...DEFAULT_GATED_CONFIG, ...preset }); // the preset, not a smaller stand-in
      await expectAutoregressive(model, { height: 5, width: 5 });
      model.dispose();
    },
  );
});

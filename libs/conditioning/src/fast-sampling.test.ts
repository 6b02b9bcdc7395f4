import { beforeAll, describe, expect, it } from 'vitest';
import { sampleFast, sampleImages } from '@pixel-models/nn';
import { useTestBackend } from '@pixel-models/nn/testing';
import { GatedPixelCnn } from '@pixel-models/gated-pixelcnn';
import { oneHotLabels } from './labels';
import { SpatialConditioner } from './spatial-conditioner';
import { VectorConditioner } from './vector-conditioner';

beforeAll(async () => {
  await useTestBackend();
});

describe('cached sampling of conditional models', () => {
  const base = { filters: 6, headFilters: 6, firstKernel: 5, layers: 3, levels: 3 };
  const cases = {
    'class-conditional (V^T h)': () =>
      new GatedPixelCnn({ ...base, channels: 3 }, 4, new VectorConditioner({ size: 10, layers: 3, filters: 6 }, 5)),
    'spatially conditioned (s = m(h))': () =>
      new GatedPixelCnn(
        { ...base, channels: 1 },
        4,
        new SpatialConditioner({ size: 10, layers: 3, filters: 6, height: 6, width: 5, mapFeatures: 4 }, 5),
      ),
  };

  it.each(Object.keys(cases))('%s: the same samples as naive sampling for the same seed', async (name) => {
    const model = cases[name as keyof typeof cases]();
    const condition = oneHotLabels([1, 7, 7], 10);
    const opts = { count: 3, height: 6, width: 5, seed: 3, temperature: 1.5, condition };
    const naive = await sampleImages(model, opts);
    expect(await sampleFast(model.incrementalSampler(), opts)).toEqual(naive);
    expect(new Set(naive).size).toBeGreaterThan(1);
    model.dispose();
  });
});

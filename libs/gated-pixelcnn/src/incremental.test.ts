import * as tf from '@tensorflow/tfjs';
import { sampleFast, sampleImages } from '@pixel-models/nn';
import { useTestBackend } from '@pixel-models/nn/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { GatedPixelCnn, type GatedPixelCnnConfig } from './gated-pixelcnn';

beforeAll(async () => {
  await useTestBackend();
});

const cases: [string, Partial<GatedPixelCnnConfig>, number, number][] = [
  ['1 channel, Q=2, 6x6', { channels: 1, levels: 2, layers: 3, filters: 4, headFilters: 4, firstKernel: 5 }, 6, 6],
  ['1 channel, Q=4, 7x5, skip', { channels: 1, levels: 4, layers: 2, filters: 4, headFilters: 4, skip: true }, 7, 5],
  ['3 channels, Q=4, 6x6', { channels: 3, levels: 4, layers: 3, filters: 6, headFilters: 6, firstKernel: 3 }, 6, 6],
  ['3 channels, Q=8, 7x5', { channels: 3, levels: 8, layers: 2, filters: 6, headFilters: 6 }, 7, 5],
  [
    'masked stacks, 3 channels, Q=3',
    { channels: 3, levels: 3, layers: 3, filters: 6, headFilters: 6, stacks: 'masked' },
    6,
    6,
  ],
  [
    'no colour groups (ablation), 3 channels, Q=4',
    { channels: 3, levels: 4, layers: 2, filters: 6, headFilters: 6, colourGroups: false },
    6,
    5,
  ],
];

describe('incrementalSampler', () => {
  it.each(cases)('samples exactly what naive sampling samples: %s', async (_, config, height, width) => {
    const model = new GatedPixelCnn(config, 3);
    const opts = { count: 3, height, width, seed: 11, temperature: 1.5 };
    const before = tf.memory().numTensors;
    const fast = await sampleFast(model.incrementalSampler(), opts);
    expect(tf.memory().numTensors).toBe(before);

    expect(Array.from(fast)).toEqual(Array.from(await sampleImages(model, opts)));
    expect(new Set(fast).size).toBeGreaterThan(1);
    model.dispose();
  });
});

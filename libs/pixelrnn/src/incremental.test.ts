import * as tf from '@tensorflow/tfjs';
import { type AutoregressiveModel, sampleFast, sampleImages } from '@pixel-models/nn';
import { useTestBackend } from '@pixel-models/nn/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { DiagonalBiLstm } from './diagonal-bilstm';
import { PixelCnn } from './pixelcnn';
import type { PixelRnnKind } from './presets';
import { RowLstm } from './row-lstm';

/** A model of each kind from a partial config (defaults fill the rest) and a seed: the test's own factory. */
const build = (kind: PixelRnnKind, config: Record<string, unknown>, seed: number): AutoregressiveModel => {
  if (kind === 'pixelcnn') return new PixelCnn(config, seed);
  return kind === 'row-lstm' ? new RowLstm(config, seed) : new DiagonalBiLstm(config, seed);
};

beforeAll(async () => {
  await useTestBackend();
});

// [model, config, height, width]: 1 and 3 channels, several Q, depth 2-3, square and non-square.
const cases: [PixelRnnKind, Record<string, number | boolean>, number, number][] = [];
for (const kind of ['pixelcnn', 'row-lstm', 'diagonal-bilstm'] as const) {
  cases.push([kind, { channels: 1, levels: 2, layers: 2, hidden: 4, firstKernel: 5 }, 6, 6]);
  cases.push([kind, { channels: 1, levels: 5, layers: 3, hidden: 4, firstKernel: 3, residual: false }, 7, 5]);
  cases.push([kind, { channels: 3, levels: 4, layers: 2, hidden: 6, firstKernel: 3 }, 6, 6]);
  cases.push([kind, { channels: 3, levels: 8, layers: 3, hidden: 6, firstKernel: 5 }, 7, 5]);
}

describe('incrementalSampler', () => {
  it.each(cases)('%s samples exactly what naive sampling samples: %j %ix%i', async (kind, config, height, width) => {
    const model = build(kind, config, 5);
    const opts = { count: 3, height, width, seed: 7, temperature: 1.5 };
    const before = tf.memory().numTensors;
    const fast = await sampleFast(model.incrementalSampler!(), opts);
    expect(tf.memory().numTensors).toBe(before); // no leaked caches
    expect(Array.from(fast)).toEqual(Array.from(await sampleImages(model, opts)));
    expect(new Set(fast).size).toBeGreaterThan(1);
    model.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, contextCoverage, dependencyMap, futureDependencies, idealContext } from '@pixel-models/nn';
import {
  expectAutoregressive,
  expectTrainable,
  findAutoregressiveViolations,
  useTestBackend,
} from '@pixel-models/nn/testing';
import { GatedPixelCnn, type GatedPixelCnnConfig } from './gated-pixelcnn';

const small = (c: Partial<GatedPixelCnnConfig>): Partial<GatedPixelCnnConfig> => ({
  filters: 6,
  headFilters: 6,
  firstKernel: 5,
  ...c,
});

beforeAll(async () => {
  await useTestBackend();
});

describe('GatedPixelCnn is autoregressive', () => {
  it.each([
    { channels: 1, levels: 2, layers: 1 },
    { channels: 1, levels: 4, layers: 3, skip: true },
    { channels: 3, levels: 4, layers: 1 },
    { channels: 3, levels: 3, layers: 3, skip: true },
  ])('split stacks %o', async (c) => {
    const model = new GatedPixelCnn(small(c), 5);
    await expectAutoregressive(model, { height: 5, width: 5 });
    model.dispose();
  });

  it.each([1, 3])('masked-stack ablation, %i channel(s)', async (channels) => {
    const model = new GatedPixelCnn(small({ channels, levels: 4, layers: 2, stacks: 'masked' }), 5);
    await expectAutoregressive(model, { height: 5, width: 5 });
    model.dispose();
  });
});

describe('colour groups', () => {
  const dependsOnOwnPixel = async (colourGroups: boolean) => {
    const model = new GatedPixelCnn(small({ channels: 3, levels: 4, layers: 2, colourGroups }), 5);
    const map = await dependencyMap(model, { height: 4, width: 4, position: [2, 2, 2] }); // B of pixel (2, 2)
    model.dispose();
    const at = (ch: number) => map[(2 * 4 + 2) * 3 + ch];
    return [at(0), at(1)];
  };

  it('with groups, B reads R and G of its own pixel', async () => {
    expect(await dependsOnOwnPixel(true)).toEqual([1, 1]);
  });

  it('without groups (ablation) it does not, and the model stays autoregressive', async () => {
    expect(await dependsOnOwnPixel(false)).toEqual([0, 0]);
    const model = new GatedPixelCnn(small({ channels: 3, levels: 4, layers: 2, colourGroups: false }), 5);
    await expectAutoregressive(model, { height: 4, width: 4 });
    model.dispose();
  });
});

describe('receptive field', () => {
  const H = 9;
  const centre: [number, number, number] = [4, 4, 0];
  const coverage = async (stacks: GatedPixelCnnConfig['stacks'], layers: number) => {
    const model = new GatedPixelCnn({ filters: 4, headFilters: 4, firstKernel: 3, kernel: 3, layers, stacks }, 11);
    const map = await dependencyMap(model, { height: H, width: H, position: centre });
    const ideal = idealContext(H, H, 1, centre);
    model.dispose();
    return { coverage: contextCoverage(map, ideal), future: futureDependencies(map, ideal, centre, H, 1) };
  };

  it('split stacks cover every earlier pixel once depth suffices (no blind spot)', async () => {
    expect(await coverage('vertical-horizontal', 5)).toEqual({ coverage: 1, future: 0 });
  });

  it('split stacks with too few layers do not yet reach the far corners', async () => {
    expect((await coverage('vertical-horizontal', 1)).coverage).toBeLessThan(1);
  });

  it('gated masked convolutions keep the blind spot at any depth', async () => {
    const deep = await coverage('masked', 6);
    expect(deep.future).toBe(0);
    expect(deep.coverage).toBeLessThan(1);
  });
});

describe('training plumbing', () => {
  it('every variable gets a gradient and no tensors leak across steps', async () => {
    const model = new GatedPixelCnn(small({ layers: 3, skip: true }), 2);
    const x = tf.tensor4d(
      Int32Array.from({ length: 2 * 6 * 6 }, (_, i) => (i * 7) % 2),
      [2, 6, 6, 1],
      'int32',
    );
    await expectTrainable(model, x);
    x.dispose();
    model.dispose();
  });

  it('rejects bad configurations with a ConfigError', () => {
    expect(() => new GatedPixelCnn({ channels: 3, filters: 8 }, 1)).toThrow(ConfigError);
    expect(() => new GatedPixelCnn({ kernel: 4 }, 1)).toThrow(/odd/);
    expect(() => new GatedPixelCnn({ levels: 1 }, 1)).toThrow(/levels/);
    expect(() => new GatedPixelCnn({ layers: 0 }, 1)).toThrow(/layers/);
  });

  it('a leak is caught: mask B in the horizontal stack of the first layer', async () => {
    // Build a model, then open the first layer's horizontal centre tap (mask B instead of A, C = 1).
    const model = new GatedPixelCnn(small({ layers: 2 }), 3);
    type Halves = { f: tf.Tensor4D; g: tf.Tensor4D };
    const layers = (model as unknown as { layers: { horizontalMaskHalves: Halves }[] }).layers;
    const m = layers[0].horizontalMaskHalves;
    layers[0].horizontalMaskHalves = { f: tf.onesLike(m.f), g: tf.onesLike(m.g) };
    expect((await findAutoregressiveViolations(model, { height: 4, width: 4 })).length).toBeGreaterThan(0);
    model.dispose();
  });
});

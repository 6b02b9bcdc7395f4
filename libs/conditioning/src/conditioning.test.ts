import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, meanNll } from '@pixel-models/nn';
import { expectAutoregressive, useTestBackend } from '@pixel-models/nn/testing';
import { DEFAULT_GATED_CONFIG, GatedPixelCnn, type GatedPixelCnnConfig } from '@pixel-models/gated-pixelcnn';
import { PixelCnnAutoencoder, interpolate } from './autoencoder';
import { oneHotLabels } from './labels';
import { SpatialConditioner } from './spatial-conditioner';
import { VectorConditioner } from './vector-conditioner';

const base: Partial<GatedPixelCnnConfig> = { filters: 6, headFilters: 6, firstKernel: 5, layers: 2 };

function classConditional(channels: number, levels: number): GatedPixelCnn {
  return new GatedPixelCnn(
    { ...base, channels, levels },
    4,
    new VectorConditioner({ size: 10, layers: 2, filters: 6 }, 5),
  );
}

function spatialConditional(): GatedPixelCnn {
  return new GatedPixelCnn(
    { ...base, levels: 2 },
    4,
    new SpatialConditioner({ size: 10, layers: 2, filters: 6, height: 5, width: 5, mapFeatures: 4 }, 5),
  );
}

const levels = (n: number, h: number, c: number, q: number) =>
  tf.tensor4d(
    Int32Array.from({ length: n * h * h * c }, (_, i) => (i * 7 + 3) % q),
    [n, h, h, c],
    'int32',
  );

beforeAll(async () => {
  await useTestBackend();
});

describe('class conditioning (V^T h in every gate)', () => {
  it('the label changes the output', () => {
    const model = classConditional(1, 2);
    const x = levels(2, 5, 1, 2);
    const a = model.logits(x, oneHotLabels([3, 3], 10)).dataSync();
    const b = model.logits(x, oneHotLabels([3, 7], 10)).dataSync();
    const half = a.length / 2;
    expect(Array.from(a.slice(0, half))).toEqual(Array.from(b.slice(0, half))); // same label, same logits
    expect(Math.max(...Array.from(a.slice(half)).map((v, i) => Math.abs(v - b[half + i])))).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it.each([
    [1, 2],
    [3, 4],
  ])('stays autoregressive with a condition (%i channels, Q=%i)', async (channels, q) => {
    const model = classConditional(channels, q);
    await expectAutoregressive(model, { height: 4, width: 4, condition: (n) => oneHotLabels(Array(n).fill(6), 10) });
    model.dispose();
  });

  it('rejects a label out of range and an embedding of the wrong size', () => {
    expect(() => oneHotLabels([1, 10], 10)).toThrow(ConfigError);
    expect(() => oneHotLabels([-1], 10)).toThrow(/label -1 .*0\.\.9/);
    const model = classConditional(1, 2);
    expect(() => model.logits(levels(2, 5, 1, 2), tf.zeros([2, 8]))).toThrow(/shape \[2,8\], expected \[2, 10\]/);
    expect(() => model.logits(levels(2, 5, 1, 2), tf.zeros([3, 10]))).toThrow(ConfigError);
    model.dispose();
  });

  it('trains: the conditioning weights get gradients', () => {
    const model = classConditional(1, 2);
    const x = levels(4, 5, 1, 2);
    const h = oneHotLabels([0, 1, 2, 3], 10);
    const { grads } = tf.variableGrads(() => meanNll(model.logits(x, h), x), model.trainableVariables);
    const conditionGrads = model.trainableVariables.slice(-4).map((v) => tf.max(tf.abs(grads[v.name])).dataSync()[0]);
    expect(conditionGrads.every((g) => g > 0)).toBe(true);
    model.dispose();
  });
});

describe('location-dependent conditioning (s = m(h), 1x1 convolutions)', () => {
  it('changes the output, stays autoregressive, and checks its input', async () => {
    const model = spatialConditional();
    const x = levels(1, 5, 1, 2);
    const a = model.logits(x, oneHotLabels([1], 10)).dataSync();
    const b = model.logits(x, oneHotLabels([2], 10)).dataSync();
    expect(a).not.toEqual(b);
    await expectAutoregressive(model, { height: 5, width: 5, condition: (n) => oneHotLabels(Array(n).fill(2), 10) });
    expect(() => model.logits(x, tf.zeros([1, 3]))).toThrow(/expected \[batch, 10\]/);
    model.dispose();
  });
});

describe('PixelCNN auto-encoder', () => {
  const config = {
    ...DEFAULT_GATED_CONFIG,
    channels: 1,
    levels: 2,
    layers: 2,
    filters: 6,
    headFilters: 6,
    firstKernel: 5,
    height: 5,
    width: 5,
    code: 3,
    encoderHidden: 8,
  };

  it('is autoregressive given its code, and the code changes the output', async () => {
    const ae = new PixelCnnAutoencoder(config, 2);
    const code = tf.tensor2d([[0.5, -1, 2]]);
    await expectAutoregressive(ae, { height: 5, width: 5, condition: (n) => tf.tile(code, [n, 1]) });
    const x = levels(1, 5, 1, 2);
    expect(ae.logits(x, code).dataSync()).not.toEqual(ae.logits(x, tf.tensor2d([[0, 0, 0]])).dataSync());
    expect(() => ae.logits(x)).toThrow(/code/);
    ae.dispose();
  });

  it('trains end to end: the encoder gets gradients through the code', () => {
    const ae = new PixelCnnAutoencoder(config, 2);
    const x = levels(3, 5, 1, 2);
    const { grads } = tf.variableGrads(() => meanNll(ae.logits(x, ae.encode(x)), x), ae.trainableVariables);
    for (const v of ae.encoder.variables) expect(tf.max(tf.abs(grads[v.name])).dataSync()[0]).toBeGreaterThan(0);
    ae.dispose();
  });

  it('interpolates codes linearly, endpoints included', () => {
    const path = interpolate(tf.tensor1d([0, 2]), tf.tensor1d([4, -2]), 3).arraySync();
    expect(path).toEqual([
      [0, 2],
      [2, 0],
      [4, -2],
    ]);
  });
});

describe('seeding', () => {
  it('conditioners initialise identically for a seed, and differently for another', () => {
    const a = new VectorConditioner({ size: 4, layers: 1, filters: 2 }, 9).variables.map((v) =>
      Array.from(v.dataSync()),
    );
    const b = new VectorConditioner({ size: 4, layers: 1, filters: 2 }, 9).variables.map((v) =>
      Array.from(v.dataSync()),
    );
    expect(a).toEqual(b);
    // ... and differently for another seed, so the equality above is not that of constant weights.
    const c = new VectorConditioner({ size: 4, layers: 1, filters: 2 }, 10).variables.map((v) =>
      Array.from(v.dataSync()),
    );
    expect(c.map((w) => w.length)).toEqual(a.map((w) => w.length));
    expect(c[0]).not.toEqual(a[0]);
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, countParameters } from '@pixel-models/core';
import { expectAutoregressive, expectTrainable, useTestBackend } from '@pixel-models/core/testing';
import { PIXELRNN_KINDS, PIXELRNN_PRESETS, type PixelRnnKind, type PixelRnnPresetName, createPixelRnnModel, createPresetModel } from './presets';

beforeAll(async () => {
  await useTestBackend();
});

describe('presets and factory', () => {
  it('builds every preset except the CIFAR-10 ones (large) with its paper sizes', () => {
    const names = Object.keys(PIXELRNN_PRESETS).filter((n) => !n.includes('cifar')) as PixelRnnPresetName[];
    for (const name of names) {
      const model = createPresetModel(name, 1);
      expect(model.name).toBe(PIXELRNN_PRESETS[name].kind);
      expect(countParameters(model)).toBeGreaterThan(0);
      model.dispose();
    }
    const oneByThirtyTwo = createPresetModel('diagonal-bilstm-mnist-1x32', 1);
    expect(oneByThirtyTwo.config).toMatchObject({ layers: 1, hidden: 32, channels: 1, levels: 2 });
    oneByThirtyTwo.dispose();
  });

  it('CIFAR-10 presets are valid colour configs', () => {
    for (const name of ['pixelcnn-cifar10', 'row-lstm-cifar10', 'diagonal-bilstm-cifar10'] as const) {
      const c = PIXELRNN_PRESETS[name].config;
      expect(c.channels).toBe(3);
      expect(c.hidden % 3).toBe(0);
      expect(c.headFilters % 3).toBe(0);
    }
  });

  it.each(PIXELRNN_KINDS)('factory builds %s with logits [B, H, W, C, Q]', (kind: PixelRnnKind) => {
    const model = createPixelRnnModel(kind, { channels: 3, levels: 5, hidden: 3, layers: 1, firstKernel: 3 }, 2);
    const x = tf.zeros([2, 4, 3, 3], 'int32') as tf.Tensor4D;
    const y = model.logits(x);
    expect(y.shape).toEqual([2, 4, 3, 3, 5]);
    expect(model.config.hidden).toBe(3);
    tf.dispose([x, y]);
    model.dispose();
  });

  it.each(PIXELRNN_KINDS)('%s with Q = 256 colour levels is autoregressive', async (kind: PixelRnnKind) => {
    const model = createPixelRnnModel(kind, { channels: 3, levels: 256, hidden: 3, layers: 2, firstKernel: 3 }, 4);
    await expectAutoregressive(model, { height: 3, width: 4, trials: 1 });
    model.dispose();
  });

  it('rejects unknown kinds and presets', () => {
    expect(() => createPixelRnnModel('pixel-transformer' as PixelRnnKind, {}, 1)).toThrow(ConfigError);
    expect(() => createPresetModel('nope' as PixelRnnPresetName, 1)).toThrow(/unknown PixelRNN preset/);
  });

  it('the same seed gives the same weights', () => {
    const a = createPresetModel('row-lstm-smoke', 7);
    const b = createPresetModel('row-lstm-smoke', 7);
    a.trainableVariables.forEach((v, i) => expect(v.dataSync()).toEqual(b.trainableVariables[i].dataSync()));
    a.dispose();
    b.dispose();
  });
});

describe('training plumbing', () => {
  it.each([
    ['pixelcnn', { residual: true }],
    ['row-lstm', { skip: true }],
    ['diagonal-bilstm', { skip: true }],
    ['diagonal-bilstm', { skip: false, channels: 3, levels: 4 }],
  ] as const)('%s %o: every variable gets a gradient, no tensors leak across steps', async (kind, extra) => {
    const model = createPixelRnnModel(kind, { hidden: 6, layers: 2, firstKernel: 3, ...extra }, 2);
    const C = model.config.channels;
    const Q = model.config.levels;
    const x = tf.tensor4d(Int32Array.from({ length: 2 * 5 * 6 * C }, (_, i) => (i * 7) % Q), [2, 5, 6, C], 'int32');
    await expectTrainable(model, x);
    x.dispose();
    model.dispose();
  });
});

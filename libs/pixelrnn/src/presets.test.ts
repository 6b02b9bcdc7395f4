import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AutoregressiveModel, countParameters } from '@pixel-models/nn';
import { expectAutoregressive, expectTrainable, useTestBackend } from '@pixel-models/nn/testing';
import { DiagonalBiLstm } from './diagonal-bilstm';
import { PixelCnn } from './pixelcnn';
import {
  PIXELRNN_KINDS,
  PIXELRNN_PRESETS,
  type PixelRnnConfigs,
  type PixelRnnKind,
  type PixelRnnPresetName,
} from './presets';
import { RowLstm } from './row-lstm';

/** A model of each kind from a partial config (defaults fill the rest) and a seed: the test's own factory. */
const build = (
  kind: PixelRnnKind,
  config: Record<string, unknown>,
  seed: number,
): AutoregressiveModel<PixelRnnConfigs[PixelRnnKind]> => {
  if (kind === 'pixelcnn') return new PixelCnn(config, seed);
  return kind === 'row-lstm' ? new RowLstm(config, seed) : new DiagonalBiLstm(config, seed);
};

/** A preset's model (experiments build them through their model registry). */
const buildPreset = (name: PixelRnnPresetName, seed: number) =>
  build(PIXELRNN_PRESETS[name].kind, PIXELRNN_PRESETS[name].config, seed);

beforeAll(async () => {
  await useTestBackend();
});

describe('presets', () => {
  it('builds every preset except the CIFAR-10 ones (large) with its sizes', () => {
    const names = Object.keys(PIXELRNN_PRESETS).filter((n) => !n.includes('cifar')) as PixelRnnPresetName[];
    for (const name of names) {
      const model = buildPreset(name, 1);
      expect(model.name).toBe(PIXELRNN_PRESETS[name].kind);
      expect(countParameters(model)).toBeGreaterThan(0);
      model.dispose();
    }
    const oneByThirtyTwo = buildPreset('diagonal-bilstm-mnist-1x32', 1);
    expect(oneByThirtyTwo.config).toMatchObject({ layers: 1, hidden: 32, channels: 1, levels: 2 });
    oneByThirtyTwo.dispose();
  });

  it('every preset says where its size comes from: a table or section of the paper, or chosen', () => {
    for (const [name, preset] of Object.entries(PIXELRNN_PRESETS))
      expect(preset.size, name).toMatch(/^chosen: |PixelRNN paper, (Table \d|sec\. \d)/);
    // Table 4 gives sizes only for the Diagonal BiLSTM: the MNIST PixelCNN's and Row LSTM's 7 x 16 is chosen.
    expect(PIXELRNN_PRESETS['pixelcnn-mnist-7x16'].size).toMatch(/^chosen: /);
    expect(PIXELRNN_PRESETS['row-lstm-mnist-7x16'].size).toMatch(/^chosen: /);
    expect(PIXELRNN_PRESETS['diagonal-bilstm-mnist-7x16'].size).toBe('PixelRNN paper, Table 4 (7 layers, h = 16)');
  });

  it('CIFAR-10 presets are valid colour configs', () => {
    for (const name of ['pixelcnn-cifar10', 'row-lstm-cifar10', 'diagonal-bilstm-cifar10'] as const) {
      const c = PIXELRNN_PRESETS[name].config;
      expect(c.channels).toBe(3);
      expect(c.hidden % 3).toBe(0);
      expect(c.headFilters % 3).toBe(0);
    }
  });

  it.each(PIXELRNN_KINDS)('%s has logits [B, H, W, C, Q]', (kind: PixelRnnKind) => {
    const model = build(kind, { channels: 3, levels: 5, hidden: 3, layers: 1, firstKernel: 3 }, 2);
    const x = tf.zeros([2, 4, 3, 3], 'int32') as tf.Tensor4D;
    const y = model.logits(x);
    expect(y.shape).toEqual([2, 4, 3, 3, 5]);
    expect(model.config.hidden).toBe(3);
    tf.dispose([x, y]);
    model.dispose();
  });

  it.each(PIXELRNN_KINDS)('%s with Q = 256 colour levels is autoregressive', async (kind: PixelRnnKind) => {
    const model = build(kind, { channels: 3, levels: 256, hidden: 3, layers: 2, firstKernel: 3 }, 4);
    await expectAutoregressive(model, { height: 3, width: 4, trials: 1 });
    model.dispose();
  });

  it('the same seed gives the same weights', () => {
    const a = buildPreset('row-lstm-smoke', 7);
    const b = buildPreset('row-lstm-smoke', 7);
    a.trainableVariables.forEach((v, i) => expect(v.dataSync()).toEqual(b.trainableVariables[i].dataSync()));
    a.dispose();
    b.dispose();
  });
});

describe('shipped presets are autoregressive', () => {
  // Every preset at its own sizes, channels and Q (the CIFAR-10 ones too: 3 channels, Q = 256, h = 129, not
  // reduced), on small images to keep it to seconds: 5x5 for the MNIST presets; 4x4 and one trial for the CIFAR-10
  // presets (48 positions through 12-15 layers of 129 units: about 8 s together on 2 cores; 5x5 took 21 s).
  it.each(Object.keys(PIXELRNN_PRESETS) as PixelRnnPresetName[])('%s', async (name) => {
    const model = buildPreset(name, 3);
    expect(model.config).toMatchObject(PIXELRNN_PRESETS[name].config); // the preset itself, not a smaller stand-in
    const colour = model.config.channels === 3;
    await expectAutoregressive(model, colour ? { height: 4, width: 4, trials: 1 } : { height: 5, width: 5 });
    model.dispose();
  });
});

describe('training plumbing', () => {
  it.each([
    ['pixelcnn', { residual: true }],
    ['row-lstm', { skip: true }],
    ['diagonal-bilstm', { skip: true }],
    ['diagonal-bilstm', { skip: false, channels: 3, levels: 4 }],
  ] as const)('%s %o: every variable gets a gradient, no tensors leak across steps', async (kind, extra) => {
    const model = build(kind, { hidden: 6, layers: 2, firstKernel: 3, ...extra }, 2);
    const C = model.config.channels;
    const Q = model.config.levels;
    const x = tf.tensor4d(
      Int32Array.from({ length: 2 * 5 * 6 * C }, (_, i) => (i * 7) % Q),
      [2, 5, 6, C],
      'int32',
    );
    await expectTrainable(model, x);
    x.dispose();
    model.dispose();
  });
});

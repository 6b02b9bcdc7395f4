import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { countParameters } from '@pixel-models/nn';
import { useTestBackend } from '@pixel-models/nn/testing';
import { oneHotLabels } from '@pixel-models/conditioning';
import { DEFAULT_GATED_CONFIG, GATED_PRESETS } from '@pixel-models/gated-pixelcnn';
import { PIXELRNN_PRESETS, type PixelRnnPresetName } from '@pixel-models/pixelrnn';
import { CONDITIONAL_KINDS, CONDITIONAL_MODELS, MODEL_KINDS, MODELS, createModel } from './registry';

beforeAll(async () => {
  await useTestBackend();
});

describe('the model registry', () => {
  it('names and colours every kind as the reports always have', () => {
    expect(MODEL_KINDS.map((k) => [k, MODELS[k].label, MODELS[k].colour])).toEqual([
      ['pixelcnn', 'PixelCNN', '#1f77b4'],
      ['row-lstm', 'Row LSTM', '#ff7f0e'],
      ['diagonal-bilstm', 'Diagonal BiLSTM', '#2ca02c'],
      ['gated-pixelcnn', 'Gated PixelCNN', '#d62728'],
      ['gated-masked', 'Gated, no stack split', '#9467bd'],
    ]);
  });

  it('builds each kind from the shared size, unset fields left to the model and no foreign field in its config', () => {
    for (const kind of MODEL_KINDS) {
      const model = createModel(kind, { channels: 1, levels: 2, layers: 2, hidden: 4, firstKernel: 3, kernel: 3 }, 1);
      const config = model.config as unknown as Record<string, unknown>;
      expect(config.levels, kind).toBe(2);
      expect(config.layers, kind).toBe(2);
      expect(config.firstKernel, kind).toBe(3);
      expect(Object.values(config).includes(undefined), kind).toBe(false);
      if (kind.startsWith('gated')) {
        expect(config).toMatchObject({
          filters: 4,
          headFilters: 8,
          stacks: kind === 'gated-masked' ? 'masked' : 'vertical-horizontal',
        });
        expect('hidden' in config).toBe(false);
      } else {
        expect(config).toMatchObject({ hidden: 4, headFilters: 8 });
      }
      if (kind === 'diagonal-bilstm') expect('kernel' in config).toBe(false);
      model.dispose();
    }
  });

  it('says how depth maps to layers and width to feature maps', () => {
    expect(MODELS.pixelcnn.layersAtDepth(3)).toBe(3);
    expect(MODELS['gated-pixelcnn'].layersAtDepth(3)).toBe(4);
    expect(MODELS['row-lstm'].featuresPerHidden).toBe(2);
    expect(MODELS['gated-masked'].featuresPerHidden).toBe(1);
  });

  it('builds every PixelRNN preset but the CIFAR-10 ones (large) at its sizes; the same seed gives the same weights', () => {
    const names = Object.keys(PIXELRNN_PRESETS).filter((n) => !n.includes('cifar')) as PixelRnnPresetName[];
    for (const name of names) {
      const { kind, config } = PIXELRNN_PRESETS[name];
      const model = createModel(kind, config, 1);
      expect(model.name, name).toBe(kind);
      expect(model.config, name).toMatchObject(config);
      expect(countParameters(model), name).toBeGreaterThan(0);
      model.dispose();
    }
    const [a, b] = [7, 7].map((seed) => createModel('row-lstm', PIXELRNN_PRESETS['row-lstm-smoke'].config, seed));
    a.trainableVariables.forEach((v, i) => expect(v.dataSync()).toEqual(b.trainableVariables[i].dataSync()));
    a.dispose();
    b.dispose();
  });
});

describe('the conditional models in the registry', () => {
  const size = { ...GATED_PRESETS.smoke, channels: 1, levels: 2 };

  it('are named and coloured apart from the unconditional kinds', () => {
    expect(CONDITIONAL_KINDS.map((k) => [k, CONDITIONAL_MODELS[k].label])).toEqual([
      ['class-conditional', 'Class-conditional Gated PixelCNN'],
      ['embedding-conditional', 'Embedding-conditional Gated PixelCNN'],
      ['autoencoder', 'PixelCNN auto-encoder'],
    ]);
    const colours = [
      ...MODEL_KINDS.map((k) => MODELS[k].colour),
      ...CONDITIONAL_KINDS.map((k) => CONDITIONAL_MODELS[k].colour),
    ];
    expect(new Set(colours).size).toBe(colours.length);
  });

  it("keep what the conditioning needs out of the PixelCNN's config (config.json records it)", () => {
    const x = tf.zeros<tf.Rank.R4>([2, 5, 5, 1], 'int32');
    const classes = CONDITIONAL_MODELS['class-conditional'].create({ ...size, classes: 10 }, 1);
    expect(classes.config).toEqual({ ...DEFAULT_GATED_CONFIG, ...size });
    const labels = oneHotLabels([3, 7], 10);
    expect(classes.logits(x, labels).shape).toEqual([2, 5, 5, 1, 2]);
    const embedding = CONDITIONAL_MODELS['embedding-conditional'].create(
      { ...size, height: 5, width: 5, embedding: 4, encoderHidden: 8 },
      1,
    );
    expect(embedding.config).toEqual({ ...DEFAULT_GATED_CONFIG, ...size });
    expect(embedding.logits(x, embedding.encoder.encode(x)).shape).toEqual([2, 5, 5, 1, 2]);
    // f is frozen: none of its variables is trained with the PixelCNN.
    const trained = new Set(embedding.trainableVariables);
    expect(embedding.encoder.variables.some((v) => trained.has(v))).toBe(false);
    const autoencoder = CONDITIONAL_MODELS.autoencoder.create(
      { ...size, height: 5, width: 5, code: 3, encoderHidden: 8 },
      1,
    );
    expect(autoencoder.config).toEqual({
      ...DEFAULT_GATED_CONFIG,
      height: 5,
      width: 5,
      code: 3,
      encoderHidden: 8,
      ...size,
    });
    expect(autoencoder.logits(x, autoencoder.encode(x)).shape).toEqual([2, 5, 5, 1, 2]);
    tf.dispose([x, labels]);
    for (const model of [classes, embedding, autoencoder]) model.dispose();
  });
});

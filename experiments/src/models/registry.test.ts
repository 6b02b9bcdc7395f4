import { beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from '@pixel-models/nn/testing';
import { MODEL_KINDS, MODELS, createModel } from './registry';

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
});

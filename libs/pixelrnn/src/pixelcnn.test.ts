import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, contextCoverage, dependencyMap, futureDependencies, idealContext } from '@pixel-models/nn';
import { expectAutoregressive, findAutoregressiveViolations, useTestBackend } from '@pixel-models/nn/testing';
import { PixelCnn, type PixelCnnConfig } from './pixelcnn';

const small = (c: Partial<PixelCnnConfig>): Partial<PixelCnnConfig> => ({
  hidden: 3,
  firstKernel: 5,
  headFilters: 6,
  ...c,
});

beforeAll(async () => {
  await useTestBackend();
});

describe('PixelCnn is autoregressive', () => {
  it.each([
    { channels: 1, levels: 2, layers: 1 },
    { channels: 1, levels: 4, layers: 3 },
    { channels: 3, levels: 4, layers: 1 },
    { channels: 3, levels: 2, layers: 2, residual: false },
  ])('%o', async (c) => {
    const model = new PixelCnn(small(c), 5);
    await expectAutoregressive(model, { height: 5, width: 5 });
    model.dispose();
  });

  it.each([1, 3])('firstMask B (the ablation) is flagged as a leak, %i channel(s)', async (channels) => {
    const model = new PixelCnn(small({ channels, levels: 2, layers: 1, firstMask: 'B' }), 5);
    const violations = await findAutoregressiveViolations(model, { height: 4, width: 4 });
    expect(violations.length).toBeGreaterThan(0);
    expect(violations[0].input).toEqual(violations[0].output); // the pixel reads itself
    model.dispose();
  });
});

describe('PixelCnn receptive field', () => {
  it('stacked 3x3 masked convolutions have a blind spot above-right of the pixel', async () => {
    const H = 9;
    const centre: [number, number, number] = [4, 4, 0];
    const model = new PixelCnn({ hidden: 4, firstKernel: 3, kernel: 3, layers: 4 }, 11);
    const map = await dependencyMap(model, { height: H, width: H, position: centre });
    const ideal = idealContext(H, H, 1, centre);
    model.dispose();
    expect(futureDependencies(map, ideal, centre, H, 1)).toBe(0);
    expect(contextCoverage(map, ideal)).toBeLessThan(1);
    // The pixel two rows up and four columns right is earlier but unreachable (the blind spot), while the
    // pixel directly above it, at the same distance, is reached.
    expect(map[(2 * H + 8) * 1]).toBe(0);
    expect(map[(0 * H + 4) * 1]).toBe(1);
  });
});

describe('PixelCnn config', () => {
  it('rejects bad configurations with a ConfigError', () => {
    expect(() => new PixelCnn({ channels: 3, hidden: 8 }, 1)).toThrow(ConfigError);
    expect(() => new PixelCnn({ channels: 3, hidden: 8 }, 1)).toThrow(
      /hidden = 8 cannot be split into 3 colour groups/,
    );
    expect(() => new PixelCnn({ levels: 1 }, 1)).toThrow(/levels/);
    expect(() => new PixelCnn({ levels: 257 }, 1)).toThrow(ConfigError);
    expect(() => new PixelCnn({ kernel: 4 }, 1)).toThrow(/kernel must be odd/);
    expect(() => new PixelCnn({ layers: 0 }, 1)).toThrow(/layers/);
    expect(() => new PixelCnn({ channels: 2, hidden: 4 }, 1)).toThrow(/channels must be 1 or 3/);
    expect(() => new PixelCnn({ firstMask: 'C' as 'A' }, 1)).toThrow(/firstMask/);
  });

  it('headFilters follows 2h unless given', () => {
    const a = new PixelCnn({ hidden: 6 }, 1);
    const b = new PixelCnn({ hidden: 6, headFilters: 9 }, 1);
    expect(a.config.headFilters).toBe(12);
    expect(b.config.headFilters).toBe(9);
    a.dispose();
    b.dispose();
  });
});

describe('PixelCnn logits against a hand computation', () => {
  // 1 channel, Q = 2, h = 1 (2 features), a 3x3 mask-A first layer, one residual block with a 1x1 middle conv,
  // and the head; every weight set by hand. The expected logits were worked out with plain loops over the taps
  // mask A allows (row above: 3 taps, same row: the left one), not with this code. Weights on the taps mask A
  // hides (centre, right, the row below) are large (10, -7): a leak of the current or a later pixel shows at once.
  const X = [
    [1, 0, 1],
    [0, 1, 1],
    [1, 1, 0],
  ];
  const hidden = [10, -7];
  // layer0.conv.w[di][dj][0][f]: [f0, f1] for each tap of the 3x3 kernel (di, dj = 0..2; centre (1, 1)).
  const taps = [
    [
      [0.5, -1.0],
      [1.0, 0.25],
      [-0.5, 1.5],
    ],
    [[2.0, -0.5], hidden, hidden],
    [hidden, hidden, hidden],
  ];
  const weights: Record<string, number[][] | number[] | number[][][][]> = {
    'layer0.conv.w': taps.map((row) => row.map((f) => [f])),
    'layer0.conv.b': [0.1, -0.2],
    'layer1.down.w': [[1], [0.5]], // a = relu(relu(x0) + 0.5 relu(x1) - 0.5)
    'layer1.down.b': [-0.5],
    'layer1.conv.w': [[[[2]]]], // b = relu(2 a + 0.25)
    'layer1.conv.b': [0.25],
    'layer1.up.w': [[1, -1]], // x += [b, 0.5 - b]
    'layer1.up.b': [0, 0.5],
    'head.w1': [
      [1, 0.25],
      [0.5, 1],
    ], // u = relu(relu(x) W1 + b1)
    'head.b1': [0, 0.1],
    'head.w2': [
      [1, -1],
      [-2, 0.5],
    ], // logits = u W2 + b2
    'head.b2': [0.3, -0.3],
  };
  // Worked example, pixel (1, 1): the first layer reads (0,0) = 1, (0,1) = 0, (0,2) = 1, (1,0) = 0, so
  // x = [0.5 - 0.5 + 0.1, -1 + 1.5 - 0.2] = [0.1, 0.3]; a = relu(0.1 + 0.15 - 0.5) = 0; b = 0.25; x = [0.35, 0.55];
  // u = [0.35 + 0.275, 0.0875 + 0.55 + 0.1] = [0.625, 0.7375]; logits = [0.625 - 1.475 + 0.3, -0.625 + 0.36875 - 0.3].
  const WANT = [
    [
      [0.2, -0.55625],
      [2.875, -5.10625],
      [0.2, -0.55625],
    ],
    [
      [1.4, -2.525],
      [-0.55, -0.55625],
      [4.375, -7.73125],
    ],
    [
      [-1.7, -0.38125],
      [4.15, -7.3375],
      [5.125, -9.04375],
    ],
  ];

  it('a 3x3 binary image through a 1-block PixelCNN with fixed weights', () => {
    const model = new PixelCnn(
      { channels: 1, levels: 2, layers: 1, hidden: 1, firstKernel: 3, kernel: 1, headFilters: 2, residual: true },
      1,
    );
    expect([...model.params.byName.keys()].sort()).toEqual(Object.keys(weights).sort());
    for (const [name, value] of Object.entries(weights)) {
      const v = model.params.byName.get(name)!;
      v.assign(tf.tensor(value as number[], v.shape));
    }
    const x = tf.tensor4d([X.map((row) => row.map((p) => [p]))], [1, 3, 3, 1], 'int32');
    const logits = model.logits(x);
    expect(logits.shape).toEqual([1, 3, 3, 1, 2]);
    const got = (logits.arraySync() as number[][][][][])[0];
    got.forEach((row, i) =>
      row.forEach(([px], j) =>
        px.forEach((v, q) => expect(v, `pixel (${i}, ${j}), level ${q}`).toBeCloseTo(WANT[i][j][q], 5)),
      ),
    );
    tf.dispose([x, logits]);
    model.dispose();
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, contextCoverage, dependencyMap, futureDependencies, idealContext } from '@pixel-models/core';
import { expectAutoregressive, findAutoregressiveViolations, useTestBackend } from '@pixel-models/core/testing';
import { PixelCnn, type PixelCnnConfig } from './pixelcnn';

const small = (c: Partial<PixelCnnConfig>): Partial<PixelCnnConfig> => ({ hidden: 3, firstKernel: 5, headFilters: 6, ...c });

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
    expect(() => new PixelCnn({ channels: 3, hidden: 8 }, 1)).toThrow(/hidden = 8 cannot be split into 3 colour groups/);
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

import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, contextCoverage, dependencyMap, futureDependencies, idealContext } from '@pixel-models/nn';
import { expectAutoregressive, useTestBackend } from '@pixel-models/nn/testing';
import { RowLstm, type RowLstmConfig } from './row-lstm';

const small = (c: Partial<RowLstmConfig>): Partial<RowLstmConfig> => ({
  hidden: 3,
  firstKernel: 5,
  headFilters: 6,
  ...c,
});

beforeAll(async () => {
  await useTestBackend();
});

describe('RowLstm is autoregressive', () => {
  it.each([
    { channels: 1, levels: 2, layers: 1 },
    { channels: 1, levels: 4, layers: 3 },
    { channels: 3, levels: 4, layers: 1 },
    { channels: 3, levels: 2, layers: 2, skip: false },
  ])('%o', async (c) => {
    const model = new RowLstm(small(c), 5);
    await expectAutoregressive(model, { height: 5, width: 6 });
    model.dispose();
  });
});

describe('RowLstm receptive field', () => {
  it('is a triangle above the pixel: part of the context is missing', async () => {
    const H = 7;
    const centre: [number, number, number] = [3, 3, 0];
    const model = new RowLstm({ hidden: 4, firstKernel: 3, layers: 1 }, 11);
    const map = await dependencyMap(model, { height: H, width: H, position: centre });
    const ideal = idealContext(H, H, 1, centre);
    model.dispose();
    expect(futureDependencies(map, ideal, centre, H, 1)).toBe(0);
    expect(contextCoverage(map, ideal)).toBeLessThan(1);
    expect(map[2 * H + 6]).toBe(0); // one row up, three columns right: outside the triangle
    expect(map[0 * H + 6]).toBe(1); // three rows up, three columns right: inside it
  });
});

describe('RowLstm config', () => {
  it('rejects bad configurations with a ConfigError', () => {
    expect(() => new RowLstm({ channels: 3, hidden: 4 }, 1)).toThrow(ConfigError);
    expect(() => new RowLstm({ kernel: 2 }, 1)).toThrow(/kernel must be odd/);
    expect(() => new RowLstm({ levels: 300 }, 1)).toThrow(/levels/);
    expect(() => new RowLstm({ channels: 3, hidden: 3, headFilters: 4 }, 1)).toThrow(/headFilters/);
  });
});

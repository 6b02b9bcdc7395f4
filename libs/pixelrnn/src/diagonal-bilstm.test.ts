import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, contextCoverage, dependencyMap, futureDependencies, idealContext } from '@pixel-models/nn';
import { expectAutoregressive, useTestBackend } from '@pixel-models/nn/testing';
import { DiagonalBiLstm, type DiagonalBiLstmConfig, antiSkew, antiUnskew, skew, unskew } from './diagonal-bilstm';

const small = (c: Partial<DiagonalBiLstmConfig>): Partial<DiagonalBiLstmConfig> => ({
  hidden: 3,
  firstKernel: 5,
  headFilters: 6,
  ...c,
});

beforeAll(async () => {
  await useTestBackend();
});

describe('skew / unskew', () => {
  it('shift row r right by r and back', () => {
    const [b, h, w, f] = [2, 3, 4, 2];
    const x = tf.tensor4d(
      Float32Array.from({ length: b * h * w * f }, (_, i) => i + 1),
      [b, h, w, f],
    );
    const s = skew(x);
    expect(s.shape).toEqual([b, h, w + h - 1, f]);
    const xs = x.arraySync();
    const ss = s.arraySync();
    for (let n = 0; n < b; n++)
      for (let r = 0; r < h; r++)
        for (let j = 0; j < w + h - 1; j++) expect(ss[n][r][j]).toEqual(j >= r && j - r < w ? xs[n][r][j - r] : [0, 0]);
    const back = unskew(s, w);
    expect(back.arraySync()).toEqual(xs);
    tf.dispose([x, s, back]);
  });

  it('anti-skew shifts row r right by H-1-r and back', () => {
    const [b, h, w, f] = [2, 4, 3, 1];
    const x = tf.tensor4d(
      Float32Array.from({ length: b * h * w * f }, (_, i) => i + 1),
      [b, h, w, f],
    );
    const s = antiSkew(x);
    expect(s.shape).toEqual([b, h, w + h - 1, f]);
    const xs = x.arraySync();
    const ss = s.arraySync();
    for (let n = 0; n < b; n++)
      for (let r = 0; r < h; r++)
        for (let j = 0; j < w + h - 1; j++) {
          const c = j - (h - 1 - r);
          expect(ss[n][r][j]).toEqual(c >= 0 && c < w ? xs[n][r][c] : [0]);
        }
    const back = antiUnskew(s, w);
    expect(back.arraySync()).toEqual(xs);
    tf.dispose([x, s, back]);
  });
});

describe('DiagonalBiLstm is autoregressive', () => {
  it.each([
    { channels: 1, levels: 2, layers: 1 },
    { channels: 1, levels: 4, layers: 2 },
    { channels: 3, levels: 4, layers: 1 },
    { channels: 3, levels: 2, layers: 2, skip: false },
  ])('%o', async (c) => {
    const model = new DiagonalBiLstm(small(c), 5);
    await expectAutoregressive(model, { height: 5, width: 6 });
    model.dispose();
  });
});

describe('DiagonalBiLstm receptive field', () => {
  const field = async (firstKernel: number, H: number, centre: [number, number, number]) => {
    const model = new DiagonalBiLstm({ hidden: 4, firstKernel, layers: 1 }, 11);
    const map = await dependencyMap(model, { height: H, width: H, position: centre });
    const ideal = idealContext(H, H, 1, centre);
    model.dispose();
    return { map, ideal, coverage: contextCoverage(map, ideal), future: futureDependencies(map, ideal, centre, H, 1) };
  };

  it('one layer covers every earlier pixel (7x7 image, 7x7 first kernel)', async () => {
    const { coverage, future } = await field(7, 7, [3, 3, 0]);
    expect(future).toBe(0);
    expect(coverage).toBe(1);
  });

  it('edge effect: the last pixel of the row above is reached only through the first kernel', async () => {
    // The mirrored pass sees row r-1 only through mask-A features, and no feature of row r-1 reads its last
    // pixel; so (r-1, W-1) is missed when the first kernel does not reach it from (r, c), i.e. c + k/2 < W-1.
    const H = 7;
    const { map, ideal, coverage, future } = await field(3, H, [3, 3, 0]);
    expect(future).toBe(0);
    const missing = [...ideal.keys()].filter((i) => ideal[i] && !map[i]);
    expect(missing).toEqual([2 * H + 6]);
    expect(coverage).toBe(1 - 1 / 24);
  });
});

describe('DiagonalBiLstm config', () => {
  it('rejects bad configurations with a ConfigError', () => {
    expect(() => new DiagonalBiLstm({ channels: 3, hidden: 16 }, 1)).toThrow(ConfigError);
    expect(() => new DiagonalBiLstm({ firstKernel: 6 }, 1)).toThrow(/firstKernel must be odd/);
    expect(() => new DiagonalBiLstm({ levels: 0 }, 1)).toThrow(/levels/);
    expect(() => new DiagonalBiLstm({ hidden: 0 }, 1)).toThrow(/hidden/);
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { horizontalStackConv, verticalStackConv } from './conv';
import { type AutoregressiveModel, levelsToInput, toLogits } from './model';
import { Params } from './params';
import { contextCoverage, dependencyMap, futureDependencies, idealContext } from './receptive-field';
import { useTestBackend } from './testing/backend';

beforeAll(async () => {
  await useTestBackend();
});

/** A one-layer model whose logits are a single causal convolution of the input. */
function oneConvModel(
  kind: 'vertical' | 'horizontal',
  kernel: [number, number],
  channels: number,
  levels: number,
): AutoregressiveModel {
  const p = new Params(2);
  const w = p.weight(
    'w',
    [...kernel, channels, channels * levels],
    kernel[0] * kernel[1] * channels,
  ) as unknown as tf.Tensor4D;
  const conv = (x: tf.Tensor4D) =>
    kind === 'vertical' ? verticalStackConv(x, w) : horizontalStackConv(x, w, undefined);
  const logitsFromInput = (x: tf.Tensor4D) => tf.tidy(() => toLogits(conv(x), channels, levels));
  return {
    name: `one-${kind}-conv`,
    config: { channels, levels },
    logitsFromInput,
    logits: (x) => logitsFromInput(levelsToInput(x, levels)),
    trainableVariables: p.variables,
    dispose: () => p.dispose(),
  };
}

/** A 0/1 map [H * W * C] from a list of [row, col, channel]. */
function mapOf(h: number, w: number, c: number, cells: [number, number, number][]): number[] {
  const m = new Array<number>(h * w * c).fill(0);
  for (const [r, col, ch] of cells) m[(r * w + col) * c + ch] = 1;
  return m;
}

describe('idealContext', () => {
  it('is every earlier pixel, all channels, then the earlier channels of the pixel itself', () => {
    // 2x2, 3 channels, position (row 1, col 0, G): pixels (0,0), (0,1) and R of (1,0).
    expect(Array.from(idealContext(2, 2, 3, [1, 0, 1]))).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(idealContext(2, 2, 1, [0, 0, 0]))).toEqual([0, 0, 0, 0]);
    expect(Array.from(idealContext(2, 3, 1, [1, 2, 0]))).toEqual([1, 1, 1, 1, 1, 0]);
  });
});

describe('contextCoverage / futureDependencies', () => {
  const ideal = Uint8Array.from([1, 1, 1, 1, 0, 0]);

  it('coverage is the fraction of the ideal context in the map', () => {
    expect(contextCoverage(Uint8Array.from([1, 1, 1, 1, 0, 0]), ideal)).toBe(1);
    expect(contextCoverage(Uint8Array.from([1, 0, 1, 0, 1, 1]), ideal)).toBe(0.5);
    expect(contextCoverage(Uint8Array.from([0, 0, 0, 1, 0, 0]), ideal)).toBe(0.25);
    expect(contextCoverage(new Uint8Array(6), new Uint8Array(6))).toBe(1);
  });

  it('future dependencies count the map outside the ideal context, the target itself included', () => {
    // width 3, 1 channel, target (1, 1) = index 4.
    expect(futureDependencies(Uint8Array.from([1, 1, 1, 1, 0, 0]), ideal, [1, 1, 0], 3, 1)).toBe(0);
    expect(futureDependencies(Uint8Array.from([0, 0, 0, 0, 1, 1]), ideal, [1, 1, 0], 3, 1)).toBe(2);
    expect(futureDependencies(Uint8Array.from([1, 0, 0, 0, 0, 1]), ideal, [1, 1, 0], 3, 1)).toBe(1);
  });
});

describe('dependencyMap', () => {
  it('of a 2x3 vertical-stack convolution: rows i-1..i, columns j-1..j+1', async () => {
    const model = oneConvModel('vertical', [2, 3], 1, 2);
    const map = await dependencyMap(model, { height: 4, width: 5, position: [2, 2, 0] });
    expect(Array.from(map)).toEqual(
      mapOf(4, 5, 1, [
        [1, 1, 0],
        [1, 2, 0],
        [1, 3, 0],
        [2, 1, 0],
        [2, 2, 0],
        [2, 3, 0],
      ]),
    );
    const ideal = idealContext(4, 5, 1, [2, 2, 0]);
    expect(contextCoverage(map, ideal)).toBeCloseTo(4 / 12, 12); // (1,1), (1,2), (1,3), (2,1) of the 12 earlier pixels
    expect(futureDependencies(map, ideal, [2, 2, 0], 5, 1)).toBe(2); // itself and its right neighbour
    model.dispose();
  });

  it('at the border the kernel is cut off by the zero padding', async () => {
    const model = oneConvModel('vertical', [2, 3], 1, 2);
    const map = await dependencyMap(model, { height: 3, width: 3, position: [0, 0, 0], seed: 4, trials: 2 });
    expect(Array.from(map)).toEqual(
      mapOf(3, 3, 1, [
        [0, 0, 0],
        [0, 1, 0],
      ]),
    );
    model.dispose();
  });

  it('of a 1x3 horizontal-stack convolution with 2 channels: row i, columns j-2..j, both channels', async () => {
    const model = oneConvModel('horizontal', [1, 3], 2, 3);
    const map = await dependencyMap(model, { height: 3, width: 5, position: [1, 3, 1] });
    const cells: [number, number, number][] = [];
    for (const col of [1, 2, 3]) for (const ch of [0, 1]) cells.push([1, col, ch]);
    expect(Array.from(map)).toEqual(mapOf(3, 5, 2, cells));
    model.dispose();
  });

  it('is deterministic for a seed and does not leak tensors', async () => {
    const model = oneConvModel('vertical', [2, 3], 1, 2);
    const before = tf.memory().numTensors;
    const a = await dependencyMap(model, { height: 3, width: 3, position: [1, 1, 0], seed: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(await dependencyMap(model, { height: 3, width: 3, position: [1, 1, 0], seed: 3 }))).toEqual(
      Array.from(a),
    );
    model.dispose();
  });
});

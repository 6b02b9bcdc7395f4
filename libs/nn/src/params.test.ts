import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from './errors';
import { Params } from './params';
import { useTestBackend } from './testing/backend';

beforeAll(async () => {
  await useTestBackend();
});

const values = (p: Params) => [...p.byName.entries()].map(([name, v]) => [name, Array.from(v.dataSync())] as const);

function build(seed: number): Params {
  const p = new Params(seed);
  p.weight('conv1/w', [3, 3, 1, 4], 9);
  p.bias('conv1/b', 4);
  p.weight('head/w', [4, 2], 4, 0.5);
  return p;
}

describe('Params', () => {
  it('keeps stable names in creation order, with the given shapes', () => {
    const p = build(1);
    expect([...p.byName.keys()]).toEqual(['conv1/w', 'conv1/b', 'head/w']);
    expect(p.variables.map((v) => v.shape)).toEqual([[3, 3, 1, 4], [4], [4, 2]]);
    expect(p.variables.every((v) => v.trainable)).toBe(true);
    p.dispose();
  });

  it('rejects a duplicate name with a ConfigError, and does not leak the rejected tensor', () => {
    const p = build(1);
    const before = tf.memory().numTensors;
    expect(() => p.weight('conv1/w', [2], 1)).toThrow(ConfigError);
    expect(() => p.bias('conv1/b', 4)).toThrow('duplicate parameter name "conv1/b"');
    expect(tf.memory().numTensors).toBe(before);
    p.dispose();
  });

  it('the same seed gives the same initial values; different seeds differ', () => {
    const a = build(7);
    const b = build(7);
    const c = build(8);
    expect(values(b)).toEqual(values(a));
    expect(values(c)[0][1]).not.toEqual(values(a)[0][1]);
    // Each weight has its own seed: two weights of the same shape differ.
    const p = new Params(7);
    const w1 = p.weight('a', [10], 1);
    const w2 = p.weight('b', [10], 1);
    expect(Array.from(w1.dataSync())).not.toEqual(Array.from(w2.dataSync()));
    [a, b, c, p].forEach((x) => x.dispose());
  });

  it('He-uniform: weights lie in +-gain*sqrt(6/fanIn); biases are zero', () => {
    const p = new Params(3);
    const w = Array.from(p.weight('w', [4000], 6, 0.5).dataSync());
    const limit = 0.5 * Math.sqrt(6 / 6);
    expect(w.every((v) => Math.abs(v) <= limit)).toBe(true);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * limit);
    expect(Array.from(p.bias('b', 3).dataSync())).toEqual([0, 0, 0]);
    p.dispose();
  });

  it('add keeps the value and owns it; dispose frees every variable', () => {
    const before = tf.memory().numTensors;
    const p = new Params(1);
    const v = p.add(
      'table',
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
    );
    expect(v.arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    p.weight('w', [2, 2], 2);
    expect(tf.memory().numTensors).toBe(before + 2);
    p.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(p.variables).toEqual([]);
  });

  it('seeded weights are identical on cpu and wasm', async () => {
    const init = () => {
      const p = new Params(7);
      const v = [Array.from(p.weight('a', [4, 4], 4).dataSync()), Array.from(p.weight('b', [3], 3).dataSync())];
      p.dispose();
      return v;
    };
    const wasm = init();
    await tf.setBackend('cpu');
    try {
      expect(init()).toEqual(wasm);
    } finally {
      await tf.setBackend('wasm');
    }
  });
});

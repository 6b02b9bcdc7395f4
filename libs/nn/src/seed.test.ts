import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from './errors';
import { SeedSequence, assertPositiveInt, checkSeed, createRng, seedGlobalRandom, shuffledIndices } from './seed';
import { useTestBackend } from './testing/backend';

beforeAll(async () => {
  await useTestBackend();
});

const draw = (rng: { next(): number }, n: number) => Array.from({ length: n }, () => rng.next());

describe('createRng', () => {
  it('same seed and purpose: same stream; values in [0, 1)', () => {
    const a = draw(createRng(3, 'shuffle'), 100);
    expect(draw(createRng(3, 'shuffle'), 100)).toEqual(a);
    expect(a.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(a).size).toBe(100);
  });

  it('a different purpose or seed gives a different stream', () => {
    const a = draw(createRng(3, 'shuffle'), 10);
    expect(draw(createRng(3, 'sample'), 10)).not.toEqual(a);
    expect(draw(createRng(4, 'shuffle'), 10)).not.toEqual(a);
    expect(draw(createRng(3), 10)).not.toEqual(a);
  });

  it('saved state restores the stream exactly where it was, also through JSON and twice over', () => {
    const a = createRng(11, 'sample');
    draw(a, 37);
    const saved = JSON.parse(JSON.stringify(a.state())) as object;
    const rest = draw(a, 50);
    const b = createRng(0, '', saved); // the seed is ignored when a state is given
    expect(draw(b, 20)).toEqual(rest.slice(0, 20));
    const c = createRng(11, 'sample', b.state());
    expect(draw(c, 30)).toEqual(rest.slice(20));
  });

  it('rejects a bad seed when there is no state', () => {
    expect(() => createRng(0, 'x')).toThrow(ConfigError);
  });
});

describe('checkSeed', () => {
  it('accepts 1 .. 2^31-1 and rejects 0, -1, 1.5, 2^31, NaN', () => {
    expect(checkSeed(1)).toBe(1);
    expect(checkSeed(2 ** 31 - 1)).toBe(2 ** 31 - 1);
    for (const s of [0, -1, 1.5, 2 ** 31, Number.NaN]) expect(() => checkSeed(s)).toThrow(ConfigError);
    expect(() => checkSeed(0)).toThrow(/tfjs treats 0 as "unseeded"\), got 0$/);
  });

  it('assertPositiveInt', () => {
    expect(assertPositiveInt('epochs', 3)).toBe(3);
    for (const v of [0, -2, 2.5])
      expect(() => assertPositiveInt('epochs', v)).toThrow(`epochs must be a positive integer, got ${v}`);
  });
});

describe('SeedSequence', () => {
  it('is deterministic: the same seed gives the same sequence (fixed values, checkpoints rely on them)', () => {
    const s = new SeedSequence(7);
    expect([s.next(), s.next(), s.next()]).toEqual([7007941, 7015860, 7023779]);
    const a = new SeedSequence(12345);
    const b = new SeedSequence(12345);
    expect(Array.from({ length: 50 }, () => a.next())).toEqual(Array.from({ length: 50 }, () => b.next()));
  });

  it('never returns 0 and stays within 1 .. 2^31-2, also for the largest seeds', () => {
    for (const seed of [1, 2, 2147, 2 ** 31 - 2, 2 ** 31 - 1]) {
      const s = new SeedSequence(seed);
      const seeds = Array.from({ length: 1000 }, () => s.next());
      expect(seeds.every((v) => Number.isInteger(v) && v >= 1 && v <= 2 ** 31 - 2)).toBe(true);
      expect(new Set(seeds).size).toBe(1000);
    }
  });

  it('rejects a bad seed', () => {
    expect(() => new SeedSequence(0)).toThrow(ConfigError);
  });

  it('a SeedSequence seed gives identical tf.randomUniform values on cpu and wasm', async () => {
    const draw = () => {
      const s = new SeedSequence(5);
      return [
        tf.randomUniform([3, 5], -1, 1, 'float32', s.next()),
        tf.randomUniform([7], 0, 1, 'float32', s.next()),
      ].map((t) => Array.from(t.dataSync()));
    };
    expect(tf.getBackend()).toBe('wasm');
    const wasm = draw();
    await tf.setBackend('cpu');
    try {
      const cpu = draw();
      expect(cpu).toEqual(wasm);
    } finally {
      await tf.setBackend('wasm');
    }
    expect(draw()).toEqual(wasm); // and reproducible on the same backend
    expect(wasm[0]).not.toEqual(wasm[1].slice(0, 15));
    expect(wasm[0].every((v) => v >= -1 && v < 1)).toBe(true);
  });
});

describe('shuffledIndices', () => {
  it('is a permutation of 0..n-1, the same for the same stream, different for another', () => {
    const p = shuffledIndices(200, createRng(1, 's'));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(Array.from(shuffledIndices(200, createRng(1, 's')))).toEqual(Array.from(p));
    expect(Array.from(shuffledIndices(200, createRng(2, 's')))).not.toEqual(Array.from(p));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('handles 0 and 1 elements', () => {
    expect(Array.from(shuffledIndices(0, createRng(1)))).toEqual([]);
    expect(Array.from(shuffledIndices(1, createRng(1)))).toEqual([0]);
  });

  it('is roughly uniform: each of the 6 orders of 3 elements appears', () => {
    const rng = createRng(9, 'u');
    const counts = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const key = Array.from(shuffledIndices(3, rng)).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(150);
  });
});

describe('seedGlobalRandom', () => {
  it('fixes Math.random to the seed', () => {
    const original = Math.random;
    try {
      seedGlobalRandom(42);
      const a = [Math.random(), Math.random()];
      seedGlobalRandom(42);
      expect([Math.random(), Math.random()]).toEqual(a);
      seedGlobalRandom(43);
      expect(Math.random()).not.toBe(a[0]);
    } finally {
      Math.random = original;
    }
  });
});

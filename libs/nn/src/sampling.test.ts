import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AutoregressiveModel, levelsToInput } from './model';
import { createRng } from './seed';
import { drawLevel, sampleImages } from './sampling';
import { useTestBackend } from './testing/backend';

/** p(x_i = 1) = 0.9 if the previous pixel in raster order is 1, else 0.2 (the first pixel: 0.2). */
function markovModel(): AutoregressiveModel {
  const logitsFromInput = (input: tf.Tensor4D) =>
    tf.tidy(() => {
      const [b, h, w] = input.shape;
      const flat = tf.reshape(input, [b, h * w]);
      const prev = tf.concat([tf.zeros([b, 1]), tf.slice(flat, [0, 0], [b, h * w - 1])], 1);
      const p1 = tf.add(0.2, tf.mul(prev, 0.7));
      const logits = tf.stack([tf.log(tf.sub(1, p1)), tf.log(p1)], -1);
      return tf.reshape(logits, [b, h, w, 1, 2]) as tf.Tensor5D;
    });
  return {
    name: 'markov',
    config: { channels: 1, levels: 2 },
    trainableVariables: [],
    dispose: () => {},
    logitsFromInput,
    logits: (x) => logitsFromInput(levelsToInput(x, 2)),
  };
}

beforeAll(async () => {
  await useTestBackend();
});

describe('sampleImages', () => {
  it('is reproducible for a seed and differs across seeds', async () => {
    const m = markovModel();
    const a = await sampleImages(m, { count: 3, height: 4, width: 5, seed: 4 });
    expect(await sampleImages(m, { count: 3, height: 4, width: 5, seed: 4 })).toEqual(a);
    expect(await sampleImages(m, { count: 3, height: 4, width: 5, seed: 5 })).not.toEqual(a);
  });

  it("follows the model's conditionals", async () => {
    const x = await sampleImages(markovModel(), { count: 40, height: 10, width: 10, seed: 1 });
    let after1 = 0;
    let ones = 0;
    for (let n = 0; n < 40; n++) {
      for (let i = 1; i < 100; i++) {
        if (x[n * 100 + i - 1] === 1) {
          after1++;
          ones += x[n * 100 + i];
        }
      }
    }
    expect(ones / after1).toBeGreaterThan(0.85);
    expect(ones / after1).toBeLessThan(0.95);
  });

  it('rejects a non-positive temperature', async () => {
    await expect(
      sampleImages(markovModel(), { count: 1, height: 2, width: 2, seed: 1, temperature: 0 }),
    ).rejects.toThrow(/temperature/);
  });
});

describe('drawLevel', () => {
  it('a low temperature picks the most likely level, a high one spreads out', () => {
    const rng = createRng(1, 'test');
    const cold = Array.from({ length: 200 }, () => drawLevel([0, 1, 0.5], 0.05, rng));
    expect(cold.every((q) => q === 1)).toBe(true);
    const hot = Array.from({ length: 2000 }, () => drawLevel([0, 1, 0.5], 100, rng));
    for (const q of [0, 1, 2]) expect(hot.filter((v) => v === q).length / 2000).toBeGreaterThan(0.28);
  });
});

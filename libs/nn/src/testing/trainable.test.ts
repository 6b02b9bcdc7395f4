import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AutoregressiveModel, levelsToInput } from '../model';
import { Params } from '../params';
import { useTestBackend } from './backend';
import { expectTrainable } from './trainable';

/** logits = input * a (+ b when `useB`), reshaped; `leak` keeps one tensor alive per call. */
function model(useB: boolean, leak: boolean): AutoregressiveModel {
  const p = new Params(1);
  const a = p.weight('a', [1], 1);
  const b = p.weight('b', [1], 1);
  const kept: tf.Tensor[] = [];
  const logitsFromInput = (x: tf.Tensor4D) => {
    const y = tf.tidy(() => {
      const z = tf.mul(x, a);
      return tf.reshape(tf.stack([useB ? tf.add(z, b) : z, tf.zerosLike(z)], -1), [...x.shape, 2]) as tf.Tensor5D;
    });
    if (leak) kept.push(tf.keep(tf.clone(y)));
    return y;
  };
  return {
    name: 'toy',
    config: { channels: 1, levels: 2 },
    trainableVariables: p.variables,
    dispose: () => p.dispose(),
    logitsFromInput,
    logits: (x) => logitsFromInput(levelsToInput(x, 2)),
  };
}

beforeAll(async () => {
  await useTestBackend();
});

describe('expectTrainable', () => {
  const x = () => tf.tensor4d([1, 0, 1, 1], [1, 2, 2, 1], 'int32');

  it('passes a model whose variables all get gradients', async () => {
    await expect(expectTrainable(model(true, false), x())).resolves.toBeUndefined();
  });

  it('names a variable that gets no gradient', async () => {
    await expect(expectTrainable(model(false, false), x())).rejects.toThrow(
      /toy: no gradient reaches variable 1 \[1\]/,
    );
  });

  it('catches a leak', async () => {
    await expect(expectTrainable(model(true, true), x())).rejects.toThrow(/toy: 1 tensor\(s\) leaked/);
  });
});

/**
 * The training-plumbing check every model shares: one loss on the model's logits gives every trainable variable
 * a finite, non-zero gradient, and a second identical step leaves the tensor count where it was (no leaks).
 */
import * as tf from '@tensorflow/tfjs';
import type { AutoregressiveModel } from '../model';

/** Rejects with an Error naming the variables without a gradient, or the number of leaked tensors. */
export async function expectTrainable(
  model: AutoregressiveModel,
  x: tf.Tensor4D,
  condition?: tf.Tensor,
): Promise<void> {
  const variables = model.trainableVariables;
  const step = async () => {
    const [loss, maxima] = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.square(model.logits(x, condition))) as tf.Scalar,
        variables,
      );
      return [value, tf.stack(variables.map((v) => (grads[v.name] ? tf.max(tf.abs(grads[v.name])) : tf.scalar(0))))];
    });
    const [l, m] = await Promise.all([loss.data(), maxima.data()]);
    tf.dispose([loss, maxima]);
    if (!Number.isFinite(l[0])) throw new Error(`${model.name}: the loss is ${l[0]}`);
    return Array.from(m);
  };
  const first = await step();
  const before = tf.memory().numTensors;
  await step();
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`${model.name}: ${leaked} tensor(s) leaked by one training step`);
  const dead = first.flatMap((g, i) => (g > 0 && Number.isFinite(g) ? [] : [`variable ${i} [${variables[i].shape}]`]));
  if (dead.length > 0) throw new Error(`${model.name}: no gradient reaches ${dead.join(', ')}`);
}

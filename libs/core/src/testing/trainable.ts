/**
 * The training-plumbing check every model shares: one loss on the model's logits gives every trainable variable
 * a finite, non-zero gradient, and a second identical step leaves the tensor count where it was (no leaks).
 */
import * as tf from '@tensorflow/tfjs';
import type { AutoregressiveModel } from '../model';

/** Throws an Error naming the variables without a gradient, or the number of leaked tensors. */
export function expectTrainable(model: AutoregressiveModel, x: tf.Tensor4D, condition?: tf.Tensor): void {
  const variables = model.trainableVariables;
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.logits(x, condition))) as tf.Scalar, variables);
      if (!Number.isFinite(value.dataSync()[0])) throw new Error(`${model.name}: the loss is ${value.dataSync()[0]}`);
      return variables.map((v) => (grads[v.name] ? tf.max(tf.abs(grads[v.name])).dataSync()[0] : 0));
    });
  const first = step();
  const before = tf.memory().numTensors;
  step();
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`${model.name}: ${leaked} tensor(s) leaked by one training step`);
  const dead = first.flatMap((g, i) => (g > 0 && Number.isFinite(g) ? [] : [`variable ${i} [${variables[i].shape}]`]));
  if (dead.length > 0) throw new Error(`${model.name}: no gradient reaches ${dead.join(', ')}`);
}

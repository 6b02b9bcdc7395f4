/**
 * The gated activation unit of the Gated PixelCNN paper (eq. 2): y = tanh(W_f * x) ⊙ σ(W_g * x).
 * It takes the two pre-activations as separate tensors: models compute them with the halves of their weights,
 * because splitting one [.., 2F] activation along channels (and concatenating its gradient) costs more than the
 * convolutions themselves on wasm for small F. The gradient is written by hand.
 */
import * as tf from '@tensorflow/tfjs';

export const gatedActivation = tf.customGrad(((...args: unknown[]) => {
  const [f, g, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
  // tanh(f) = 2σ(2f) - 1: wasm's sigmoid kernel is vectorised, its tanh is ~7x slower.
  const t = tf.sub(tf.mul(tf.sigmoid(tf.mul(f, 2)), 2), 1);
  const s = tf.sigmoid(g);
  save([t, s]);
  return {
    value: tf.mul(t, s) as tf.Tensor4D,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [ts, ss] = saved;
      const df = tf.mul(dy, tf.mul(ss, tf.sub(1, tf.square(ts)))); // σ(g) (1 - tanh² f)
      const dg = tf.mul(dy, tf.mul(ts, tf.mul(ss, tf.sub(1, ss)))); // tanh f σ(g) (1 - σ(g))
      return [df, dg];
    },
  };
}) as Parameters<typeof tf.customGrad>[0]) as (f: tf.Tensor4D, g: tf.Tensor4D) => tf.Tensor4D;

/** The f and g halves of a weight or bias whose last axis is [f | g] (cheap: weights are small). */
export function gateHalves<T extends tf.Tensor>(w: T): { f: T; g: T } {
  const [f, g] = tf.split(w, 2, w.rank - 1) as T[];
  return { f, g };
}

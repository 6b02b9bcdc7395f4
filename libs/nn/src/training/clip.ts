/** Clipping by global gradient norm, shared by the optimizers' plain-op paths. */
import * as tf from '@tensorflow/tfjs';
import { onWebgpu } from '../webgpu/program';

/**
 * The factor that brings the gradients' global L2 norm down to `clipNorm` (a scalar tensor, exactly 1 when the
 * norm is within the bound), or undefined when clipping is off. Computed on the device: no read-back. Call it
 * inside a tidy.
 */
export function clipScale(grads: tf.Tensor[], clipNorm: number | undefined): tf.Scalar | undefined {
  if (!clipNorm) return undefined;
  const squares = grads.map((g) => tf.sum(tf.square(g)));
  // tfjs-webgpu's AddN binds every input to one kernel and breaks past 7 (the storage-buffer limit): stack there.
  const total = onWebgpu() ? tf.sum(tf.stack(squares)) : tf.addN(squares);
  return tf.div(clipNorm, tf.maximum(tf.sqrt(total), clipNorm));
}

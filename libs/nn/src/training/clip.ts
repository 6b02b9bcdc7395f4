/**
 * Clipping by global gradient norm, shared by the optimizers: a factor on the device (plain-op paths) or a number
 * (kernel paths).
 */
import * as tf from '@tensorflow/tfjs';
import { readScalar } from '../tidy-read';
import { onWebgpu } from '../webgpu/program';
import { SUM_OF_SQUARES_KERNEL } from '../wasm-kernels';

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

/**
 * The same factor as a number, for optimizers that update in a kernel of their own (wasm): the squared norm of all
 * gradients is one kernel there; 1 when `clipNorm` is unset.
 */
export async function clipFactor(grads: tf.Tensor[], clipNorm: number | undefined): Promise<number> {
  if (!clipNorm) return 1;
  const inputs = Object.fromEntries(grads.map((g, i) => [`g${i}`, g]));
  const total = tf.getKernel(SUM_OF_SQUARES_KERNEL, tf.getBackend())
    ? (tf.engine().runKernel(SUM_OF_SQUARES_KERNEL, inputs, {}) as tf.Scalar)
    : tf.tidy(() => tf.addN(grads.map((g) => tf.sum(tf.square(g)))) as tf.Scalar);
  const sum = await readScalar(total);
  total.dispose();
  return clipNorm / Math.max(Math.sqrt(sum), clipNorm);
}

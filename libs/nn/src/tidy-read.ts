import * as tf from '@tensorflow/tfjs';
import { throwIfWebgpuFailed } from './webgpu/device-errors';

/**
 * Runs `f` inside tf.tidy and resolves to the float32 values of the tensor it builds; every tensor is released.
 * Asynchronous because the webgpu backend can only read back asynchronously in Node (its synchronous path needs
 * a DOM canvas); on wasm and cpu the promise resolves at once.
 * Read outside the tidy: tf.tidy walks whatever its callback returns, element by element, looking for tensors
 * to keep, so `tf.tidy(() => t.dataSync())` costs ~100 ms for 262,144 floats on wasm, ten times the 512x512
 * matmul that made them (measured; it made every sampled pixel and benchmark read pay that walk).
 */
export async function tidyRead(f: () => tf.Tensor): Promise<Float32Array> {
  const t = tf.tidy(f);
  try {
    if (t.dtype !== 'float32') throw new TypeError(`tidyRead reads float32 tensors, got ${t.dtype}`);
    const values = (await t.data()) as Float32Array;
    throwIfWebgpuFailed();
    return values;
  } finally {
    t.dispose();
  }
}

/** The single value of a scalar (or one-element) tensor, read asynchronously. */
export async function readScalar(t: tf.Tensor): Promise<number> {
  const value = (await t.data())[0];
  throwIfWebgpuFailed();
  return value;
}

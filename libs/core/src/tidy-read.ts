import * as tf from '@tensorflow/tfjs';

/**
 * Runs `f` inside tf.tidy and returns the float32 values of the tensor it builds; every tensor is released.
 * Read outside the tidy: tf.tidy walks whatever its callback returns, element by element, looking for tensors
 * to keep, so `tf.tidy(() => t.dataSync())` costs ~100 ms for 262,144 floats on wasm, ten times the 512x512
 * matmul that made them (measured; it made every sampled pixel and benchmark read pay that walk).
 */
export function tidyRead(f: () => tf.Tensor): Float32Array {
  const t = tf.tidy(f);
  try {
    if (t.dtype !== 'float32') throw new TypeError(`tidyRead reads float32 tensors, got ${t.dtype}`);
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

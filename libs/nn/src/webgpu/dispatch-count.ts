/**
 * Counts the compute dispatches that a synchronous block makes on the webgpu backend. Every tfjs webgpu program
 * goes through the backend's `recordAndSubmit` (one compute pass, one dispatch) unless it has an empty output, so
 * wrapping that method counts kernels launched, whatever the device (SwiftShader counts as a GPU would).
 * Ops that tfjs forwards to its CPU implementations (small inputs still on the host) are not dispatches and are
 * not counted.
 */
import * as tf from '@tensorflow/tfjs';

export function countWebgpuDispatches<T>(f: () => T): { result: T; dispatches: number } {
  if (tf.getBackend() !== 'webgpu')
    throw new Error(`countWebgpuDispatches: the active backend is ${tf.getBackend()}, not webgpu`);
  const backend = tf.backend() as unknown as { recordAndSubmit: (...args: unknown[]) => unknown };
  const original = backend.recordAndSubmit;
  let dispatches = 0;
  backend.recordAndSubmit = function (this: unknown, ...args: unknown[]) {
    dispatches += 1;
    return original.apply(this, args);
  };
  try {
    const result = f();
    if (result instanceof Promise)
      throw new Error('countWebgpuDispatches: f must be synchronous (an awaited part would not be counted)');
    return { result, dispatches };
  } finally {
    backend.recordAndSubmit = original;
  }
}

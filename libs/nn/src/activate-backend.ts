/**
 * Starting a tfjs backend that needs nothing from the host: wasm (with this lib's faster kernels) and the pure-JS
 * cpu backend. Choosing among all backends (tfjs-node, WebGPU through Dawn) is the lab's `initBackend`.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendError } from './errors';
import { useFastWasmKernels } from './wasm-kernels';

export async function activateBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new BackendError(`tfjs could not initialise backend "${name}"`);
  await tf.ready();
}

export async function activateWasm(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  await activateBackend('wasm');
  useFastWasmKernels(); // the stock Slice copies its whole input out of the wasm heap first, Identity copies it
}

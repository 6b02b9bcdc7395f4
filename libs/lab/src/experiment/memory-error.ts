/**
 * Out-of-memory failures of a backend (a huge --batch): the wasm backend dies with a raw `Aborted()` or
 * `memory access out of bounds` RuntimeError, tfjs-node / WebGPU with an allocation error. They become one clear
 * error with a memory hint instead of a raw abort or a stack trace.
 */
import { ConfigError } from '@pixel-models/nn';

const MEMORY_FAILURE =
  /Aborted\(|memory access out of bounds|out of memory|Cannot enlarge memory|Array buffer allocation failed|OOM when allocating|failed to allocate|Invalid typed array length|Array buffer allocation/i;

/** Whether `e` is a backend running out of memory (a WebAssembly RuntimeError is one: its heap is exhausted or corrupt). */
export function isMemoryFailure(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return (
    e.name === 'RuntimeError' ||
    (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) ||
    MEMORY_FAILURE.test(e.message)
  );
}

/** The clear error for a memory failure while training or scoring batches of `batch` images on `backend`. */
export function memoryError(e: unknown, backend: string, batch: number): ConfigError {
  const raw = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const heap =
    backend === 'wasm'
      ? "the wasm backend has at most 4 GiB of memory, and a batch needs memory for every layer's activations and gradients of all its images"
      : "a batch needs memory for every layer's activations and gradients of all its images";
  return new ConfigError(
    `out of memory on the ${backend} backend with --batch ${batch} (${raw}): ${heap}; give a smaller --batch (e.g. 16 to 256)${backend === 'wasm' ? ', or a GPU backend (--backend webgpu or tensorflow)' : ''}`,
  );
}

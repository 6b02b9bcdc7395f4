/** What this library's own wasm kernels use of the tfjs wasm backend (4.22): its heap and tensors' places in it. */
import type * as tf from '@tensorflow/tfjs';

export interface WasmTensorInfo {
  dataId: object;
  shape: number[];
  dtype: tf.DataType;
}

export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): WasmTensorInfo;
  typedArrayFromHeap(t: WasmTensorInfo): tf.TypedArray;
  incRef(dataId: object): void;
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  // The heap: the plain build exports it, the threaded build (shared memory) creates it and keeps it here.
  wasm: { asm: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory };
}

/** A kernel function's argument. */
export type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };

/** The backend's heap. */
export const heapOf = (backend: WasmBackendLike) =>
  (backend.wasm.wasmMemory ?? backend.wasm.asm.memory) as WebAssembly.Memory;

/** A tensor's byte address in the heap (0 for none). */
export const heapAddress = (backend: WasmBackendLike, t: WasmTensorInfo | undefined) =>
  t ? backend.dataIdMap.get(t.dataId).memoryOffset : 0;

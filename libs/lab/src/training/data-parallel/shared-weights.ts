/**
 * The memory the data-parallel threads share: every trainable parameter in one SharedArrayBuffer, flat in
 * `trainableVariables` order (the main thread writes it before each step, the workers read it), and per worker one
 * buffer of the same layout for its shard's gradients (the worker writes it, the main thread reads it).
 */
import * as tf from '@tensorflow/tfjs';

/** Where each variable lies in a flat buffer: its shape, and its offset in floats. */
export interface ParameterLayout {
  shapes: number[][];
  offsets: number[];
  /** Floats in all: the buffer's length. */
  size: number;
}

export function layoutOf(variables: readonly tf.Variable[]): ParameterLayout {
  const offsets: number[] = [];
  let size = 0;
  for (const v of variables) {
    offsets.push(size);
    size += v.size;
  }
  return { shapes: variables.map((v) => [...v.shape]), offsets, size };
}

/** A float32 view of `size` floats over fresh shared memory. */
export const sharedFloats = (size: number): Float32Array =>
  new Float32Array(new SharedArrayBuffer(size * Float32Array.BYTES_PER_ELEMENT));

/** Says how two layouts differ (a replica built from another config), or undefined when they are the same. */
export function layoutMismatch(expected: ParameterLayout, got: ParameterLayout): string | undefined {
  if (expected.shapes.length !== got.shapes.length)
    return `${got.shapes.length} trainable variables, expected ${expected.shapes.length}`;
  const i = expected.shapes.findIndex((s, k) => s.join('x') !== got.shapes[k].join('x'));
  return i < 0
    ? undefined
    : `variable ${i} has shape [${got.shapes[i].join(', ')}], expected [${expected.shapes[i].join(', ')}]`;
}

/** Copies tensors (variables, gradients: one per layout entry) into `flat`. Async reads: no dataSync. */
export async function writeFlat(
  tensors: readonly tf.Tensor[],
  flat: Float32Array,
  layout: ParameterLayout,
): Promise<void> {
  const values = await Promise.all(tensors.map((t) => t.data<'float32'>()));
  values.forEach((v, i) => flat.set(v, layout.offsets[i]));
}

/** Tensors (one per layout entry) holding a copy of `flat`'s slices: the caller disposes them. */
export const tensorsOf = (flat: Float32Array, layout: ParameterLayout): tf.Tensor[] =>
  layout.shapes.map((shape, i) =>
    // slice: a copy, so no backend keeps a view of memory another thread will write
    tf.tensor(flat.slice(layout.offsets[i], layout.offsets[i + 1] ?? layout.size), shape, 'float32'),
  );

/** Sets each variable to its slice of `flat`. */
export function assignFlat(variables: readonly tf.Variable[], flat: Float32Array, layout: ParameterLayout): void {
  tf.tidy(() => tensorsOf(flat, layout).forEach((t, i) => variables[i].assign(t)));
}

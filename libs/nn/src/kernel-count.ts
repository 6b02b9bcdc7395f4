/**
 * How many kernels a piece of work launches: on a GPU the fixed cost of a small training step is its number of
 * dispatches. On webgpu every compute dispatch is counted as it is recorded; on other backends the kernels that
 * tf.profile lists, less those that move no data (reshapes, identities that share their input's buffer, and the
 * scopes tfjs lists for custom gradients).
 */
import * as tf from '@tensorflow/tfjs';

/** Kernels that launch no work: a reshape shares its buffer; Identity shares it on webgpu, cpu and (nn's) wasm. */
export const NO_OP_KERNELS: ReadonlySet<string> = new Set(['Reshape', 'Identity']);

export interface KernelCount {
  /** Kernels that do work (dispatches on webgpu). */
  kernels: number;
  /** The same, by kernel name (webgpu: by program name). */
  byName: Map<string, number>;
}

export async function countKernels(f: () => Promise<unknown>): Promise<KernelCount> {
  const byName = new Map<string, number>();
  const add = (name: string) => byName.set(name, (byName.get(name) ?? 0) + 1);
  if (tf.getBackend() === 'webgpu') {
    const backend = tf.backend() as unknown as {
      recordAndSubmit: (program: { shaderKey?: string }, ...rest: unknown[]) => unknown;
    };
    const original = backend.recordAndSubmit;
    backend.recordAndSubmit = function (this: unknown, program: { shaderKey?: string }, ...rest: unknown[]) {
      add((program.shaderKey ?? 'program').split('_')[0]);
      return original.call(this, program, ...rest);
    };
    try {
      await f();
    } finally {
      backend.recordAndSubmit = original;
    }
  } else {
    const profile = await tf.profile(async () => {
      await f();
    });
    for (const k of profile.kernels) if (!NO_OP_KERNELS.has(k.name) && !k.name.startsWith('unnamed')) add(k.name);
  }
  return { kernels: [...byName.values()].reduce((a, b) => a + b, 0), byName };
}

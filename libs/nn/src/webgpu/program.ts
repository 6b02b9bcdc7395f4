/**
 * The one WebGPU program shape every fused kernel here uses: a flat 1-D dispatch of `threads` invocations, each
 * running `body` with `index` (its flat thread id). Inputs are read as raw arrays named by `variableNames`
 * (`array<f32>`, `array<i32>` for int32), the output is written with `result[i] = ...` (a thread may write more
 * than one element). Sizes reach the shader as uniforms, never baked into the code, so one compiled pipeline per
 * kernel and rank serves every shape (tfjs keys its pipeline cache on `shaderKey` + ranks + dtypes only).
 *
 * Only types come from tfjs-backend-webgpu: importing the package registers its backend and flags, which is the
 * backend selector's decision (see ../backend.ts), not this module's.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export type Uniform = { type: 'float32' | 'int32'; data: number[] };

const WORKGROUP = 64;

/** Numerically careful activations shared by the kernels (WGSL). */
export const WGSL_ACTIVATIONS = `
  // σ(x) = 1 / (1 + e^-x): exact limits 0 and 1, no NaN for large |x|. 1 - σ(x) is taken as σ(-x) (no cancellation).
  fn pmSigmoid(x : f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
  // tanh via e^-2|x| (WGSL's tanh may return NaN for large |x| on some drivers); near 0 that form loses relative
  // precision to cancellation, so |x| < 0.2 uses the odd Taylor series to x^9 (truncation < 1e-9 relative).
  fn pmTanh(x : f32) -> f32 {
    let a = abs(x);
    if (a < 0.2) {
      let x2 = x * x;
      return x * (1.0 + x2 * (-1.0 / 3.0 + x2 * (2.0 / 15.0 + x2 * (-17.0 / 315.0 + x2 * (62.0 / 2835.0)))));
    }
    let e = exp(-2.0 * a);
    return sign(x) * (1.0 - e) / (1.0 + e);
  }
`;

class FusedProgram implements WebGPUProgram {
  readonly dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly uniforms: string;

  constructor(
    public shaderKey: string,
    readonly variableNames: string[],
    readonly outputShape: number[],
    threads: number,
    uniforms: string,
    private readonly body: string,
    private readonly helpers: string,
  ) {
    // A flat layout makes tfjs call main(getGlobalIndex()), which also holds when it folds a dispatch over 65535
    // workgroups into 2-D or 3-D.
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = [Math.ceil(threads / WORKGROUP), 1, 1];
    this.uniforms = `threads : i32, ${uniforms}`;
  }

  getUserCode(): string {
    return `
      ${this.helpers}
      fn main(index : i32) {
        if (index >= uniforms.threads) { return; }
        ${this.body}
      }`;
  }
}

export interface FusedProgramSpec {
  /** Unique per distinct WGSL text (tfjs caches compiled pipelines by it). */
  key: string;
  inputs: tf.TensorInfo[];
  /** WGSL names of the inputs, in order. */
  names: string[];
  outputShape: number[];
  outputDtype?: tf.DataType;
  /** Invocations; defaults to the output's size (one per element). */
  threads?: number;
  /** Extra uniforms: WGSL declarations (`"n : i32, lr : f32,"`) and their values in the same order. */
  uniforms?: { decl: string; values: Uniform[] };
  body: string;
  helpers?: string;
}

/** Runs one fused program: exactly one compute dispatch (none for an empty output). */
export function runFused(backend: unknown, spec: FusedProgramSpec): tf.TensorInfo {
  const threads = spec.threads ?? tf.util.sizeFromShape(spec.outputShape);
  const program = new FusedProgram(
    `PixelModels_${spec.key}`,
    spec.names,
    spec.outputShape,
    threads,
    spec.uniforms?.decl ?? '',
    spec.body,
    `${WGSL_ACTIVATIONS}\n${spec.helpers ?? ''}`,
  );
  const uniforms: Uniform[] = [{ type: 'int32', data: [threads] }, ...(spec.uniforms?.values ?? [])];
  return (backend as WebGPUBackend).runWebGPUProgram(program, spec.inputs, spec.outputDtype ?? 'float32', uniforms);
}

/** Registers kernels for the webgpu backend unless already there (safe to call on every op). */
export function ensureWebgpuKernels(configs: readonly tf.KernelConfig[]): void {
  for (const config of configs) {
    if (!tf.getKernel(config.kernelName, 'webgpu')) tf.registerKernel(config);
  }
}

/** Registers gradients unless already there (registering twice makes tfjs warn). */
export function ensureGradients(configs: readonly tf.GradConfig[]): void {
  for (const config of configs) {
    if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
  }
}

export const onWebgpu = (): boolean => tf.getBackend() === 'webgpu';

export const f32 = (...data: number[]): Uniform => ({ type: 'float32', data });
export const i32 = (...data: number[]): Uniform => ({ type: 'int32', data });

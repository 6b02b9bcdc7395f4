/**
 * Adam over many variables with flat state: mv = [m (N) | v (N)] for all N trainable numbers, the gradients
 * concatenated into gflat (N) in the same order. Two fused kernels, no read-back:
 *  - fusedAdamMoments: new [m | v] in 1 dispatch. The gradient is scaled by clipNorm / max(‖g‖, clipNorm)
 *    (= min(1, clipNorm/‖g‖), exactly 1 within the bound; the same form as ../training/adam.ts) when clipNorm > 0.
 *  - fusedAdamApply: one variable's new value, param - lrT · m / (√v + ε), in 1 dispatch per variable.
 * Both return their input unchanged when `loss` is NaN or ±Inf, so a bad step is skipped on the device: the caller
 * may then also leave its step count alone (lrT is a uniform: changing it every step compiles nothing).
 */
import * as tf from '@tensorflow/tfjs';
import { ensureWebgpuKernels, f32, i32, onWebgpu, runFused } from './program';

export interface AdamMomentsParams {
  beta1: number;
  beta2: number;
  /** 0 or less: no clipping. */
  clipNorm: number;
}

export interface AdamApplyParams {
  /** Bias-corrected learning rate: lr · √(1 - β2^t) / (1 - β1^t). */
  lrT: number;
  epsilon: number;
  /** Total trainable numbers (length of m, half of mv). */
  N: number;
}

const MOMENTS = 'PixelModelsAdamMoments';
const APPLY = 'PixelModelsAdamApply';

type Args = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };

// The loss is finite unless NaN or ±Inf (isnan/isinf come with every tfjs webgpu shader; isnan works on the bits,
// so fast-math cannot fold it away).
const SKIP = 'let skip = isnan(loss[0]) || isinf(loss[0]);';

function moments({ inputs, attrs, backend }: Args): tf.TensorInfo {
  const { mv, grad, sumSquares, loss } = inputs as Record<string, tf.TensorInfo>;
  const { beta1, beta2, clipNorm } = attrs as unknown as AdamMomentsParams;
  return runFused(backend, {
    key: 'adam_moments',
    inputs: [mv, grad, sumSquares, loss],
    names: ['mv', 'grad', 'sumSquares', 'loss'],
    outputShape: mv.shape,
    uniforms: {
      decl: 'n : i32, beta1 : f32, beta2 : f32, clipNorm : f32,',
      values: [i32(grad.shape[0]), f32(beta1), f32(beta2), f32(clipNorm)],
    },
    body: `
      ${SKIP}
      let old = mv[index];
      let isM = index < uniforms.n;
      var g = grad[select(index - uniforms.n, index, isM)];
      if (uniforms.clipNorm > 0.0) {
        g = g * (uniforms.clipNorm / max(sqrt(sumSquares[0]), uniforms.clipNorm));
      }
      let updated = select(uniforms.beta2 * old + (1.0 - uniforms.beta2) * g * g, uniforms.beta1 * old + (1.0 - uniforms.beta1) * g, isM);
      result[index] = select(updated, old, skip);`,
  });
}

function apply({ inputs, attrs, backend }: Args): tf.TensorInfo {
  const { param, mv, loss } = inputs as Record<string, tf.TensorInfo>;
  const { offset, lrT, epsilon, N } = attrs as unknown as AdamApplyParams & { offset: number };
  return runFused(backend, {
    key: 'adam_apply',
    inputs: [param, mv, loss],
    names: ['param', 'mv', 'loss'],
    outputShape: param.shape,
    uniforms: {
      decl: 'offset : i32, n : i32, lrT : f32, epsilon : f32,',
      values: [i32(offset), i32(N), f32(lrT), f32(epsilon)],
    },
    body: `
      ${SKIP}
      let p = param[index];
      let k = uniforms.offset + index;
      let step = uniforms.lrT * mv[k] / (sqrt(mv[uniforms.n + k]) + uniforms.epsilon);
      result[index] = select(p - step, p, skip);`,
  });
}

export const adamKernels: readonly tf.KernelConfig[] = [
  { kernelName: MOMENTS, backendName: 'webgpu', kernelFunc: moments as tf.KernelFunc },
  { kernelName: APPLY, backendName: 'webgpu', kernelFunc: apply as tf.KernelFunc },
];

function checkMoments(mv: tf.Tensor, gflat: tf.Tensor, sumSquares: tf.Tensor, loss: tf.Tensor): void {
  if (mv.rank !== 1 || gflat.rank !== 1 || mv.size !== 2 * gflat.size || sumSquares.size !== 1 || loss.size !== 1) {
    throw new Error(
      `fusedAdamMoments: expected mv [2N], gflat [N] and scalar sumSquares, loss; got [${mv.shape}], [${gflat.shape}], [${sumSquares.shape}], [${loss.shape}]`,
    );
  }
}

function checkApply(param: tf.Tensor, mv: tf.Tensor, offset: number, N: number): void {
  if (mv.rank !== 1 || mv.size !== 2 * N || !Number.isInteger(offset) || offset < 0 || offset + param.size > N) {
    throw new Error(
      `fusedAdamApply: param of ${param.size} at offset ${offset} does not fit mv [${mv.shape}] with N = ${N}`,
    );
  }
}

/** Reference for fusedAdamMoments (same semantics, plain ops; the skip is a select, no read-back either). */
export function adamMomentsPlain(
  mv: tf.Tensor1D,
  gflat: tf.Tensor1D,
  sumSquares: tf.Scalar,
  loss: tf.Scalar,
  hp: AdamMomentsParams,
): tf.Tensor1D {
  checkMoments(mv, gflat, sumSquares, loss);
  return tf.tidy(() => {
    const N = gflat.size;
    const g =
      hp.clipNorm > 0 ? tf.mul(gflat, tf.div(hp.clipNorm, tf.maximum(tf.sqrt(sumSquares), hp.clipNorm))) : gflat;
    const [m, v] = tf.split(mv, [N, N]);
    const m1 = tf.add(tf.mul(m, hp.beta1), tf.mul(g, 1 - hp.beta1));
    const v1 = tf.add(tf.mul(v, hp.beta2), tf.mul(tf.square(g), 1 - hp.beta2));
    return tf.where(tf.isFinite(loss), tf.concat([m1, v1]), mv) as tf.Tensor1D;
  });
}

/** Reference for fusedAdamApply. */
export function adamApplyPlain<T extends tf.Tensor>(
  param: T,
  mv: tf.Tensor1D,
  offset: number,
  loss: tf.Scalar,
  hp: AdamApplyParams,
): T {
  checkApply(param, mv, offset, hp.N);
  return tf.tidy(() => {
    const m = tf.reshape(tf.slice(mv, offset, param.size), param.shape);
    const v = tf.reshape(tf.slice(mv, hp.N + offset, param.size), param.shape);
    const next = tf.sub(param, tf.mul(hp.lrT, tf.div(m, tf.add(tf.sqrt(v), hp.epsilon))));
    return tf.where(tf.isFinite(loss), next, param) as T;
  });
}

/**
 * New [m | v] (shape [2N]) from the old one, the flat gradient [N], its sum of squares Σg² (for clipping) and the
 * step's loss. Unchanged when the loss is not finite. On webgpu 1 dispatch; elsewhere adamMomentsPlain.
 */
export function fusedAdamMoments(
  mv: tf.Tensor1D,
  gflat: tf.Tensor1D,
  sumSquares: tf.Scalar,
  loss: tf.Scalar,
  hp: AdamMomentsParams,
): tf.Tensor1D {
  checkMoments(mv, gflat, sumSquares, loss);
  const allFloat = [mv, gflat, sumSquares, loss].every((t) => t.dtype === 'float32');
  if (!onWebgpu() || !allFloat) return adamMomentsPlain(mv, gflat, sumSquares, loss, hp);
  ensureWebgpuKernels(adamKernels);
  return tf.engine().runKernel(MOMENTS, { mv, grad: gflat, sumSquares, loss }, { ...hp }) as tf.Tensor1D;
}

/**
 * One variable's new value, param - lrT · m / (√v + ε) with m = mv[offset + k], v = mv[N + offset + k] for its
 * k-th element (any shape; offset: where the variable starts in the flat order). Unchanged when the loss is not
 * finite. On webgpu 1 dispatch; elsewhere adamApplyPlain.
 */
export function fusedAdamApply<T extends tf.Tensor>(
  param: T,
  mv: tf.Tensor1D,
  offset: number,
  loss: tf.Scalar,
  hp: AdamApplyParams,
): T {
  checkApply(param, mv, offset, hp.N);
  const allFloat = [param, mv, loss].every((t) => t.dtype === 'float32');
  if (!onWebgpu() || !allFloat) return adamApplyPlain(param, mv, offset, loss, hp);
  ensureWebgpuKernels(adamKernels);
  return tf.tidy(() => {
    const next = tf
      .engine()
      .runKernel(APPLY, { param: tf.reshape(param, [param.size]), mv, loss }, { offset, ...hp }) as tf.Tensor;
    return tf.reshape(next, param.shape) as T;
  });
}

/**
 * Per-image negative log-likelihood of discrete pixel levels under a softmax over Q levels:
 * nll[b] = -Σ_{h,w,c} log softmax(logits[b,h,w,c,:])[levels[b,h,w,c]].
 * On webgpu: forward = 1 fused kernel (per-position NLL, each thread a max-subtracted logsumexp over Q) + 1 tf.sum
 * per image = 2 dispatches; backward = 1 fused kernel writing (softmax - onehot) · dy[b], the softmax recomputed
 * from the saved logits (one thread per position, so its max and sum over Q are computed once, not Q times).
 * Levels are closed over rather than passed to customGrad: they are int32 and have no gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { ensureWebgpuKernels, i32, onWebgpu, runFused } from './program';

const FORWARD = 'PixelModelsSoftmaxXentNll';
const BACKWARD = 'PixelModelsSoftmaxXentGrad';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown };

// logits [B, P, Q] (P = H·W·C positions per image), levels [B, P] int32. Sets m (max) and s (Σ e^(x-m)) for the
// position whose logits start at `base`.
const LOGSUMEXP = `
      let Q = uniforms.levelCount;
      var m = logits[base];
      for (var q = 1; q < Q; q++) { m = max(m, logits[base + q]); }
      var s = 0.0;
      for (var q = 0; q < Q; q++) { s += exp(logits[base + q] - m); }`;

/** nll [B, P] from logits [B, P, Q] and levels [B, P]. */
function forward({ inputs, backend }: Args): tf.TensorInfo {
  const { logits, levels } = inputs as { logits: tf.TensorInfo; levels: tf.TensorInfo };
  const [B, P, Q] = logits.shape;
  return runFused(backend, {
    key: 'xent_fwd',
    inputs: [logits, levels],
    names: ['logits', 'levels'],
    outputShape: [B, P],
    uniforms: { decl: 'levelCount : i32,', values: [i32(Q)] },
    body: `
      let base = index * uniforms.levelCount;
      ${LOGSUMEXP}
      result[index] = log(s) + m - logits[base + levels[index]];`,
  });
}

/** d logits [B, P, Q] = (softmax - onehot(level)) · dy[b]; one thread per position writes its Q values. */
function backward({ inputs, backend }: Args): tf.TensorInfo {
  const { logits, levels, dy } = inputs as { logits: tf.TensorInfo; levels: tf.TensorInfo; dy: tf.TensorInfo };
  const [B, P, Q] = logits.shape;
  return runFused(backend, {
    key: 'xent_bwd',
    inputs: [logits, levels, dy],
    names: ['logits', 'levels', 'dy'],
    outputShape: [B, P, Q],
    threads: B * P,
    uniforms: { decl: 'levelCount : i32, positions : i32,', values: [i32(Q), i32(P)] },
    body: `
      let base = index * uniforms.levelCount;
      ${LOGSUMEXP}
      let d = dy[index / uniforms.positions];
      let scale = d / s;
      let level = levels[index];
      for (var q = 0; q < Q; q++) {
        result[base + q] = exp(logits[base + q] - m) * scale - select(0.0, d, q == level);
      }`,
  });
}

export const softmaxXentKernels: readonly tf.KernelConfig[] = [
  { kernelName: FORWARD, backendName: 'webgpu', kernelFunc: forward as tf.KernelFunc },
  { kernelName: BACKWARD, backendName: 'webgpu', kernelFunc: backward as tf.KernelFunc },
];

function check(logits: tf.Tensor, levels: tf.Tensor): void {
  const ok =
    logits.rank === 5 &&
    levels.rank === 4 &&
    levels.dtype === 'int32' &&
    logits.shape.slice(0, 4).every((d, i) => d === levels.shape[i]);
  if (!ok) {
    throw new Error(
      `softmaxCrossEntropyPerImage: expected logits [B,H,W,C,Q] and int32 levels [B,H,W,C], got [${logits.shape}] and ${levels.dtype} [${levels.shape}]`,
    );
  }
}

/** The reference: log-softmax, one-hot select, sum per image; tfjs differentiates it. */
export function softmaxCrossEntropyPerImagePlain(logits: tf.Tensor5D, levels: tf.Tensor4D): tf.Tensor1D {
  check(logits, levels);
  return tf.tidy(() => {
    const picked = tf.mul(tf.logSoftmax(logits), tf.oneHot(levels, logits.shape[4]));
    return tf.neg(tf.sum(picked, [1, 2, 3, 4])) as tf.Tensor1D;
  });
}

function fusedFor(levels: tf.Tensor4D): (logits: tf.Tensor5D) => tf.Tensor1D {
  return tf.customGrad(((logits: tf.Tensor5D, save: tf.GradSaveFunc) => {
    const [B, H, W, C, Q] = logits.shape;
    const P = H * W * C;
    save([logits, levels]); // kept alive by the tape until backprop, even if the caller disposes its levels
    const nll = tf
      .engine()
      .runKernel(FORWARD, { logits: tf.reshape(logits, [B, P, Q]), levels: tf.reshape(levels, [B, P]) }) as tf.Tensor2D;
    return {
      value: tf.sum(nll, 1) as tf.Tensor1D,
      gradFunc: (dy: tf.Tensor1D, [savedLogits, savedLevels]: tf.Tensor[]) => {
        const d = tf.engine().runKernel(BACKWARD, {
          logits: tf.reshape(savedLogits, [B, P, Q]),
          levels: tf.reshape(savedLevels, [B, P]),
          dy,
        }) as tf.Tensor;
        return tf.reshape(d, savedLogits.shape);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (logits: tf.Tensor5D) => tf.Tensor1D;
}

/**
 * -Σ_{h,w,c} log softmax(logits)[level] per image: logits [B,H,W,C,Q] float32, levels [B,H,W,C] int32 → [B].
 * Differentiable in logits only. On webgpu: forward 2 dispatches (fused NLL + sum), backward 1; elsewhere the
 * plain composition.
 */
export function softmaxCrossEntropyPerImage(logits: tf.Tensor5D, levels: tf.Tensor4D): tf.Tensor1D {
  check(logits, levels);
  if (!onWebgpu() || logits.dtype !== 'float32') return softmaxCrossEntropyPerImagePlain(logits, levels);
  ensureWebgpuKernels(softmaxXentKernels);
  return fusedFor(levels)(logits);
}

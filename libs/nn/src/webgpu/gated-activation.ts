/**
 * Gated activation on one packed tensor: y = tanh(f) ⊙ σ(g) with fg = [f | g] along the last (channel) axis.
 * On webgpu one fused kernel each way: forward 1 dispatch, backward 1 dispatch that writes d(fg) = [df | dg]
 * straight into the packed layout, recomputing tanh and σ from the saved fg (no split, no concat, no saved
 * activations). Other backends run the plain composition.
 */
import * as tf from '@tensorflow/tfjs';
import { ensureWebgpuKernels, i32, onWebgpu, runFused } from './program';

const FORWARD = 'PixelModelsGatedActivation';
const BACKWARD = 'PixelModelsGatedActivationGrad';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown };

/** Rows of [2F] in, rows of [F] out. */
function forward({ inputs, backend }: Args): tf.TensorInfo {
  const fg = inputs.fg as tf.TensorInfo;
  const [rows, twoF] = fg.shape;
  return runFused(backend, {
    key: 'gated_fwd',
    inputs: [fg],
    names: ['fg'],
    outputShape: [rows, twoF / 2],
    uniforms: { decl: 'channels : i32,', values: [i32(twoF / 2)] },
    body: `
      let F = uniforms.channels;
      let row = index / F;
      let at = index + row * F; // row * 2F + c
      result[index] = pmTanh(fg[at]) * pmSigmoid(fg[at + F]);`,
  });
}

/** d(fg) [rows, 2F] from fg [rows, 2F] and dy [rows, F]. */
function backward({ inputs, backend }: Args): tf.TensorInfo {
  const { fg, dy } = inputs as { fg: tf.TensorInfo; dy: tf.TensorInfo };
  const [rows, twoF] = fg.shape;
  return runFused(backend, {
    key: 'gated_bwd',
    inputs: [fg, dy],
    names: ['fg', 'dy'],
    outputShape: [rows, twoF],
    uniforms: { decl: 'channels : i32,', values: [i32(twoF / 2)] },
    body: `
      let F = uniforms.channels;
      let row = index / (2 * F);
      let c = index - row * 2 * F;
      let isF = c < F;
      let fAt = select(index - F, index, isF);
      let t = pmTanh(fg[fAt]);
      let g = fg[fAt + F];
      let s = pmSigmoid(g);
      let d = dy[row * F + select(c - F, c, isF)];
      // df = dy σ(g) (1 - tanh² f); dg = dy tanh f σ(g) σ(-g)
      result[index] = select(d * t * s * pmSigmoid(-g), d * s * (1.0 - t * t), isF);`,
  });
}

export const gatedActivationKernels: readonly tf.KernelConfig[] = [
  { kernelName: FORWARD, backendName: 'webgpu', kernelFunc: forward as tf.KernelFunc },
  { kernelName: BACKWARD, backendName: 'webgpu', kernelFunc: backward as tf.KernelFunc },
];

function channelsOf(fg: tf.Tensor): number {
  const twoF = fg.shape[fg.rank - 1];
  if (fg.rank < 2 || fg.rank > 5 || twoF % 2 !== 0) {
    throw new Error(`gatedActivationPacked: expected rank 2..5 with an even last axis, got shape [${fg.shape}]`);
  }
  return twoF / 2;
}

/** The reference: split, tanh, sigmoid, multiply; tfjs differentiates it. */
export function gatedActivationPackedPlain<T extends tf.Tensor>(fg: T): T {
  channelsOf(fg);
  return tf.tidy(() => {
    const [f, g] = tf.split(fg, 2, fg.rank - 1);
    return tf.mul(tf.tanh(f), tf.sigmoid(g)) as T;
  });
}

const fused = tf.customGrad(((fg: tf.Tensor, save: tf.GradSaveFunc) => {
  const twoF = fg.shape[fg.rank - 1];
  const rows = fg.size / twoF;
  const outShape = [...fg.shape.slice(0, -1), twoF / 2];
  save([fg]);
  const y = tf.engine().runKernel(FORWARD, { fg: tf.reshape(fg, [rows, twoF]) }) as tf.Tensor;
  return {
    value: tf.reshape(y, outShape),
    gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
      const dfg = tf.engine().runKernel(BACKWARD, {
        fg: tf.reshape(saved, [rows, twoF]),
        dy: tf.reshape(dy, [rows, twoF / 2]),
      }) as tf.Tensor;
      return tf.reshape(dfg, saved.shape);
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (fg: tf.Tensor) => tf.Tensor;

/**
 * y[..., F] = tanh(fg[..., :F]) ⊙ σ(fg[..., F:]) for fg of rank 2..5 (last axis: channels, 2F). On webgpu: fused
 * forward (1 dispatch) and backward (1 dispatch); elsewhere the plain composition.
 */
export function gatedActivationPacked<T extends tf.Tensor>(fg: T): T {
  channelsOf(fg);
  if (!onWebgpu() || fg.dtype !== 'float32') return gatedActivationPackedPlain(fg);
  ensureWebgpuKernels(gatedActivationKernels);
  return fused(fg) as T;
}

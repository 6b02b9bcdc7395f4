/**
 * LSTM cell pointwise part with gate layout pre = [o | f | i | g] (o, f, i sigmoid; g tanh):
 * c = f ⊙ cPrev + i ⊙ g (c = i ⊙ g without cPrev), h = o ⊙ tanh(c).
 *
 * A WebGPU program has one output, and customGrad one output tensor. So on webgpu this is one two-output tfjs
 * kernel with a registered gradient instead: the forward runs two fused programs (h and c, each recomputing the
 * gates: cheaper than writing a packed [h | c] and slicing it twice), the backward two (dpre and dcPrev, each from
 * pre, cPrev, dh, dc). Dispatches: forward 2; backward 2 with cPrev, 1 without. tfjs hands the gradient zeros for
 * an output that is not used downstream, so h-only and c-only uses are correct.
 */
import * as tf from '@tensorflow/tfjs';
import { ensureGradients, ensureWebgpuKernels, i32, onWebgpu, runFused } from './program';

const WITH_PREV = 'PixelModelsLstmCell';
const NO_PREV = 'PixelModelsLstmCellNoPrev';
const BACKWARD = 'PixelModelsLstmCellGrad';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown };

// Gates of row `row`, unit `u` (inputs pre [rows, 4h] and optionally cPrev [rows, h]); sets o, f, i, g, cp, c.
const gates = (hasPrev: boolean) => `
      let H = uniforms.units;
      let row = index / H;
      let u = index - row * H;
      let at = row * 4 * H + u;
      let o = pmSigmoid(pre[at]);
      let fz = pre[at + H];
      let f = pmSigmoid(fz);
      let iz = pre[at + 2 * H];
      let i = pmSigmoid(iz);
      let g = pmTanh(pre[at + 3 * H]);
      let cp = ${hasPrev ? 'cPrev[index]' : '0.0'};
      let c = f * cp + i * g;`;

function cellInputs(inputs: tf.NamedTensorInfoMap): { list: tf.TensorInfo[]; names: string[]; hasPrev: boolean } {
  const cPrev = inputs.cPrev as tf.TensorInfo | undefined;
  return cPrev
    ? { list: [inputs.pre as tf.TensorInfo, cPrev], names: ['pre', 'cPrev'], hasPrev: true }
    : { list: [inputs.pre as tf.TensorInfo], names: ['pre'], hasPrev: false };
}

/** [h, c], each [rows, units], from pre [rows, 4·units] (and cPrev [rows, units]). */
function forward({ inputs, backend }: Args): tf.TensorInfo[] {
  const { list, names, hasPrev } = cellInputs(inputs);
  const [rows, fourH] = list[0].shape;
  const run = (what: 'h' | 'c') =>
    runFused(backend, {
      key: `lstm_${what}_${hasPrev ? 'prev' : 'first'}`,
      inputs: list,
      names,
      outputShape: [rows, fourH / 4],
      uniforms: { decl: 'units : i32,', values: [i32(fourH / 4)] },
      body: `${gates(hasPrev)}
      result[index] = ${what === 'h' ? 'o * pmTanh(c)' : 'c'};`,
    });
  return [run('h'), run('c')];
}

/** [dpre [rows, 4·units], dcPrev [rows, units] (only with cPrev)] from pre, cPrev?, dh, dc. */
function backward({ inputs, backend }: Args): tf.TensorInfo[] {
  const { list, names, hasPrev } = cellInputs(inputs);
  const all = [...list, inputs.dh as tf.TensorInfo, inputs.dc as tf.TensorInfo];
  const allNames = [...names, 'dh', 'dc'];
  const [rows, fourH] = list[0].shape;
  const H = fourH / 4;
  // dcTotal: the gradient reaching c, directly (dc) and through h = o tanh(c).
  const dcTotal = `
      let tc = pmTanh(c);
      let dhv = dh[index];
      let dct = dc[index] + dhv * o * (1.0 - tc * tc);`;
  const dpre = runFused(backend, {
    key: `lstm_dpre_${hasPrev ? 'prev' : 'first'}`,
    inputs: all,
    names: allNames,
    outputShape: [rows, fourH],
    threads: rows * H, // one thread per unit writes its four gate gradients
    uniforms: { decl: 'units : i32,', values: [i32(H)] },
    body: `${gates(hasPrev)}${dcTotal}
      result[at] = dhv * tc * o * pmSigmoid(-pre[at]);      // o: σ'(z) = σ(z) σ(-z)
      result[at + H] = dct * cp * f * pmSigmoid(-fz);        // f
      result[at + 2 * H] = dct * g * i * pmSigmoid(-iz);     // i
      result[at + 3 * H] = dct * i * (1.0 - g * g);          // g: tanh' = 1 - tanh²`,
  });
  if (!hasPrev) return [dpre];
  const dcPrev = runFused(backend, {
    key: 'lstm_dcprev',
    inputs: all,
    names: allNames,
    outputShape: [rows, H],
    uniforms: { decl: 'units : i32,', values: [i32(H)] },
    body: `${gates(true)}${dcTotal}
      result[index] = dct * f;`,
  });
  return [dpre, dcPrev];
}

export const lstmCellKernels: readonly tf.KernelConfig[] = [
  { kernelName: WITH_PREV, backendName: 'webgpu', kernelFunc: forward as tf.KernelFunc },
  { kernelName: NO_PREV, backendName: 'webgpu', kernelFunc: forward as tf.KernelFunc },
  { kernelName: BACKWARD, backendName: 'webgpu', kernelFunc: backward as tf.KernelFunc },
];

const gradFunc = (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]): Record<string, () => tf.Tensor> => {
  const [dh, dc] = dys as tf.Tensor[];
  const [pre, cPrev] = saved;
  const rows = pre.size / pre.shape[pre.rank - 1];
  const flat = (t: tf.Tensor) => tf.reshape(t, [rows, t.shape[t.rank - 1]]);
  const inputs: tf.NamedTensorMap = { pre: flat(pre), dh: flat(dh), dc: flat(dc) };
  if (cPrev) inputs.cPrev = flat(cPrev);
  const [dpre, dcPrev] = tf.engine().runKernel(BACKWARD, inputs) as tf.Tensor[];
  const grads: Record<string, () => tf.Tensor> = { pre: () => tf.reshape(dpre, pre.shape) };
  if (cPrev) grads.cPrev = () => tf.reshape(dcPrev, cPrev.shape);
  return grads;
};

export const lstmCellGradients: readonly tf.GradConfig[] = [
  { kernelName: WITH_PREV, inputsToSave: ['pre', 'cPrev'], gradFunc },
  { kernelName: NO_PREV, inputsToSave: ['pre'], gradFunc },
];

function units(pre: tf.Tensor, cPrev: tf.Tensor | undefined): number {
  const fourH = pre.shape[pre.rank - 1];
  const h = fourH / 4;
  const lead = pre.shape.slice(0, -1);
  const ok = pre.rank >= 1 && fourH % 4 === 0 && (!cPrev || tf.util.arraysEqual(cPrev.shape, [...lead, h]));
  if (!ok)
    throw new Error(
      `lstmCell: expected pre [..., 4h] and cPrev [..., h], got [${pre.shape}] and [${cPrev?.shape ?? ''}]`,
    );
  return h;
}

/** The reference: slices, sigmoid/tanh and products; tfjs differentiates it. */
export function lstmCellPlain(pre: tf.Tensor, cPrev?: tf.Tensor): { h: tf.Tensor; c: tf.Tensor } {
  units(pre, cPrev);
  return tf.tidy(() => {
    const [o, f, i, g] = tf.split(pre, 4, pre.rank - 1);
    const ig = tf.mul(tf.sigmoid(i), tf.tanh(g));
    const c = cPrev ? tf.add(tf.mul(tf.sigmoid(f), cPrev), ig) : ig;
    return { h: tf.mul(tf.sigmoid(o), tf.tanh(c)), c };
  });
}

/**
 * h, c of an LSTM cell from pre-activations pre [..., 4h] laid out [o | f | i | g] and the previous cell state
 * cPrev [..., h] (none: a zero state). On webgpu: forward 2 dispatches, backward 2 (1 without cPrev); elsewhere
 * the plain composition.
 */
export function lstmCell(pre: tf.Tensor, cPrev?: tf.Tensor): { h: tf.Tensor; c: tf.Tensor } {
  const H = units(pre, cPrev);
  if (!onWebgpu() || pre.dtype !== 'float32' || (cPrev && cPrev.dtype !== 'float32')) return lstmCellPlain(pre, cPrev);
  ensureWebgpuKernels(lstmCellKernels);
  ensureGradients(lstmCellGradients);
  const lead = pre.shape.slice(0, -1);
  const rows = pre.size / (4 * H);
  // The kernels see rows × units; reshapes are free on webgpu (shared buffer).
  return tf.tidy(() => {
    const inputs: tf.NamedTensorMap = { pre: tf.reshape(pre, [rows, 4 * H]) };
    if (cPrev) inputs.cPrev = tf.reshape(cPrev, [rows, H]);
    const [h, c] = tf.engine().runKernel(cPrev ? WITH_PREV : NO_PREV, inputs) as tf.Tensor[];
    return { h: tf.reshape(h, [...lead, H]), c: tf.reshape(c, [...lead, H]) };
  });
}

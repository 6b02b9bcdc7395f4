/**
 * Adam (Kingma & Ba 2015) with optional clipping by global gradient norm. Written out rather than taken from
 * tf.train.adam so that its state is keyed by our variables' order and can be saved in a checkpoint and
 * restored exactly in another process.
 */
import * as tf from '@tensorflow/tfjs';
import { readScalar } from '../tidy-read';
import { fusedAdamApply, fusedAdamMoments } from '../webgpu/adam';
import { onWebgpu } from '../webgpu/program';
import { ADAM_KERNEL } from '../wasm-kernels';
import { clipFactor, clipScale } from './clip';
import { type Optimizer, type OptimizerOptions, type OptimizerState, checkSlots, learningRateAt } from './optimizer';

export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam's state: slots `m` (first moments) and `v` (second moments), one tensor per variable. */
export type AdamState = OptimizerState;

const SLOTS = ['m', 'v'] as const;

/**
 * Where the moments live. Per variable (CPU backends): a handful of elementwise ops per variable, which XNNPACK
 * runs fast. Flat (webgpu): all moments in one [m | v] buffer, updated by one fused kernel, then one fused kernel
 * per variable for its new value (libs/nn/src/webgpu/adam.ts), with the non-finite-loss guard on the device.
 */
type Moments =
  | { kind: 'per-variable'; m: tf.Variable[]; v: tf.Variable[] }
  | { kind: 'flat'; mv: tf.Variable; offsets: number[]; size: number };

export class Adam implements Optimizer {
  readonly name = 'adam' as const;
  private step = 0;
  private readonly moments: Moments;

  constructor(
    private readonly variables: tf.Variable[],
    private readonly options: AdamOptions,
  ) {
    if (onWebgpu()) {
      const offsets: number[] = [];
      let size = 0;
      for (const x of variables) {
        offsets.push(size);
        size += x.size;
      }
      this.moments = { kind: 'flat', mv: tf.variable(tf.zeros([2 * size]), false), offsets, size };
    } else {
      this.moments = {
        kind: 'per-variable',
        m: variables.map((x) => tf.variable(tf.zerosLike(x), false)),
        v: variables.map((x) => tf.variable(tf.zerosLike(x), false)),
      };
    }
  }

  get iterations(): number {
    return this.step;
  }

  /**
   * Applies one update from `grads` unless `loss` is not finite (then nothing changes: weights, moments and the
   * step count stay as they were). Resolves to the loss. Clipping is computed on the device (no read-back); on
   * webgpu the update is enqueued before the loss is read, so the step has no round trip in its middle.
   */
  async update(grads: tf.Tensor[], loss: tf.Scalar): Promise<number> {
    const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, clipNorm } = this.options;
    const t = this.step + 1;
    const lr = learningRateAt(this.options, this.step);
    const lrT = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t); // bias corrections folded in
    const moments = this.moments;
    if (moments.kind === 'flat') {
      tf.tidy(() => {
        const gflat = tf.concat(grads.map((g) => tf.reshape(g, [-1]))) as tf.Tensor1D;
        const sumSquares: tf.Scalar = clipNorm ? tf.sum(tf.square(gflat)) : tf.scalar(0);
        moments.mv.assign(
          fusedAdamMoments(moments.mv as tf.Tensor1D, gflat, sumSquares, loss, {
            beta1,
            beta2,
            clipNorm: clipNorm ?? 0,
          }),
        );
        this.variables.forEach((x, i) =>
          x.assign(
            fusedAdamApply(x, moments.mv as tf.Tensor1D, moments.offsets[i], loss, { lrT, epsilon, N: moments.size }),
          ),
        );
      });
      const value = await readScalar(loss);
      if (Number.isFinite(value)) this.step = t; // a non-finite step was skipped on the device
      return value;
    }
    const value = await readScalar(loss);
    if (!Number.isFinite(value)) return value;
    this.step = t;
    if (tf.getKernel(ADAM_KERNEL, tf.getBackend())) {
      // One kernel per variable (wasm): the clip factor is read first, as a number the kernel takes.
      const scale = await clipFactor(grads, clipNorm);
      grads.forEach((g, i) => {
        const [x, m, v] = [this.variables[i], moments.m[i], moments.v[i]];
        const attrs = { beta1, beta2, lrT, epsilon, scale };
        const [x1, m1, v1] = tf.engine().runKernel(ADAM_KERNEL, { x, m, v, g }, attrs) as tf.Tensor[];
        x.assign(x1);
        m.assign(m1);
        v.assign(v1);
        tf.dispose([x1, m1, v1]);
      });
      return value;
    }
    tf.tidy(() => {
      const scale = clipScale(grads, clipNorm);
      grads.forEach((g0, i) => {
        const g = scale ? tf.mul(g0, scale) : g0;
        const m = tf.add(tf.mul(moments.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(moments.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        moments.m[i].assign(m);
        moments.v[i].assign(v);
        this.variables[i].assign(tf.sub(this.variables[i], tf.mul(lrT, tf.div(m, tf.add(tf.sqrt(v), epsilon)))));
      });
    });
    return value;
  }

  /** A copy of the moment estimates, per variable, for a checkpoint: the caller disposes it. */
  state(): AdamState {
    const moments = this.moments;
    if (moments.kind === 'per-variable')
      return { step: this.step, slots: { m: moments.m.map((x) => tf.clone(x)), v: moments.v.map((x) => tf.clone(x)) } };
    const part = (base: number) =>
      tf.tidy(() =>
        this.variables.map((x, i) => tf.reshape(tf.slice(moments.mv, base + moments.offsets[i], x.size), x.shape)),
      );
    return { step: this.step, slots: { m: part(0), v: part(moments.size) } };
  }

  load(state: AdamState): void {
    checkSlots(state, this.name, SLOTS, this.variables.length);
    const { m, v } = state.slots;
    this.step = state.step;
    const moments = this.moments;
    if (moments.kind === 'per-variable') {
      m.forEach((x, i) => moments.m[i].assign(x));
      v.forEach((x, i) => moments.v[i].assign(x));
      return;
    }
    tf.tidy(() => moments.mv.assign(tf.concat([...m, ...v].map((x) => tf.reshape(x, [-1])))));
  }

  dispose(): void {
    const moments = this.moments;
    tf.dispose(moments.kind === 'flat' ? [moments.mv] : [...moments.m, ...moments.v]);
  }
}

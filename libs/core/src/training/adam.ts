/**
 * Adam (Kingma & Ba 2015) with optional clipping by global gradient norm. Written out rather than taken from
 * tf.train.adam so that its state is keyed by our variables' order and can be saved in a checkpoint and
 * restored exactly in another process.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Rescale gradients whose global L2 norm exceeds this (0 or undefined: no clipping). */
  clipNorm?: number;
}

export interface AdamState {
  step: number;
  m: tf.Tensor[];
  v: tf.Tensor[];
}

export class Adam {
  private step = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(private readonly variables: tf.Variable[], private readonly options: AdamOptions) {
    this.m = variables.map((x) => tf.variable(tf.zerosLike(x), false));
    this.v = variables.map((x) => tf.variable(tf.zerosLike(x), false));
  }

  get iterations(): number {
    return this.step;
  }

  /** Applies one update; returns the global gradient norm before clipping. */
  apply(grads: tf.Tensor[]): number {
    const { learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, clipNorm } = this.options;
    this.step += 1;
    const t = this.step;
    return tf.tidy(() => {
      const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))).dataSync()[0];
      const scale = clipNorm && norm > clipNorm ? clipNorm / norm : 1;
      const lrT = (learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t); // bias corrections folded in
      grads.forEach((g0, i) => {
        const g = scale === 1 ? g0 : tf.mul(g0, scale);
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        this.variables[i].assign(tf.sub(this.variables[i], tf.mul(lrT, tf.div(m, tf.add(tf.sqrt(v), epsilon)))));
      });
      return norm;
    });
  }

  /** The moment estimates themselves (not copies): read them before the next `apply`. */
  state(): AdamState {
    return { step: this.step, m: this.m, v: this.v };
  }

  load(state: AdamState): void {
    this.step = state.step;
    state.m.forEach((x, i) => this.m[i].assign(x));
    state.v.forEach((x, i) => this.v[i].assign(x));
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}

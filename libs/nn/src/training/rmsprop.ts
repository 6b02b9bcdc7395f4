/**
 * RMSProp, the optimiser the PixelRNN paper names for its models. The variant is Tieleman & Hinton's (2012),
 * uncentred and without momentum:
 *
 *   s <- decay * s + (1 - decay) * g^2
 *   w <- w - lr * g / (sqrt(s) + epsilon)
 *
 * with s starting at zero and no bias correction. The paper names RMSProp but we found no decay or epsilon for
 * it, so decay 0.95 and epsilon 1e-6 (outside the square root) are CHOSEN here, not taken from the paper; the
 * learning rate and the optional global-norm clipping are the run's (--lr, --clip), as for Adam.
 * Plain tfjs ops on every backend (no fused webgpu kernels), with the same interface and non-finite guard as Adam.
 */
import * as tf from '@tensorflow/tfjs';
import { readScalar } from '../tidy-read';
import { clipScale } from './clip';
import { type Optimizer, type OptimizerOptions, type OptimizerState, checkSlots, learningRateAt } from './optimizer';

export interface RmsPropOptions extends OptimizerOptions {
  /** Decay of the running mean of squared gradients (default 0.95, chosen). */
  decay?: number;
  /** Added to the root mean square (default 1e-6, chosen). */
  epsilon?: number;
}

export const RMSPROP_DEFAULTS = { decay: 0.95, epsilon: 1e-6 } as const;

const SLOTS = ['meanSquare'] as const;

export class RmsProp implements Optimizer {
  readonly name = 'rmsprop' as const;
  private step = 0;
  private readonly meanSquare: tf.Variable[];

  constructor(
    private readonly variables: tf.Variable[],
    private readonly options: RmsPropOptions,
  ) {
    this.meanSquare = variables.map((x) => tf.variable(tf.zerosLike(x), false));
  }

  get iterations(): number {
    return this.step;
  }

  /** Applies one update unless `loss` is not finite (then weights, mean squares and step count stay). */
  async update(grads: tf.Tensor[], loss: tf.Scalar): Promise<number> {
    const { clipNorm, decay = RMSPROP_DEFAULTS.decay, epsilon = RMSPROP_DEFAULTS.epsilon } = this.options;
    const value = await readScalar(loss);
    if (!Number.isFinite(value)) return value;
    const learningRate = learningRateAt(this.options, this.step);
    this.step += 1;
    tf.tidy(() => {
      const scale = clipScale(grads, clipNorm);
      grads.forEach((g0, i) => {
        const g = scale ? tf.mul(g0, scale) : g0;
        const s = tf.add(tf.mul(this.meanSquare[i], decay), tf.mul(tf.square(g), 1 - decay));
        this.meanSquare[i].assign(s);
        this.variables[i].assign(
          tf.sub(this.variables[i], tf.mul(learningRate, tf.div(g, tf.add(tf.sqrt(s), epsilon)))),
        );
      });
    });
    return value;
  }

  /** A copy of the mean squares, per variable, for a checkpoint: the caller disposes it. */
  state(): OptimizerState {
    return { step: this.step, slots: { meanSquare: this.meanSquare.map((x) => tf.clone(x)) } };
  }

  load(state: OptimizerState): void {
    checkSlots(state, this.name, SLOTS, this.variables.length);
    this.step = state.step;
    state.slots.meanSquare.forEach((x, i) => this.meanSquare[i].assign(x));
  }

  dispose(): void {
    tf.dispose(this.meanSquare);
  }
}

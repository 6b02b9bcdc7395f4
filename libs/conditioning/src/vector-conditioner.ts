/**
 * Global conditioning (Gated PixelCNN paper, eq. 4): a vector h — a one-hot class label or any embedding —
 * enters the gates of every layer in both stacks:
 *   y = tanh(W_f * x + V_f^T h) ⊙ σ(W_g * x + V_g^T h).
 * V^T h does not depend on the position, so it is a per-image bias of shape [B, 1, 1, F] on each half.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, Params, type Variable2D, matMul2d } from '@pixel-models/nn';
import type { GateConditioner, GatePair } from '@pixel-models/gated-pixelcnn';

export interface VectorConditionerConfig {
  /** Size of h (10 for MNIST one-hot labels, the embedding size otherwise). */
  size: number;
  layers: number;
  filters: number;
}

export class VectorConditioner implements GateConditioner {
  readonly kind = 'vector-conditional';
  private readonly params: Params;
  private readonly v = new Map<string, Variable2D>();

  constructor(
    readonly config: VectorConditionerConfig,
    seed: number,
  ) {
    if (!Number.isInteger(config.size) || config.size < 1)
      throw new ConfigError(`conditioning size must be a positive integer, got ${config.size}`);
    this.params = new Params(seed);
    for (let l = 0; l < config.layers; l++) {
      for (const stack of ['vertical', 'horizontal'] as const) {
        // V = [V_f | V_g]: [size, 2F]
        this.v.set(
          `${l}.${stack}`,
          this.params.weight(`cond.layer${l}.${stack}.V`, [config.size, 2 * config.filters], config.size, 0.5),
        );
      }
    }
  }

  get variables(): tf.Variable[] {
    return this.params.variables;
  }

  /** Checks that `condition` is [B, size] for a batch of B images. */
  check(condition: tf.Tensor, batch: number): void {
    const [b, d] = condition.shape;
    if (condition.rank !== 2 || d !== this.config.size || b !== batch) {
      throw new ConfigError(
        `conditioning vector has shape [${condition.shape}], expected [${batch}, ${this.config.size}] (one vector of size ${this.config.size} per image)`,
      );
    }
  }

  gateBias(
    layer: number,
    stack: 'vertical' | 'horizontal',
    condition: tf.Tensor,
    [batch]: [number, number, number],
  ): GatePair {
    this.check(condition, batch);
    const F = this.config.filters;
    const vh = matMul2d(condition as tf.Tensor2D, this.v.get(`${layer}.${stack}`)!); // [B, 2F]
    return {
      f: tf.reshape(tf.slice(vh, [0, 0], [batch, F]), [batch, 1, 1, F]), // V_f^T h
      g: tf.reshape(tf.slice(vh, [0, F], [batch, F]), [batch, 1, 1, F]), // V_g^T h
    };
  }

  dispose(): void {
    this.params.dispose();
  }
}

/**
 * What the trainer needs from an optimizer (Adam or RMSProp; the factory is create-optimizer.ts). Both keep their
 * state keyed by the variables' order, so it can be saved in a checkpoint and restored in another process.
 */
import type * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';

export const OPTIMIZER_NAMES = ['adam', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** How tables and reports name each optimizer. */
export const OPTIMIZER_LABELS: Record<OptimizerName, string> = { adam: 'Adam', rmsprop: 'RMSProp' };

/** Checkpoints and configs from before the optimizer was recorded have no optimizer field: they were Adam's. */
export const LEGACY_OPTIMIZER: OptimizerName = 'adam';

/**
 * An optimizer's state for a checkpoint: the number of applied updates, and per named slot (Adam: `m`, `v`;
 * RMSProp: `meanSquare`) one tensor per variable, in the variables' order.
 */
export interface OptimizerState {
  step: number;
  slots: Record<string, tf.Tensor[]>;
}

export interface Optimizer {
  readonly name: OptimizerName;
  /** Updates applied so far (skipped non-finite steps not counted). */
  readonly iterations: number;
  /** Applies one update unless `loss` is not finite (then nothing changes); resolves to the loss. */
  update(grads: tf.Tensor[], loss: tf.Scalar): Promise<number>;
  /** A copy of the state: the caller disposes its tensors. */
  state(): OptimizerState;
  load(state: OptimizerState): void;
  dispose(): void;
}

export interface OptimizerOptions {
  learningRate: number;
  /**
   * The factor on `learningRate` for each update (0-based count of updates applied before it, which checkpoints
   * keep, so a resumed run continues the schedule): e.g. `learningRateFactor` of a cosine schedule. Default 1.
   */
  schedule?: (update: number) => number;
  /** Rescale gradients whose global L2 norm exceeds this (0 or undefined: no clipping). */
  clipNorm?: number;
}

/** The learning rate of update `update` (0-based): the base rate times the schedule's factor, if any. */
export const learningRateAt = (o: OptimizerOptions, update: number): number =>
  o.learningRate * (o.schedule ? o.schedule(update) : 1);

export function isOptimizerName(name: unknown): name is OptimizerName {
  return typeof name === 'string' && (OPTIMIZER_NAMES as readonly string[]).includes(name);
}

/** The state's slot names must be the optimizer's own, with one tensor per variable: else a clear error. */
export function checkSlots(
  state: OptimizerState,
  optimizer: OptimizerName,
  expected: readonly string[],
  variables: number,
): void {
  const names = Object.keys(state.slots).sort();
  if (names.join() !== [...expected].sort().join()) {
    throw new ConfigError(
      `${optimizer} state needs slots ${expected.join(', ')}, got ${names.join(', ') || 'none'}: it was saved by another optimizer`,
    );
  }
  for (const n of expected) {
    if (state.slots[n].length !== variables)
      throw new ConfigError(
        `${optimizer} state slot ${n} has ${state.slots[n].length} tensors, expected ${variables} (one per variable)`,
      );
  }
}

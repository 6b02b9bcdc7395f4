/** What the main thread and the data-parallel workers tell each other (structured clones; buffers shared). */
import type { AutoregressiveModel } from '@pixel-models/nn';
import type { ParameterLayout } from './shared-weights';

/**
 * How a worker builds its replica of the model: it imports `module` and finds the export named `experiment`. A
 * training experiment (or any object with that `name` and a `createModel`) builds it with `createModel(config,
 * seed, variant)`; a comparison with the `createModel(channels, levels, seed)` of the entry `config` names
 * (`{ preset, cifarDir, group, entry }`, looked up through its `groups`).
 */
export interface ReplicaSpec {
  /** URL of the module that exports the factory: the experiment's `import.meta.url`. */
  module: string;
  experiment: string;
  config: object;
  seed: number;
  variant?: string;
  /** For a comparison's entry: the data's channels and levels. */
  channels?: number;
  levels?: number;
}

/** What a model factory looks like to a worker. */
export interface ReplicaFactory {
  name: string;
  createModel(config: never, seed: number, variant?: string): AutoregressiveModel;
}

/** What a comparison looks like to a worker. */
export interface ComparisonFactory {
  name: string;
  groups(options: { preset: string; cifarDir?: string }): {
    key: string;
    entries: { key: string; createModel(channels: number, levels: number, seed: number): AutoregressiveModel }[];
  }[];
}

export interface WorkerSetup {
  replica: ReplicaSpec;
  /** The main thread's layout: a replica with another one is refused. */
  layout: ParameterLayout;
  /** All parameters (shared; written by the main thread before each step). */
  weights: Float32Array;
  /** This worker's shard gradients (shared; written by the worker). */
  grads: Float32Array;
}

/**
 * Main -> worker: one shard of the batch, int32 levels [n, H, W, C]: its mean loss and gradients (`step`) or the
 * summed NLL of its images (`nll`, a scoring pass).
 */
export interface StepMessage {
  kind: 'step' | 'nll';
  levels: Int32Array;
  shape: [number, number, number, number];
}

/** Worker -> main. */
export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'grads'; loss: number }
  | { kind: 'nll'; sum: number }
  | { kind: 'error'; name: string; message: string; stack?: string };

/**
 * Checkpoints: model weights, the optimizer's state and the position in training (epoch, batch, step, metrics so
 * far), as `checkpoint.json` (index + progress) beside `checkpoint.bin` (float32 values). The binary file is
 * written first and the index last, each atomically, so a crash leaves the previous checkpoint readable.
 * Optimizer tensors are named `<optimizer>.<slot>.<i>` (Adam: `adam.m.0`, `adam.v.0`, ...; RMSProp:
 * `rmsprop.meanSquare.0`, ...). Checkpoints written before the optimizer was recorded have no `optimizer` field
 * and an `adamStep`: they are Adam's and are read as such.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import { writeFileAtomic } from '../results';
import { throwIfWebgpuFailed } from '../webgpu/device-errors';
import { LEGACY_OPTIMIZER, type OptimizerName, type OptimizerState, isOptimizerName } from './optimizer';

export const CHECKPOINT_JSON = 'checkpoint.json';
export const CHECKPOINT_BIN = 'checkpoint.bin';

export interface TrainingPosition {
  /** Epoch being trained (0-based); equals `epochs` when training finished. */
  epoch: number;
  /** Next batch of that epoch. */
  batch: number;
  /** Sum of batch losses x batch sizes and images seen so far in the current epoch. */
  partialLoss: number;
  partialImages: number;
  partialSeconds: number;
}

export interface CheckpointMeta<H = unknown> {
  format: 1;
  model: string;
  modelConfig: unknown;
  position: TrainingPosition;
  /** The optimizer whose state is saved (absent in older checkpoints: Adam). */
  optimizer?: OptimizerName;
  /** Updates the optimizer has applied. */
  optimizerStep?: number;
  /** Older checkpoints' name for optimizerStep. */
  adamStep?: number;
  /** Metrics of the completed epochs. */
  history: H[];
  tensors: { name: string; shape: number[]; offset: number }[];
  savedAt: string;
}

export interface Checkpoint<H = unknown> {
  meta: CheckpointMeta<H>;
  weights: tf.Tensor[];
  optimizer: { name: OptimizerName; state: OptimizerState };
}

export async function saveCheckpoint<H>(
  dir: string,
  meta: Omit<CheckpointMeta<H>, 'format' | 'tensors' | 'savedAt' | 'optimizer' | 'optimizerStep' | 'adamStep'>,
  weights: tf.Tensor[],
  optimizer: { name: OptimizerName; state: OptimizerState },
): Promise<void> {
  const groups: [string, tf.Tensor[]][] = [
    ['weight', weights],
    ...Object.entries(optimizer.state.slots).map(([slot, list]): [string, tf.Tensor[]] => [`${optimizer.name}.${slot}`, list]),
  ];
  const tensors: CheckpointMeta['tensors'] = [];
  let offset = 0;
  for (const [prefix, list] of groups) {
    list.forEach((t, i) => {
      tensors.push({ name: `${prefix}.${i}`, shape: t.shape, offset });
      offset += t.size;
    });
  }
  const values = new Float32Array(offset);
  let k = 0;
  for (const [, list] of groups) for (const t of list) values.set((await t.data()) as Float32Array, tensors[k++].offset);
  throwIfWebgpuFailed(); // never replace a good checkpoint with garbage
  writeFileAtomic(path.join(dir, CHECKPOINT_BIN), Buffer.from(values.buffer));
  const full: CheckpointMeta<H> = { format: 1, ...meta, optimizer: optimizer.name, optimizerStep: optimizer.state.step, tensors, savedAt: new Date().toISOString() };
  writeFileAtomic(path.join(dir, CHECKPOINT_JSON), JSON.stringify(full, null, 1));
}

export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, CHECKPOINT_JSON)) && fs.existsSync(path.join(dir, CHECKPOINT_BIN));
}

export function loadCheckpoint<H>(dir: string): Checkpoint<H> {
  if (!hasCheckpoint(dir)) throw new ConfigError(`no checkpoint in ${dir}: expected ${CHECKPOINT_JSON} and ${CHECKPOINT_BIN}`);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, CHECKPOINT_JSON), 'utf8')) as CheckpointMeta<H>;
  const buf = fs.readFileSync(path.join(dir, CHECKPOINT_BIN));
  const values = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const name = meta.optimizer ?? LEGACY_OPTIMIZER;
  if (!isOptimizerName(name)) throw new ConfigError(`${dir}: the checkpoint names an unknown optimizer "${String(name)}"`);
  const tensor = (t: CheckpointMeta['tensors'][number]) => tf.tensor(values.subarray(t.offset, t.offset + t.shape.reduce((a, b) => a * b, 1)), t.shape);
  const weights = meta.tensors.filter((t) => t.name.startsWith('weight.')).map(tensor);
  // `<optimizer>.<slot>.<i>`: the slot is what lies between the optimizer's name and the index.
  const slots: Record<string, tf.Tensor[]> = {};
  for (const t of meta.tensors.filter((x) => x.name.startsWith(`${name}.`))) {
    const slot = t.name.slice(name.length + 1, t.name.lastIndexOf('.'));
    (slots[slot] ??= []).push(tensor(t));
  }
  return { meta, weights, optimizer: { name, state: { step: meta.optimizerStep ?? meta.adamStep ?? 0, slots } } };
}

/** A checkpoint's optimizer must be the run's: its state means nothing to another optimizer. */
export function checkCheckpointOptimizer(checkpoint: Checkpoint, optimizer: OptimizerName, source: string): void {
  if (checkpoint.optimizer.name !== optimizer) {
    throw new ConfigError(
      `${source}: the checkpoint was trained with ${checkpoint.optimizer.name}, not ${optimizer}: ` +
        `resume with --optimizer ${checkpoint.optimizer.name}, or start a new run to train with ${optimizer}`,
    );
  }
}

/** Copies checkpoint weights into the model's variables, checking that the shapes agree. */
export function restoreWeights(variables: tf.Variable[], weights: tf.Tensor[], source: string): void {
  if (variables.length !== weights.length) {
    throw new ConfigError(`${source}: checkpoint has ${weights.length} tensors but the model has ${variables.length}: it was saved for another model configuration`);
  }
  variables.forEach((v, i) => {
    if (v.shape.join() !== weights[i].shape.join()) {
      throw new ConfigError(`${source}: tensor ${i} has shape [${weights[i].shape}] but the model expects [${v.shape}]`);
    }
    v.assign(weights[i]);
  });
}

export function disposeCheckpoint(c: Checkpoint): void {
  tf.dispose([...c.weights, ...Object.values(c.optimizer.state.slots).flat()]);
}

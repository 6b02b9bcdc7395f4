/**
 * Checkpoints: model weights, the optimizer's state and the position in training (epoch, batch, step, metrics so
 * far), as `checkpoint.json` (index + progress) beside a binary file of float32 values.
 *
 * Replaced atomically as a whole: the values go to a new content-addressed file, `checkpoint-<16 hex>.bin` (the
 * first 16 hex digits of its SHA-256), written atomically; then `checkpoint.json`, which names that file and
 * records its byte size and SHA-256, is atomically replaced: that rename is the single commit point. Only then
 * are older binaries deleted. A crash at any moment leaves a `checkpoint.json` whose binary exists and matches
 * (the old pair or the new one), never new weights with the old position.
 *
 * Verified on load: the index must be valid JSON with every field, the binary must have the recorded size and
 * checksum, and every tensor must lie inside it; any failure is a ConfigError naming the file and the fault.
 * Checkpoints written before checksums (no `binary` field, values in `checkpoint.bin`) still load, unverified
 * (their sizes and extents are still checked).
 *
 * Optimizer tensors are named `<optimizer>.<slot>.<i>` (Adam: `adam.m.0`, `adam.v.0`, ...; RMSProp:
 * `rmsprop.meanSquare.0`, ...). Checkpoints written before the optimizer was recorded have no `optimizer` field
 * and an `adamStep`: they are Adam's and are read as such.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  ConfigError,
  throwIfWebgpuFailed,
  LEGACY_OPTIMIZER,
  type OptimizerName,
  type OptimizerState,
  isOptimizerName,
} from '@pixel-models/nn';
import { writeFileAtomic } from '../results';

export const CHECKPOINT_JSON = 'checkpoint.json';
/** The binary of checkpoints written before checksums; newer ones name theirs (`checkpoint-<16 hex>.bin`). */
export const CHECKPOINT_BIN = 'checkpoint.bin';
const BINARY_NAME = /^checkpoint-[0-9a-f]{16}\.bin$/;

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
  /** The binary file (in the same folder), its size in bytes and SHA-256 (hex); absent before checksums. */
  binary?: string;
  bytes?: number;
  sha256?: string;
}

export interface Checkpoint<H = unknown> {
  meta: CheckpointMeta<H>;
  weights: tf.Tensor[];
  optimizer: { name: OptimizerName; state: OptimizerState };
  /** False for checkpoints written before checksums: sizes were checked, the values could not be. */
  verified: boolean;
}

const sha256Of = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

export async function saveCheckpoint<H>(
  dir: string,
  meta: Omit<
    CheckpointMeta<H>,
    'format' | 'tensors' | 'savedAt' | 'optimizer' | 'optimizerStep' | 'adamStep' | 'binary' | 'bytes' | 'sha256'
  >,
  weights: tf.Tensor[],
  optimizer: { name: OptimizerName; state: OptimizerState },
): Promise<void> {
  const groups: [string, tf.Tensor[]][] = [
    ['weight', weights],
    ...Object.entries(optimizer.state.slots).map(([slot, list]): [string, tf.Tensor[]] => [
      `${optimizer.name}.${slot}`,
      list,
    ]),
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
  for (const [, list] of groups)
    for (const t of list) values.set((await t.data()) as Float32Array, tensors[k++].offset);
  throwIfWebgpuFailed(); // never replace a good checkpoint with garbage
  const data = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const sha256 = sha256Of(data);
  const binary = `checkpoint-${sha256.slice(0, 16)}.bin`;
  writeFileAtomic(path.join(dir, binary), data);
  const full: CheckpointMeta<H> = {
    format: 1,
    ...meta,
    optimizer: optimizer.name,
    optimizerStep: optimizer.state.step,
    tensors,
    savedAt: new Date().toISOString(),
    binary,
    bytes: data.byteLength,
    sha256,
  };
  writeFileAtomic(path.join(dir, CHECKPOINT_JSON), JSON.stringify(full, null, 1)); // the commit point
  removeOldBinaries(dir, binary);
}

/** After the commit: binaries no index names any more (a failure to delete one is harmless). */
function removeOldBinaries(dir: string, keep: string): void {
  for (const f of fs.readdirSync(dir)) {
    if (f !== keep && (f === CHECKPOINT_BIN || BINARY_NAME.test(f))) fs.rmSync(path.join(dir, f), { force: true });
  }
}

/** The index, parsed, or undefined when it is missing or cannot be parsed. */
function readIndexLoosely(dir: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(path.join(dir, CHECKPOINT_JSON), 'utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The binary a checkpoint's index names (`checkpoint.bin` for one written before checksums); undefined when there is no readable index. */
export function checkpointBinary(dir: string): string | undefined {
  const index = readIndexLoosely(dir);
  if (!index) return undefined;
  return path.join(dir, typeof index.binary === 'string' ? index.binary : CHECKPOINT_BIN);
}

/**
 * True when `checkpoint.json` exists and the binary it names exists. An index that cannot be read at all counts
 * as a checkpoint, so that loading it reports the damage instead of the run silently starting over.
 */
export function hasCheckpoint(dir: string): boolean {
  if (!fs.existsSync(path.join(dir, CHECKPOINT_JSON))) return false;
  const index = readIndexLoosely(dir);
  if (!index) return true;
  const bin = index.binary;
  if (bin !== undefined && (typeof bin !== 'string' || !BINARY_NAME.test(bin))) return true; // loading says what is wrong
  return fs.existsSync(path.join(dir, typeof bin === 'string' ? bin : CHECKPOINT_BIN));
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Checks the index's fields, naming the first that is missing or malformed. */
function checkIndex(v: unknown, fail: (what: string) => never): asserts v is CheckpointMeta {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('not a JSON object');
  const o = v as Record<string, unknown>;
  const need = (key: string, ok: (x: unknown) => boolean, what: string) => {
    if (!(key in o) || o[key] === undefined) fail(`missing field "${key}"`);
    if (!ok(o[key])) fail(`field "${key}" is not ${what}`);
  };
  need('format', (x) => x === 1, 'format 1 (written by another version?)');
  need('model', (x) => typeof x === 'string', 'a string');
  need('position', (x) => x !== null && typeof x === 'object', 'an object');
  const pos = o.position as Record<string, unknown>;
  for (const key of ['epoch', 'batch', 'partialLoss', 'partialImages', 'partialSeconds']) {
    if (!(key in pos)) fail(`missing field "position.${key}"`);
    if (typeof pos[key] !== 'number' || !Number.isFinite(pos[key]))
      fail(`field "position.${key}" is not a finite number`);
  }
  need('history', Array.isArray, 'an array');
  need('tensors', Array.isArray, 'an array');
  (o.tensors as unknown[]).forEach((t, i) => {
    const r = (t ?? {}) as Record<string, unknown>;
    if (typeof r.name !== 'string') fail(`tensor ${i} has no name`);
    if (!Array.isArray(r.shape) || !r.shape.every(isCount)) fail(`tensor ${i} (${r.name}) has no valid shape`);
    if (!isCount(r.offset)) fail(`tensor ${i} (${r.name}) has no valid offset`);
  });
  for (const key of ['optimizerStep', 'adamStep'])
    if (key in o && !isCount(o[key])) fail(`field "${key}" is not a count`);
  if ('binary' in o || 'bytes' in o || 'sha256' in o) {
    need('binary', (x) => typeof x === 'string' && BINARY_NAME.test(x), 'a file name checkpoint-<16 hex digits>.bin');
    need('bytes', isCount, 'a byte count');
    need('sha256', (x) => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x), 'a SHA-256 in hex');
  }
}

export function loadCheckpoint<H>(dir: string): Checkpoint<H> {
  const index = path.join(dir, CHECKPOINT_JSON);
  if (!fs.existsSync(index)) throw new ConfigError(`no checkpoint in ${dir}: expected ${CHECKPOINT_JSON}`);
  const damaged = (file: string, what: string): never => {
    throw new ConfigError(
      `damaged checkpoint: ${file}: ${what}; the checkpoint cannot be resumed (restore the run folder from a copy, or start a new run)`,
    );
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(index, 'utf8'));
  } catch (e) {
    damaged(index, `not valid JSON (truncated or overwritten: ${(e as Error).message})`);
  }
  checkIndex(parsed, (what) => damaged(index, what));
  const meta = parsed as CheckpointMeta<H>;
  const verified = meta.sha256 !== undefined;
  const binFile = path.join(dir, meta.binary ?? CHECKPOINT_BIN);
  if (!fs.existsSync(binFile)) damaged(index, `it names ${path.basename(binFile)}, which does not exist`);
  const buf = fs.readFileSync(binFile);
  if (verified) {
    if (buf.byteLength !== meta.bytes)
      damaged(
        binFile,
        `it is ${buf.byteLength} bytes but ${CHECKPOINT_JSON} records ${meta.bytes} (truncated or replaced)`,
      );
    const sum = sha256Of(buf);
    if (sum !== meta.sha256)
      damaged(
        binFile,
        `checksum mismatch: SHA-256 ${sum.slice(0, 16)}... but ${CHECKPOINT_JSON} records ${meta.sha256!.slice(0, 16)}... (flipped bits or overwritten)`,
      );
  } else {
    console.warn(`${binFile}: checkpoint unverified: written before checksums (sizes are checked, values cannot be)`);
  }
  if (buf.byteLength % 4 !== 0)
    damaged(binFile, `${buf.byteLength} bytes is not a whole number of float32 values (truncated)`);
  const values = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const sizeOf = (t: CheckpointMeta['tensors'][number]) => t.shape.reduce((a, b) => a * b, 1);
  for (const t of meta.tensors) {
    const end = t.offset + sizeOf(t);
    if (end > values.length)
      damaged(
        binFile,
        `tensor ${t.name} [${t.shape}] at offset ${t.offset} ends at value ${end}, past the file's ${values.length} values (truncated, or out of range)`,
      );
  }
  const name = meta.optimizer ?? LEGACY_OPTIMIZER;
  if (!isOptimizerName(name))
    throw new ConfigError(`${dir}: the checkpoint names an unknown optimizer "${String(name)}"`);
  const tensor = (t: CheckpointMeta['tensors'][number]) => {
    const v = values.subarray(t.offset, t.offset + sizeOf(t));
    const bad = v.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0)
      damaged(
        binFile,
        `tensor ${t.name} holds a non-finite value (${v[bad]}) at index ${bad}: not a checkpoint training would write`,
      );
    return v;
  };
  // Check every tensor's values before creating any: nothing to dispose on failure.
  const checked = new Map(meta.tensors.map((t) => [t, tensor(t)] as const));
  const make = (t: CheckpointMeta['tensors'][number]) => tf.tensor(checked.get(t)!, t.shape);
  const weights = meta.tensors.filter((t) => t.name.startsWith('weight.')).map(make);
  // `<optimizer>.<slot>.<i>`: the slot is what lies between the optimizer's name and the index.
  const slots: Record<string, tf.Tensor[]> = {};
  for (const t of meta.tensors.filter((x) => x.name.startsWith(`${name}.`))) {
    const slot = t.name.slice(name.length + 1, t.name.lastIndexOf('.'));
    (slots[slot] ??= []).push(make(t));
  }
  return {
    meta,
    weights,
    optimizer: { name, state: { step: meta.optimizerStep ?? meta.adamStep ?? 0, slots } },
    verified,
  };
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
    throw new ConfigError(
      `${source}: checkpoint has ${weights.length} tensors but the model has ${variables.length}: it was saved for another model configuration`,
    );
  }
  variables.forEach((v, i) => {
    if (v.shape.join() !== weights[i].shape.join()) {
      throw new ConfigError(
        `${source}: tensor ${i} has shape [${weights[i].shape}] but the model expects [${v.shape}]`,
      );
    }
    v.assign(weights[i]);
  });
}

export function disposeCheckpoint(c: Checkpoint): void {
  tf.dispose([...c.weights, ...Object.values(c.optimizer.state.slots).flat()]);
}

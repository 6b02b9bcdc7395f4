/**
 * The autoregressive-property check every model must pass: for each position i (raster order, then channel order
 * R, G, B), changing any input value at or after i leaves the logits of i unchanged.
 *
 * For every i it builds one input whose entries at flat positions >= i are redrawn to other levels, runs the
 * model on all of them in batches, and compares the logits of i with those of the unchanged input. For each
 * violation it then finds the earliest single input that leaks into i, so a failure names the offending pair.
 */
import * as tf from '@tensorflow/tfjs';
import type { AutoregressiveModel } from '../model';
import { createRng, type Rng } from '../seed';
import { tidyRead } from '../tidy-read';

export interface AutoregressiveCheckOptions {
  height: number;
  width: number;
  /** Independent random base images (and redraws) to try; default 2. */
  trials?: number;
  seed?: number;
  /** Largest allowed change of a logit; default 1e-5 (float32 reassociation noise is far below it). */
  tolerance?: number;
  /** Model inputs per forward pass; default 64. */
  chunk?: number;
  /** The conditioning input for a batch of `n` images, when the model is conditional. */
  condition?: (n: number) => tf.Tensor;
}

export interface Violation {
  /** Output position whose logits changed: [row, col, channel]. */
  output: [number, number, number];
  /** Earliest input position (at or after the output) whose change alone altered them. */
  input: [number, number, number] | null;
  maxChange: number;
}

function positionOf(flat: number, width: number, channels: number): [number, number, number] {
  const ch = flat % channels;
  const pixel = (flat - ch) / channels;
  return [Math.floor(pixel / width), pixel % width, ch];
}

function otherLevel(level: number, levels: number, rng: Rng): number {
  return (level + 1 + Math.floor(rng.next() * (levels - 1))) % levels;
}

/** Logits of each input at one flat position each: inputs[k] is read at positions[k]. Returns [k][Q]. */
async function logitsAt(
  model: AutoregressiveModel,
  inputs: Int32Array[],
  positions: number[],
  opts: AutoregressiveCheckOptions,
): Promise<Float32Array[]> {
  const { height, width } = opts;
  const { channels, levels } = model.config;
  const size = height * width * channels;
  const chunk = opts.chunk ?? 64;
  const out: Float32Array[] = [];
  for (let start = 0; start < inputs.length; start += chunk) {
    const part = inputs.slice(start, start + chunk);
    const flat = new Int32Array(part.length * size);
    part.forEach((x, k) => flat.set(x, k * size));
    const values = await tidyRead(() => {
      const x = tf.tensor4d(flat, [part.length, height, width, channels], 'int32');
      return model.logits(x, opts.condition?.(part.length));
    });
    part.forEach((_, k) => {
      const at = (k * size + positions[start + k]) * levels;
      out.push(values.slice(at, at + levels));
    });
  }
  return out;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

export async function findAutoregressiveViolations(
  model: AutoregressiveModel,
  opts: AutoregressiveCheckOptions,
): Promise<Violation[]> {
  const { height, width } = opts;
  const { channels, levels } = model.config;
  const size = height * width * channels;
  const tolerance = opts.tolerance ?? 1e-5;
  const rng = createRng(opts.seed ?? 1, 'autoregressive-check');
  const violations: Violation[] = [];
  for (let trial = 0; trial < (opts.trials ?? 2) && violations.length === 0; trial++) {
    const base = Int32Array.from({ length: size }, () => Math.floor(rng.next() * levels));
    const positions = Array.from({ length: size }, (_, i) => i);
    const changedFrom = positions.map((i) => base.map((v, j) => (j >= i ? otherLevel(v, levels, rng) : v)));
    const reference = await logitsAt(
      model,
      positions.map(() => base),
      positions,
      opts,
    );
    const changed = await logitsAt(model, changedFrom, positions, opts);
    for (const i of positions) {
      const maxChange = maxAbsDiff(reference[i], changed[i]);
      if (maxChange > tolerance) violations.push({ output: positionOf(i, width, channels), input: null, maxChange });
    }
    // Name the earliest leaking input for the violations that will be reported.
    for (const v of violations.slice(0, 5)) {
      const i = (v.output[0] * width + v.output[1]) * channels + v.output[2];
      const singles = positions.filter((j) => j >= i);
      const inputs = singles.map((j) => base.map((x, k) => (k === j ? otherLevel(x, levels, rng) : x)));
      const single = await logitsAt(
        model,
        inputs,
        singles.map(() => i),
        opts,
      );
      const leak = singles.find((_, k) => maxAbsDiff(reference[i], single[k]) > tolerance);
      v.input = leak === undefined ? null : positionOf(leak, width, channels);
    }
  }
  return violations;
}

const fmt = ([r, c, ch]: [number, number, number]) => `(row ${r}, col ${c}, channel ${'RGB'[ch] ?? ch})`;

/** Throws an Error naming the leaks when the model is not autoregressive. */
export async function expectAutoregressive(
  model: AutoregressiveModel,
  opts: AutoregressiveCheckOptions,
): Promise<void> {
  const violations = await findAutoregressiveViolations(model, opts);
  if (violations.length === 0) return;
  const lines = violations
    .slice(0, 5)
    .map(
      (v) =>
        `logits at ${fmt(v.output)} changed by ${v.maxChange.toExponential(2)}` +
        (v.input ? ` when input ${fmt(v.input)} changed` : ' (only by several later inputs together)'),
    );
  throw new Error(
    `${model.name} is not autoregressive: ${violations.length} position(s) see the future\n  ${lines.join('\n  ')}`,
  );
}

/**
 * Helpers for tests that run a model on the `webgpu` backend and compare it with the `cpu` backend.
 *
 * - `webgpuOrSkip()` starts webgpu once per process. Without an adapter it says why (console.warn) and the caller
 *   skips its webgpu tests (`describe.skipIf(!gpu.available)`); under CI (`process.env.CI` set) it throws instead,
 *   so CI can never pass by skipping. On a machine without a GPU, SwiftShader provides an adapter:
 *   `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json` (see shared/webgpu-on-cpu.md).
 * - `compareFloats` / `expectClose`: elementwise |actual - expected| <= atol + rtol·scale, where scale is |expected_i|
 *   or max|expected| (`relativeTo: 'max'`, for gradients whose small entries are pure cancellation noise); the
 *   report names the worst index (largest diff / allowed).
 * - `onBackend(name, f)`: switches tfjs to `name`, runs `f`, reads every tensor it returns into plain numbers (with
 *   `await data()`: webgpu cannot read synchronously in Node) and disposes them. Tensors never move between
 *   backends here (a webgpu tensor used on cpu would be read synchronously), so build a model once per backend
 *   with the same seed: seeded initialisation gives identical weights on every backend.
 * - Per model family, on one backend at a time: `gradientsOn` (mean NLL and every variable's gradient),
 *   `trainStepOn` (one nn `trainStep` with a fresh nn `Adam`: weights before and after), `logitsOn`,
 *   `samplesOn` (naive `sampleImages` and cached `sampleFast`); `samplingParity` runs them on webgpu and cpu and
 *   says, with `minDrawMargin`, whether float differences could flip a draw. `nudge` perturbs one weight (for
 *   negative controls). Set WEBGPU_TEST_VERBOSE=1 to print how much of each tolerance the comparisons use.
 * - `takeWebgpuErrors()`: WebGPU validation errors (recorded from the device's 'uncapturederror' events), which
 *   throw nothing and only show as wrong numbers; assert it is empty after each test.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import {
  BackendError,
  sampleFast,
  meanNll,
  type AutoregressiveModel,
  sampleImages,
  createRng,
  tidyRead,
  Adam,
  type AdamOptions,
  trainStep,
} from '@pixel-models/nn';

export interface WebgpuAvailability {
  available: boolean;
  /** Why webgpu is unavailable (only when it is). */
  reason?: string;
  /** The adapter, e.g. "google swiftshader ... SwiftShader driver 5.0.0" (only when available). */
  device?: string;
}

let availability: Promise<WebgpuAvailability> | undefined;

/** CI set to anything but '', '0' or 'false'. */
const underCi = () => !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);

/**
 * Initialises the webgpu backend (once per process; it stays the active backend). Resolves to available: false
 * with the reason, printed as `webgpu tests skipped: <reason>`, when there is no adapter; rejects under CI.
 * Errors other than a missing adapter (a BackendError) always reject.
 */
export function webgpuOrSkip(): Promise<WebgpuAvailability> {
  availability ??= initBackend('webgpu').then(
    (info): WebgpuAvailability => {
      watchWebgpuErrors();
      return { available: true, device: info.device };
    },
    (e: unknown): WebgpuAvailability => {
      if (!(e instanceof BackendError)) throw e;
      if (underCi()) throw new Error(`webgpu tests must not be skipped under CI (CI=${process.env.CI}): ${e.message}`);
      console.warn(`webgpu tests skipped: ${e.message}`);
      return { available: false, reason: e.message };
    },
  );
  return availability;
}

// ---- WebGPU errors that throw nothing ----

/** The tfjs webgpu backend's GPUDevice (typed loosely: no WebGPU types in this project). */
interface WatchedDevice {
  limits: Record<string, number>;
  queue: { onSubmittedWorkDone(): Promise<void> };
  addEventListener(type: 'uncapturederror', listener: (e: { error?: { message?: string } }) => void): void;
}

const webgpuErrors: string[] = [];
let watching = false;

/**
 * The webgpu backend's device. Validation and out-of-memory errors (an invalid pipeline, too many storage
 * buffers) throw nothing: Dawn prints them, the dispatch is dropped, and the output holds zeros or stale values.
 */
export function webgpuDevice(): WatchedDevice {
  const device = (tf.findBackend('webgpu') as unknown as { device?: WatchedDevice } | null)?.device;
  if (!device) throw new BackendError('the webgpu backend is not initialised (call webgpuOrSkip first)');
  return device;
}

function watchWebgpuErrors(): void {
  if (watching) return;
  watching = true;
  webgpuDevice().addEventListener('uncapturederror', (e) => webgpuErrors.push(e.error?.message ?? String(e.error)));
}

/**
 * The uncaptured WebGPU errors since the last call (and forgets them). Check it after each test, e.g.
 * `afterEach(async () => expect(await takeWebgpuErrors()).toEqual([]))`: without it such a bug shows only as wrong numbers.
 */
export async function takeWebgpuErrors(): Promise<string[]> {
  if (watching) {
    await webgpuDevice().queue.onSubmittedWorkDone(); // errors of work already submitted arrive as events
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return webgpuErrors.splice(0, webgpuErrors.length);
}

// ---- comparing float arrays ----

export interface Tolerance {
  /** Relative part: multiplies |expected_i| (or max|expected| with relativeTo 'max'). Default 1e-5. */
  rtol?: number;
  /** Absolute part. Default 0. */
  atol?: number;
  /** 'element' (default): allowed_i = atol + rtol·|expected_i|; 'max': allowed = atol + rtol·max|expected|. */
  relativeTo?: 'element' | 'max';
}

export interface Comparison {
  ok: boolean;
  length: number;
  /** Index with the largest diff / allowed (-1 for empty arrays or a length mismatch). */
  worstIndex: number;
  worstDiff: number;
  worstAllowed: number;
  actual: number;
  expected: number;
  /** Largest |actual - expected| over all entries, and max|expected|. */
  maxDiff: number;
  maxExpected: number;
  /** Entries outside the tolerance (non-finite mismatches included). */
  failures: number;
  message: string;
}

/** Compares two float arrays entry by entry. NaN or infinite values match only the identical value. */
export function compareFloats(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance = {},
  label = 'values',
): Comparison {
  const rtol = tol.rtol ?? 1e-5;
  const atol = tol.atol ?? 0;
  const base = {
    worstIndex: -1,
    worstDiff: 0,
    worstAllowed: 0,
    actual: NaN,
    expected: NaN,
    maxDiff: 0,
    maxExpected: 0,
    failures: 0,
  };
  if (actual.length !== expected.length) {
    return {
      ...base,
      ok: false,
      length: expected.length,
      failures: expected.length,
      message: `${label}: length ${actual.length}, expected ${expected.length}`,
    };
  }
  let maxExpected = 0;
  for (let i = 0; i < expected.length; i++)
    if (Number.isFinite(expected[i])) maxExpected = Math.max(maxExpected, Math.abs(expected[i]));
  let worst = -1;
  let worstRatio = -1;
  let worstDiff = 0;
  let worstAllowed = 0;
  let maxDiff = 0;
  let failures = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const allowed = atol + rtol * (tol.relativeTo === 'max' ? maxExpected : Math.abs(e));
    let diff: number;
    let ratio: number;
    if (Number.isFinite(a) && Number.isFinite(e)) {
      diff = Math.abs(a - e);
      ratio = allowed > 0 ? diff / allowed : diff > 0 ? Infinity : 0;
    } else {
      diff = Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)) ? 0 : Infinity;
      ratio = diff === 0 ? 0 : Infinity;
    }
    maxDiff = Math.max(maxDiff, diff);
    if (ratio > 1) failures++;
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worst = i;
      worstDiff = diff;
      worstAllowed = allowed;
    }
  }
  const ok = failures === 0;
  const what = `rtol ${rtol}${tol.relativeTo === 'max' ? ' of max|expected|' : ''}, atol ${atol}`;
  const message =
    worst < 0
      ? `${label}: empty`
      : `${label}: ${ok ? 'match' : `${failures} of ${expected.length} differ`} (${what}); worst at [${worst}]: ` +
        `${actual[worst]} vs ${expected[worst]}, diff ${worstDiff.toExponential(2)} (allowed ${worstAllowed.toExponential(2)}); ` +
        `max diff ${maxDiff.toExponential(2)}, max|expected| ${maxExpected.toExponential(2)}`;
  return {
    ok,
    length: expected.length,
    worstIndex: worst,
    worstDiff,
    worstAllowed,
    actual: worst < 0 ? NaN : actual[worst],
    expected: worst < 0 ? NaN : expected[worst],
    maxDiff,
    maxExpected,
    failures,
    message,
  };
}

/** Throws an Error with `compareFloats`'s message when the arrays differ beyond the tolerance. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance = {},
  label = 'values',
): Comparison {
  const c = compareFloats(actual, expected, tol, label);
  if (!c.ok) throw new Error(c.message);
  return c;
}

/** Compares two records of arrays key by key (e.g. gradients per variable); a key missing on either side fails. */
export function compareRecords(
  actual: Record<string, ArrayLike<number>>,
  expected: Record<string, ArrayLike<number>>,
  tol: Tolerance = {},
  label = 'values',
): Comparison[] {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
  return keys.map((k) => {
    if (!(k in actual) || !(k in expected)) {
      return compareFloats(
        actual[k] ?? [],
        expected[k] ?? [NaN],
        tol,
        `${label} ${k} (missing on the ${k in actual ? 'expected' : 'actual'} side)`,
      );
    }
    return compareFloats(actual[k], expected[k], tol, `${label} ${k}`);
  });
}

const ratio = (c: Comparison) => (c.worstAllowed > 0 ? c.worstDiff / c.worstAllowed : c.worstDiff > 0 ? Infinity : 0);

/** Prints `message` when WEBGPU_TEST_VERBOSE is set (how close comparisons come to their tolerances, sampling margins). */
export function verbose(message: string): void {
  if (process.env.WEBGPU_TEST_VERBOSE) console.info(message);
}

// ---- running on a backend ----

/** What `onBackend` returns for a result of type T: every tensor read into a plain number array. */
export type Plain<T> = T extends tf.Tensor
  ? number[]
  : T extends number | string | boolean | null | undefined
    ? T
    : T extends ArrayLike<number>
      ? T
      : T extends readonly unknown[]
        ? { [K in keyof T]: Plain<T[K]> }
        : T extends object
          ? { [K in keyof T]: Plain<T[K]> }
          : T;

async function readTensors(x: unknown, owned: tf.Tensor[]): Promise<unknown> {
  if (x instanceof tf.Tensor) {
    owned.push(x);
    return Array.from(await x.data(), Number);
  }
  if (Array.isArray(x)) return Promise.all(x.map((v) => readTensors(v, owned)));
  if (x && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    const entries = await Promise.all(
      Object.entries(x).map(async ([k, v]) => [k, await readTensors(v, owned)] as const),
    );
    return Object.fromEntries(entries);
  }
  return x; // numbers, strings, typed arrays, class instances: as they are
}

/**
 * Runs `f` with `backend` active and resolves to its result with every returned tensor (also inside arrays and
 * plain objects) read as number[] and disposed. The previously active backend is restored afterwards. `f` must
 * build its own tensors on `backend` (see the file comment).
 */
export async function onBackend<T>(backend: string, f: () => T | Promise<T>): Promise<Plain<Awaited<T>>> {
  const previous = tf.getBackend();
  if (!(await tf.setBackend(backend))) throw new BackendError(`tfjs could not switch to backend "${backend}"`);
  const owned: tf.Tensor[] = [];
  try {
    const result = await f();
    return (await readTensors(result, owned)) as Plain<Awaited<T>>;
  } finally {
    tf.dispose(owned);
    if (previous && previous !== backend) await tf.setBackend(previous);
  }
}

/** Every variable's values as plain numbers, in order (read with `await data()`, so on any backend). */
export async function readVariables(variables: tf.Variable[]): Promise<number[][]> {
  return Promise.all(variables.map(async (v) => Array.from(await v.data(), Number)));
}

// ---- can float noise flip a sampled level? ----

export interface DrawMarginOptions {
  count: number;
  height: number;
  width: number;
  channels: number;
  levels: number;
  seed: number;
  temperature?: number;
}

/**
 * Replays the draws of nn's sampler (`drawImages`: raster order, channels R, G, B, images in batch order, one
 * uniform each from createRng(seed, 'sampling')) given the logits [count, H, W, C, Q] every draw saw (for an
 * autoregressive model: its logits on the sampled images themselves). Returns the smallest distance, over all
 * draws, from u·Σw to the nearest inner boundary of the cumulative weights, relative to Σw. Logits that change
 * by at most δ move every boundary by less than about 2δ/T of Σw (first order), so when the margin exceeds that
 * the same uniforms draw the same levels: float differences between backends cannot flip a draw.
 */
export function minDrawMargin(logits: ArrayLike<number>, opts: DrawMarginOptions): { margin: number; draws: number } {
  const { count, height, width, channels, levels, seed } = opts;
  const temperature = opts.temperature ?? 1;
  const rng = createRng(seed, 'sampling');
  let margin = Infinity;
  let draws = 0;
  const w = new Float64Array(levels);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      for (let ch = 0; ch < channels; ch++) {
        for (let n = 0; n < count; n++) {
          const at = (((n * height + r) * width + c) * channels + ch) * levels;
          let max = -Infinity;
          for (let q = 0; q < levels; q++) max = Math.max(max, logits[at + q] / temperature);
          let sum = 0;
          for (let q = 0; q < levels; q++) sum += w[q] = Math.exp(logits[at + q] / temperature - max);
          const u = rng.next() * sum;
          let cum = 0;
          for (let q = 0; q < levels - 1; q++) {
            cum += w[q];
            margin = Math.min(margin, Math.abs(u - cum) / sum);
          }
          draws++;
        }
      }
    }
  }
  return { margin, draws };
}

// ---- one model family on two backends ----

/** Integer levels to feed a model: values and NHWC shape (plain data, so each backend builds its own tensor). */
export interface LevelsInput {
  values: Int32Array;
  shape: [number, number, number, number];
}

/** Deterministic levels in 0..levels-1 (seeded), plain data. */
export function levelsInput(shape: [number, number, number, number], levels: number, seed = 1): LevelsInput {
  const rng = createRng(seed, 'webgpu-test-levels');
  return {
    values: Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(rng.next() * levels)),
    shape,
  };
}

/** Builds a model on the active backend (same seed every call); may return a condition for a batch `x`. */
export interface ParityCase<M extends AutoregressiveModel = AutoregressiveModel> {
  build: () => M;
  /** Conditioning input for `x`, built inside the gradient tape (so an encoder producing it gets gradients). */
  condition?: (model: M, x: tf.Tensor4D) => tf.Tensor | undefined;
}

export interface GradientResult {
  loss: number;
  /** Per trainable variable, in the model's order (tfjs names differ between backends; the order does not). */
  grads: number[][];
  shapes: number[][];
}

/**
 * On `backend`: builds the model (then `perturb` may change it), computes the mean NLL of `input` and its
 * gradients for every trainable variable, reads them back and disposes everything. A variable without a gradient
 * gets an empty array (which then fails any comparison with one that has a gradient).
 */
export async function gradientsOn<M extends AutoregressiveModel>(
  backend: string,
  c: ParityCase<M>,
  input: LevelsInput,
  perturb?: (model: M) => void,
): Promise<GradientResult> {
  return onBackend(backend, async () => {
    const model = c.build();
    try {
      perturb?.(model);
      const variables = model.trainableVariables;
      const shapes = variables.map((v) => [...v.shape]);
      const { value, grads } = tf.tidy(() => {
        const x = tf.tensor4d(input.values, input.shape, 'int32');
        return tf.variableGrads(() => meanNll(model.logits(x, c.condition?.(model, x)), x), variables);
      });
      const ordered = variables.map((v) => grads[v.name]);
      try {
        const loss = (await value.data())[0];
        const values = await Promise.all(ordered.map(async (g) => (g ? Array.from(await g.data(), Number) : [])));
        return { loss, grads: values, shapes };
      } finally {
        tf.dispose([value, ...Object.values(grads)]);
      }
    } finally {
      model.dispose();
    }
  });
}

/** Compares losses and every variable's gradient; the first entry is the loss. */
export function compareGradients(
  actual: GradientResult,
  expected: GradientResult,
  tol: { loss: Tolerance; grads: Tolerance },
): Comparison[] {
  const out = [compareFloats([actual.loss], [expected.loss], tol.loss, 'loss')];
  expected.grads.forEach((g, i) =>
    out.push(compareFloats(actual.grads[i] ?? [], g, tol.grads, `grad of variable ${i} [${expected.shapes[i]}]`)),
  );
  if (actual.grads.length !== expected.grads.length)
    out.push(compareFloats([actual.grads.length], [expected.grads.length], { rtol: 0 }, 'number of variables'));
  return out;
}

/** Throws with every mismatch's message when any comparison failed. */
export function expectAllOk(comparisons: Comparison[]): void {
  if (comparisons.length > 0) {
    const worst = comparisons.reduce((a, c) => (ratio(c) > ratio(a) ? c : a));
    verbose(
      `worst of ${comparisons.length} comparisons uses ${(100 * ratio(worst)).toFixed(1)}% of its tolerance: ${worst.message}`,
    );
  }
  const bad = comparisons.filter((c) => !c.ok);
  if (bad.length > 0)
    throw new Error(
      `${bad.length} of ${comparisons.length} comparisons failed:\n  ${bad.map((c) => c.message).join('\n  ')}`,
    );
}

export interface TrainStepResult {
  initial: number[][];
  loss: number;
  updated: number[][];
}

/** On `backend`: builds the model, runs one `trainStep` with a fresh nn `Adam`, reads the weights before and after. */
export async function trainStepOn<M extends AutoregressiveModel>(
  backend: string,
  c: ParityCase<M>,
  input: LevelsInput,
  adamOptions: AdamOptions,
): Promise<TrainStepResult> {
  return onBackend(backend, async () => {
    const model = c.build();
    const adam = new Adam(model.trainableVariables, adamOptions);
    const x = tf.tensor4d(input.values, input.shape, 'int32');
    try {
      const initial = await readVariables(model.trainableVariables);
      const loss = await trainStep(model, adam, x, { condition: c.condition && (() => c.condition?.(model, x)) });
      const updated = await readVariables(model.trainableVariables);
      return { initial, loss, updated };
    } finally {
      x.dispose();
      adam.dispose();
      model.dispose();
    }
  });
}

/** Adds `delta` to entry `index` of `v` (on the backend `v` lives on): a negative control's perturbation. */
export function nudge(v: tf.Variable, index: number, delta: number): void {
  tf.tidy(() => {
    const b = tf.buffer(v.shape, 'float32');
    b.values[index] = delta;
    v.assign(tf.add(v, b.toTensor()));
  });
}

// ---- sampling on a backend ----

export interface SamplingCase<M extends AutoregressiveModel = AutoregressiveModel> {
  /** A model with a cached sampler (`incrementalSampler()`). */
  build: () => M;
  /** Conditioning input for `count` images (built on the active backend), when the model is conditional. */
  condition?: (count: number) => tf.Tensor;
}

export interface SampleSettings {
  count: number;
  height: number;
  width: number;
  seed: number;
  temperature?: number;
}

/** On `backend`: the levels drawn by naive `sampleImages` and/or cached `sampleFast` for the same options. */
export async function samplesOn<M extends AutoregressiveModel>(
  backend: string,
  c: SamplingCase<M>,
  settings: SampleSettings,
  which: { naive?: boolean; cached?: boolean } = { naive: true, cached: true },
): Promise<{ naive?: number[]; cached?: number[] }> {
  return onBackend(backend, async () => {
    const model = c.build();
    const condition = c.condition?.(settings.count);
    try {
      const opts = { ...settings, condition };
      const naive = which.naive ? Array.from(await sampleImages(model, opts)) : undefined;
      const sampler = which.cached ? model.incrementalSampler?.() : undefined;
      if (which.cached && !sampler) throw new Error(`${model.name} has no incrementalSampler()`);
      const cached = sampler ? Array.from(await sampleFast(sampler, opts)) : undefined;
      return { naive, cached };
    } finally {
      condition?.dispose();
      model.dispose();
    }
  });
}

/** On `backend`: the model's logits [N, H, W, C, Q] for the given levels, as plain numbers. */
export async function logitsOn<M extends AutoregressiveModel>(
  backend: string,
  c: { build: () => M; condition?: (count: number) => tf.Tensor },
  input: LevelsInput,
): Promise<number[]> {
  return onBackend(backend, async () => {
    const model = c.build();
    try {
      return Array.from(
        await tidyRead(() =>
          model.logits(tf.tensor4d(input.values, input.shape, 'int32'), c.condition?.(input.shape[0])),
        ),
        Number,
      );
    } finally {
      model.dispose();
    }
  });
}

export interface SamplingParity {
  /** Naive and cached samples on webgpu, naive samples on cpu (levels, NHWC). */
  webgpuNaive: number[];
  webgpuCached: number[];
  cpuNaive: number[];
  /** Smallest relative distance of a draw from flipping (see `minDrawMargin`), on the cpu logits of the cpu samples. */
  margin: number;
  /** Largest |logit difference| between webgpu and cpu on the cpu samples. */
  logitDiff: number;
  /** Whether the margin is wide enough (> `safety`·2·logitDiff/T) for webgpu's samples to have to equal cpu's. */
  comparable: boolean;
}

/**
 * Samples with naive `sampleImages` and cached `sampleFast` on webgpu, and naively on cpu; then measures how far
 * every cpu draw was from flipping and how much the logits differ between the backends on those images. The
 * caller asserts: webgpuNaive = webgpuCached always; webgpuNaive = cpuNaive when `comparable`.
 */
export async function samplingParity<M extends AutoregressiveModel>(
  c: SamplingCase<M>,
  settings: SampleSettings,
  safety = 20,
): Promise<SamplingParity> {
  const cpu = await samplesOn('cpu', c, settings, { naive: true });
  const webgpu = await samplesOn('webgpu', c, settings);
  const probe = { build: c.build, condition: c.condition };
  const cfg = await onBackend('cpu', () => {
    const m = c.build();
    const { channels, levels } = m.config;
    m.dispose();
    return { channels, levels };
  });
  const input: LevelsInput = {
    values: Int32Array.from(cpu.naive ?? []),
    shape: [settings.count, settings.height, settings.width, cfg.channels],
  };
  const cpuLogits = await logitsOn('cpu', probe, input);
  const gpuLogits = await logitsOn('webgpu', probe, input);
  const logitDiff = compareFloats(gpuLogits, cpuLogits).maxDiff;
  const { margin } = minDrawMargin(cpuLogits, { ...settings, ...cfg });
  const temperature = settings.temperature ?? 1;
  return {
    webgpuNaive: webgpu.naive ?? [],
    webgpuCached: webgpu.cached ?? [],
    cpuNaive: cpu.naive ?? [],
    margin,
    logitDiff,
    comparable: margin > (safety * 2 * logitDiff) / temperature + 1e-6,
  };
}

// ---- what every model family's webgpu-vs-cpu test shares ----

/**
 * Tolerances, webgpu vs cpu (both float32): the loss to 1e-5 relative; each variable's gradient entrywise to
 * 1e-4 of that variable's max |grad| (small entries are sums that cancel, so a relative bound per entry would
 * measure noise); weights after one Adam step to 1e-6 absolute (the step moves them by ~lr = 1e-2).
 */
export const PARITY_TOLERANCE = { loss: { rtol: 1e-5 }, grads: { rtol: 1e-4, relativeTo: 'max' as const } };
export const PARITY_WEIGHT_TOLERANCE: Tolerance = { rtol: 0, atol: 1e-6 };
/** Adam with a large epsilon: the first step is lr·g/(|g| + 0.03) rather than lr·sign(g), so gradient noise near 0 cannot flip a step. */
export const PARITY_ADAM: AdamOptions = { learningRate: 1e-2, epsilon: 1e-3 };

/**
 * Throws when cached and naive sampling drew different levels on webgpu, when the samples are one constant level,
 * or when webgpu and cpu drew different levels although no draw was near flipping (`samplingParity`). Returns
 * whether the cpu samples could be compared (a warning says why not).
 */
export function expectSamplingParity(name: string, p: SamplingParity): boolean {
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  if (!same(p.webgpuCached, p.webgpuNaive))
    throw new Error(`${name}: cached sampling drew other levels than naive sampling on webgpu`);
  if (new Set(p.webgpuNaive).size < 2) throw new Error(`${name}: the samples are one constant level`);
  if (p.comparable && !same(p.webgpuNaive, p.cpuNaive)) {
    throw new Error(
      `${name}: webgpu drew other levels than cpu, though every draw was ${p.margin.toExponential(1)} from flipping and the logits differ by ${p.logitDiff.toExponential(1)}`,
    );
  }
  if (!p.comparable)
    console.warn(
      `${name}: a draw is within ${p.margin.toExponential(1)} of flipping (logits differ by ${p.logitDiff.toExponential(1)}): cpu samples not compared`,
    );
  verbose(
    `sampling: margin ${p.margin.toExponential(2)}, logit diff ${p.logitDiff.toExponential(2)}, compared with cpu: ${p.comparable}`,
  );
  return p.comparable;
}

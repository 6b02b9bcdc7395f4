/**
 * Speed of every model on every available backend: training step (forward + backward + nn's Adam), forward pass,
 * sampling naive vs fast (Ramachandran et al. 2017: cached activations), a training step's peak working memory
 * (step_peak_mb) and the process's peak RSS, over image sizes.
 *   npx nx run experiments:speed [--preset smoke|default|gpu] [--backends tensorflow,webgpu,wasm,cpu] [--sizes 16,28] [--reference torch.jsonl]
 * `--reference`: JSON lines printed by torch_reference.py (experiments/bench) on the same host; rows with the same
 * model, size, batch, feature channels, layers and levels get the ratio tfjs / PyTorch ms per step, and a table of
 * both is printed. `--torch-args` prints torch_reference.py's arguments for the preset's shapes, one run a line
 * (experiments/bench/cpu-vs-torch.sh runs them).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  type AutoregressiveModel,
  ConfigError,
  type IncrementalSampler,
  countKernels,
  countParameters,
  sampleFast,
  sampleImages,
  tidyRead,
  trainStep,
} from '@pixel-models/nn';
import {
  type BackendInfo,
  checkOutputRoot,
  defineFlags,
  finishRun,
  initBackend,
  openRun,
  parseBackendName,
  parseFlags,
  renderReport,
  runMain,
} from '@pixel-models/lab';
import { MODELS, type ModelKind, createModel } from './models/registry';
import { REPO_ROOT } from './repo-root';
import { meanMs } from './timing';

export const SPEED_MODELS = ['gated', 'pixelcnn', 'row-lstm', 'diagonal-bilstm'] as const;
export type SpeedModel = (typeof SPEED_MODELS)[number];

/** Model sizes per preset: `filters` is the feature width (Gated: F; PixelRNN models: 2h), as torch_reference.py's --channels. */
export interface SpeedPreset {
  sizes: number[];
  batch: number;
  steps: number;
  sampleCount: number;
  levels: number;
  layers: Record<SpeedModel, number>;
  filters: Record<SpeedModel, number>;
}

export const SPEED_PRESETS: Record<'smoke' | 'default' | 'gpu', SpeedPreset> = {
  /** Seconds: for the test. */
  smoke: {
    sizes: [6],
    batch: 2,
    steps: 1,
    sampleCount: 2,
    levels: 2,
    layers: { gated: 2, pixelcnn: 2, 'row-lstm': 1, 'diagonal-bilstm': 1 },
    filters: { gated: 4, pixelcnn: 8, 'row-lstm': 8, 'diagonal-bilstm': 8 },
  },
  /** About 5 minutes on 2 CPU cores: the CPU presets (mnist-gated default, pixelcnn-cpu, row-lstm-cpu, diagonal-bilstm-cpu). */
  default: {
    sizes: [16, 28],
    batch: 16,
    steps: 10,
    sampleCount: 8,
    levels: 2,
    layers: { gated: 5, pixelcnn: 4, 'row-lstm': 2, 'diagonal-bilstm': 1 },
    filters: { gated: 16, pixelcnn: 32, 'row-lstm': 32, 'diagonal-bilstm': 32 },
  },
  /** torch_reference.py's defaults: batch 64, 28x28, Q = 256, fp32, 64 feature channels, 8 layers. */
  gpu: {
    sizes: [28],
    batch: 64,
    steps: 5,
    sampleCount: 64,
    levels: 256,
    layers: { gated: 8, pixelcnn: 8, 'row-lstm': 8, 'diagonal-bilstm': 8 },
    filters: { gated: 64, pixelcnn: 64, 'row-lstm': 64, 'diagonal-bilstm': 64 },
  },
};

export const SPEED_COLUMNS = [
  'model',
  'backend',
  'device',
  'size',
  'batch',
  'channels',
  'filters',
  'layers',
  'levels',
  'params',
  'train_ms',
  'images_per_s',
  'forward_ms',
  'sample_count',
  'naive_sample_ms',
  'fast_sample_ms',
  'sample_speedup',
  'samples_identical',
  'kernels_per_step',
  'step_peak_mb',
  'peak_rss_mb',
  'torch_ms',
  'torch_params',
  'tfjs_over_torch',
] as const;
export type SpeedRow = Record<(typeof SPEED_COLUMNS)[number], string | number>;

/** One line of torch_reference.py output. */
export interface TorchReference {
  model: string;
  channels: number;
  layers?: number;
  batch: number;
  size: number;
  levels: number;
  ms_per_step: number;
  precision?: string;
  params?: number;
  device?: string;
}

/** Parses torch_reference.py's JSON lines (other lines, e.g. logs, are skipped). */
export function parseTorchReference(text: string): TorchReference[] {
  const out: TorchReference[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    const j = JSON.parse(t) as Partial<TorchReference> & { shape?: number[] };
    const size = j.size ?? j.shape?.[1];
    if (typeof j.model !== 'string' || typeof j.ms_per_step !== 'number' || size === undefined)
      throw new ConfigError(`--reference: line without model/size/ms_per_step: ${t}`);
    out.push({
      model: j.model,
      channels: j.channels ?? 64,
      layers: j.layers,
      batch: j.batch ?? 64,
      size,
      levels: j.levels ?? 256,
      ms_per_step: j.ms_per_step,
      precision: j.precision,
      params: j.params,
      device: j.device,
    });
  }
  return out;
}

/** The reference row for a measurement: same model, size, batch, feature channels and levels (fp32 preferred). */
export function matchReference(
  refs: TorchReference[],
  row: { model: string; size: number; batch: number; filters: number; levels: number; layers: number },
): TorchReference | undefined {
  const same = refs.filter(
    (r) =>
      r.model === row.model &&
      r.size === row.size &&
      r.batch === row.batch &&
      r.channels === row.filters &&
      r.levels === row.levels &&
      (r.layers === undefined || r.layers === row.layers),
  );
  return same.find((r) => (r.precision ?? 'fp32') === 'fp32') ?? same[0];
}

/** torch_reference.py's arguments for each (size, model) of a preset: the same shapes as `speedModel`. */
export function torchReferenceArgs(p: SpeedPreset, sizes: number[], models: readonly SpeedModel[]): string[] {
  return sizes.flatMap((size) =>
    models.map(
      (m) =>
        `--model ${m} --channels ${p.filters[m]} --layers ${p.layers[m]} --batch ${p.batch} --size ${size} --levels ${p.levels}`,
    ),
  );
}

/** The side-by-side table printed after a run with `--reference`: one line per measured row. */
export function torchTable(rows: SpeedRow[], refs: TorchReference[]): string {
  const devices = [...new Set(refs.map((r) => r.device).filter((d) => d !== undefined))].join(', ');
  const lines = [
    `tfjs vs PyTorch, training step ms (PyTorch: ${devices || 'device not given'})`,
    '| model | backend | size | batch | features | layers | Q | params tfjs / torch | tfjs ms | PyTorch ms | tfjs / PyTorch |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.model} | ${r.backend} | ${r.size} | ${r.batch} | ${r.filters} | ${r.layers} | ${r.levels} | ${r.params} / ${r.torch_params === '' ? '-' : r.torch_params} | ${r.train_ms} | ${r.torch_ms === '' ? '-' : r.torch_ms} | ${r.tfjs_over_torch === '' ? '-' : r.tfjs_over_torch} |`,
    );
  return lines.join('\n');
}

/** The registry's kind behind each speed model (whose names are torch_reference.py's, kept in speed.csv). */
export const SPEED_KINDS: Record<SpeedModel, ModelKind> = {
  gated: 'gated-pixelcnn',
  pixelcnn: 'pixelcnn',
  'row-lstm': 'row-lstm',
  'diagonal-bilstm': 'diagonal-bilstm',
};

/** A speed preset's model of one kind: `filters` feature maps between layers (Gated F, PixelRNN 2h). */
export function speedModel(kind: SpeedModel, p: SpeedPreset, seed: number): AutoregressiveModel {
  const registered = SPEED_KINDS[kind];
  return createModel(
    registered,
    {
      channels: 1,
      levels: p.levels,
      layers: p.layers[kind],
      hidden: p.filters[kind] / MODELS[registered].featuresPerHidden,
    },
    seed,
  );
}

/** A speed preset's model of one kind and its cached sampler. */
export function buildSpeedModel(
  kind: SpeedModel,
  p: SpeedPreset,
  seed: number,
): { model: AutoregressiveModel; sampler: IncrementalSampler } {
  const model = speedModel(kind, p, seed);
  const sampler = model.incrementalSampler?.();
  if (!sampler) throw new ConfigError(`${model.name} has no cached sampler`);
  return { model, sampler };
}

/**
 * Peak tensor bytes the tfjs engine held during `f` above what was allocated before it: a training step's
 * activations, gradients and temporaries. From tf.profile, which records the engine's byte count after every
 * kernel (polling tf.memory() from outside misses what a backward pass frees before it returns). A buffer
 * shared by reshapes counts once per tensor, as in tf.memory().
 */
export async function peakWorkingBytes(f: () => unknown): Promise<number> {
  const before = tf.memory().numBytes;
  const profile = await tf.profile(async () => {
    await f();
  });
  return profile.peakBytes - before;
}

/** The process's resident-set high-water mark so far, in bytes (monotone over a run's rows). */
const processPeakRss = (): number => process.resourceUsage().maxRSS * 1024;

async function measure(
  kind: SpeedModel,
  p: SpeedPreset,
  size: number,
  sampleCount: number,
  info: BackendInfo,
  seed: number,
  log: (s: string) => void,
): Promise<SpeedRow> {
  const { model, sampler } = buildSpeedModel(kind, p, seed);
  const adam = new Adam(model.trainableVariables, { learningRate: 1e-3 });
  const x = tf.tidy(
    () =>
      tf.cast(
        tf.mul(tf.randomUniform([p.batch, size, size, 1], 0, 1, 'float32', seed), p.levels - 1e-3),
        'int32',
      ) as tf.Tensor4D,
  );
  const trainMs = await meanMs(p.steps, () => trainStep(model, adam, x));
  const forwardMs = await meanMs(p.steps, () => tidyRead(() => model.logits(x)));
  const stepPeakBytes = await peakWorkingBytes(() => trainStep(model, adam, x)); // untimed: profiling slows kernels
  const { kernels } = await countKernels(() => trainStep(model, adam, x));
  const opts = { count: sampleCount, height: size, width: size, seed };
  let t0 = performance.now();
  const naive = await sampleImages(model, opts);
  const naiveMs = performance.now() - t0;
  t0 = performance.now();
  const fast = await sampleFast(sampler, opts);
  const fastMs = performance.now() - t0;
  const identical = naive.every((v, i) => v === fast[i]);
  const row: SpeedRow = {
    model: kind,
    backend: info.name,
    device: info.device,
    size,
    batch: p.batch,
    channels: 1,
    filters: p.filters[kind],
    layers: p.layers[kind],
    levels: p.levels,
    params: countParameters(model),
    train_ms: +trainMs.toFixed(1),
    images_per_s: +((p.batch * 1000) / trainMs).toFixed(1),
    forward_ms: +forwardMs.toFixed(1),
    sample_count: sampleCount,
    naive_sample_ms: +naiveMs.toFixed(0),
    fast_sample_ms: +fastMs.toFixed(0),
    sample_speedup: +(naiveMs / fastMs).toFixed(2),
    samples_identical: identical ? 'yes' : 'NO',
    kernels_per_step: kernels,
    step_peak_mb: +(stepPeakBytes / 2 ** 20).toFixed(2),
    peak_rss_mb: +(processPeakRss() / 2 ** 20).toFixed(0),
    torch_ms: '',
    torch_params: '',
    tfjs_over_torch: '',
  };
  log(
    `${kind} ${info.name} ${size}x${size}: train ${row.train_ms} ms/step (${row.images_per_s} img/s, ${kernels} kernels), forward ${row.forward_ms} ms, sample ${sampleCount}: naive ${row.naive_sample_ms} ms, fast ${row.fast_sample_ms} ms (x${row.sample_speedup}, identical: ${row.samples_identical})`,
  );
  x.dispose();
  adam.dispose();
  model.dispose();
  return row;
}

function report(rows: SpeedRow[], title: string): string {
  const keys = [...new Set(rows.map((r) => `${r.model} / ${r.backend}`))];
  const series = (k: string) => rows.filter((r) => `${r.model} / ${r.backend}` === k);
  const withTorch = rows.filter((r) => r.tfjs_over_torch !== '');
  return renderReport({
    title,
    subtitle:
      'Training step = forward + backward + Adam; sampling naive (one forward pass per pixel over the rows so far) vs fast (cached activations, Ramachandran et al. 2017).',
    sections: [
      {
        kind: 'plot',
        title: 'Training ms/step vs image size',
        data: keys.map((k) => ({
          type: 'scatter',
          mode: 'lines+markers',
          name: k,
          x: series(k).map((r) => r.size),
          y: series(k).map((r) => r.train_ms),
        })),
        layout: {
          xaxis: { title: { text: 'image side (pixels)' } },
          yaxis: { title: { text: 'ms per step' }, type: 'log' },
        },
      },
      {
        kind: 'plot',
        title: 'Training step peak working memory vs image size (activations, gradients, temporaries)',
        data: keys.map((k) => ({
          type: 'scatter',
          mode: 'lines+markers',
          name: k,
          x: series(k).map((r) => r.size),
          y: series(k).map((r) => r.step_peak_mb),
        })),
        layout: {
          xaxis: { title: { text: 'image side (pixels)' } },
          yaxis: { title: { text: 'MB above what was allocated before the step' }, type: 'log' },
        },
      },
      {
        kind: 'plot',
        title: 'Sampling speed-up (naive / fast)',
        data: [
          {
            type: 'bar',
            x: rows.map((r) => `${r.model} ${r.backend} ${r.size}x${r.size}`),
            y: rows.map((r) => r.sample_speedup),
          },
        ],
        layout: { yaxis: { title: { text: 'speed-up' } } },
      },
      ...(withTorch.length
        ? [
            {
              kind: 'plot' as const,
              title: 'tfjs / PyTorch ms per step (same shapes)',
              data: [
                {
                  type: 'bar',
                  x: withTorch.map((r) => `${r.model} ${r.backend} ${r.size}x${r.size}`),
                  y: withTorch.map((r) => r.tfjs_over_torch),
                },
              ],
            },
          ]
        : []),
      {
        kind: 'table',
        title: 'All measurements',
        columns: [...SPEED_COLUMNS],
        rows: rows.map((r) => SPEED_COLUMNS.map((c) => r[c])),
      },
    ],
  });
}

const flags = defineFlags({
  preset: {
    type: 'enum',
    choices: ['smoke', 'default', 'gpu'],
    default: 'default',
    help: 'sizes and models: smoke (seconds), default (2 CPU cores, ~5 min), gpu (torch_reference.py shapes)',
  },
  backends: {
    type: 'string',
    default: 'tensorflow,webgpu,wasm',
    help: 'comma-separated backends to try; unavailable ones are reported and skipped (add cpu for the pure-JS backend: tens of seconds a step)',
  },
  sizes: { type: 'string', default: '', help: "comma-separated image sides (default: the preset's), e.g. 16,28,32,64" },
  models: { type: 'string', default: SPEED_MODELS.join(','), help: 'comma-separated models' },
  'kernel-threads': { type: 'int', min: 1, default: 1, help: 'wasm: XNNPACK threads per convolution / product' },
  'sample-count': { type: 'int', min: 1, default: 0, help: "images per sampling run (default: the preset's)" },
  reference: { type: 'string', default: '', help: 'torch_reference.py JSON lines to compare with' },
  'torch-args': {
    type: 'bool',
    default: false,
    help: "print torch_reference.py's arguments for the preset's shapes (one run a line) and exit",
  },
  seed: { type: 'int', min: 1, default: 1, help: 'weights, data and sampling seed' },
  out: { type: 'string', default: '', help: 'results root (default: <repo>/results)' },
  reports: { type: 'string', default: '', help: 'reports root (default: <repo>/reports)' },
  'run-id': { type: 'string', default: '', help: 'run folder name (default: time-stamped)' },
});

export interface SpeedResult {
  dir: string;
  csvPath: string;
  reportPath: string;
  rows: SpeedRow[];
}

export async function speed(argv: string[], log: (s: string) => void = console.log): Promise<SpeedResult> {
  const f = parseFlags(flags, argv, { usage: 'npx nx run experiments:speed [--flag value ...]' });
  const preset = SPEED_PRESETS[f.preset];
  const sizes = f.sizes ? f.sizes.split(',').map((s) => Number(s.trim())) : preset.sizes;
  if (sizes.some((s) => !Number.isInteger(s) || s < 2))
    throw new ConfigError(`--sizes: image sides must be integers >= 2, got "${f.sizes}"`);
  const models = f.models.split(',').map((m) => m.trim()) as SpeedModel[];
  for (const m of models)
    if (!SPEED_MODELS.includes(m))
      throw new ConfigError(`--models: unknown model "${m}": use ${SPEED_MODELS.join(', ')}`);
  if (f['torch-args']) {
    for (const line of torchReferenceArgs(preset, sizes, models)) log(line);
    return { dir: '', csvPath: '', reportPath: '', rows: [] };
  }
  const refs = f.reference ? parseTorchReference(fs.readFileSync(f.reference, 'utf8')) : [];
  const resultsRoot = f.out === '' ? path.join(REPO_ROOT, 'results') : checkOutputRoot('--out', f.out, process.cwd());
  const reportsRoot =
    f.reports === '' ? path.join(REPO_ROOT, 'reports') : checkOutputRoot('--reports', f.reports, process.cwd());
  const started = new Date();
  const rows: SpeedRow[] = [];
  let lastInfo: BackendInfo | undefined;
  for (const name of f.backends.split(',').map((b) => parseBackendName(b.trim()))) {
    let info: BackendInfo;
    try {
      info = await initBackend(name, { kernelThreads: f['kernel-threads'] });
    } catch (e) {
      log(`${name}: not available, skipped: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    lastInfo = info;
    for (const size of sizes) {
      for (const kind of models) {
        const row = await measure(kind, preset, size, f['sample-count'] || preset.sampleCount, info, f.seed, log);
        const ref = matchReference(refs, {
          model: kind,
          size,
          batch: preset.batch,
          filters: preset.filters[kind],
          levels: preset.levels,
          layers: preset.layers[kind],
        });
        if (ref)
          Object.assign(row, {
            torch_ms: ref.ms_per_step,
            torch_params: ref.params ?? '',
            tfjs_over_torch: +(Number(row.train_ms) / ref.ms_per_step).toFixed(2),
          });
        rows.push(row);
      }
    }
  }
  if (!lastInfo) throw new ConfigError(`no backend of "${f.backends}" is available`);
  // The run folder is made once the measurements are in; the manifest names the last backend measured.
  const run = await openRun({
    experiment: 'speed',
    roots: { results: resultsRoot, reports: reportsRoot },
    backend: lastInfo,
    seed: f.seed,
    preset: f.preset,
    runId: f['run-id'] || undefined,
    started,
  });
  const { folder } = run;
  folder.writeCsv('speed.csv', rows, [...SPEED_COLUMNS]);
  const { reportPath } = finishRun(run, {
    summary: { rows: rows.length, backends: [...new Set(rows.map((r) => r.backend))].join(',') },
    html: () => report(rows, `Speed (${f.preset} preset)`),
  });
  if (refs.length) log(torchTable(rows, refs));
  log(`wrote ${folder.path('speed.csv')} and ${reportPath}`);
  return { dir: folder.dir, csvPath: folder.path('speed.csv'), reportPath, rows };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  tf.env().set('PROD', true);
  runMain(async () => {
    await speed(process.argv.slice(2));
  });
}

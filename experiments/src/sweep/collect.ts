/**
 * `--collect`: merges a sweep's run folders into one comparison, written the way the in-process comparisons
 * write theirs (runs.csv, summary.csv, curves.csv, table.md, and a report with mean ± std over seeds, learning
 * curves and paper numbers in their own column): results/sweep/<name>/ and reports/sweep/<name>.html.
 * Training runs: one group per experiment; one entry per set of flags other than --seed; the seeds are its
 * replicates. Comparison runs (one model and seed each) go back into their comparison's groups and entries, with its
 * labels, paper numbers, checks and samples (comparison-runs.ts), so the tables equal an in-process run's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type LrSchedule, OPTIMIZER_LABELS } from '@pixel-models/nn';
import {
  type BackendInfo,
  learningRateLabel,
  type ComparisonEntry,
  type ComparisonGroup,
  type ComparisonCurvePoint,
  type ComparisonRow,
  type Manifest,
  type ReportSection,
  PAPER_BINARIZED_MNIST_NATS,
  type PaperNumber,
  buildManifest,
  groupSections,
  openRunFolder,
  renderReport,
  writeComparisonTables,
  writeReport,
  writeReportIndex,
} from '@pixel-models/lab';
import { collectComparisonRuns } from './comparison-runs';
import { runState, type PlannedRun, type SweepPlan } from './plan';
import { SWEEP_EXPERIMENTS } from './spec';

export const SWEEP_EXPERIMENT = 'sweep';

const MODEL_LABELS: Record<string, string> = {
  pixelcnn: 'PixelCNN',
  'row-lstm': 'Row LSTM',
  'diagonal-bilstm': 'Diagonal BiLSTM',
};
const TITLES: Record<string, string> = {
  'mnist-gated': 'Gated PixelCNN on MNIST',
  'mnist-pixelrnn': 'PixelRNN-paper models on MNIST',
  'mnist-class-conditional': 'Class-conditional Gated PixelCNN on MNIST',
  'mnist-embedding-conditional': 'Embedding-conditional Gated PixelCNN on MNIST',
  'mnist-autoencoder': 'PixelCNN auto-encoder on MNIST',
};

/** The PixelRNN paper's binarized-MNIST number for a mnist-pixelrnn run's model (binarized MNIST only). */
export function paperNumberFor(run: PlannedRun): PaperNumber | undefined {
  if (run.experiment !== 'mnist-pixelrnn' || (run.flags.levels !== undefined && run.flags.levels !== 2))
    return undefined;
  const model = String(run.flags.model ?? 'pixelcnn');
  const name =
    model === 'diagonal-bilstm'
      ? run.flags.preset === 'gpu-1x32'
        ? 'Diagonal BiLSTM (1 layer, h = 32)'
        : 'Diagonal BiLSTM (7 layers, h = 16)'
      : MODEL_LABELS[model];
  return PAPER_BINARIZED_MNIST_NATS.find((p) => p.model === name);
}

const entryKey = (run: PlannedRun) =>
  Object.keys(run.flags)
    .filter((k) => k !== 'seed')
    .sort()
    .map((k) => `${k}=${run.flags[k]}`)
    .join(',') || 'defaults';
function entryLabel(run: PlannedRun): string {
  const model =
    run.flags.model !== undefined
      ? (MODEL_LABELS[String(run.flags.model)] ?? String(run.flags.model))
      : (TITLES[run.experiment] ?? run.experiment).replace(/ on MNIST$/, '');
  const rest = Object.keys(run.flags)
    .filter((k) => !['seed', 'model', 'backend'].includes(k))
    .sort()
    .map((k) => `${k} ${run.flags[k]}`);
  return rest.length ? `${model} (${rest.join(', ')})` : model;
}

/** Rows of a small numeric CSV (the run folders' metrics.csv and curve.csv). */
function readCsv(file: string): Record<string, number>[] {
  if (!fs.existsSync(file)) return [];
  const [head, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.filter(Boolean).map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], Number(v)])));
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

const loadComparison = (experiment: string) => {
  const entry = SWEEP_EXPERIMENTS[experiment];
  if (entry?.kind !== 'comparison') throw new Error(`${experiment} is not a comparison experiment`);
  return entry.load();
};

export interface CollectResult {
  dir: string;
  reportPath: string;
  rows: ComparisonRow[];
  missing: PlannedRun[];
}

/** What a set of runs adds to the merged comparison. */
export interface CollectedPart {
  groups: ComparisonGroup[];
  rows: ComparisonRow[];
  curves: ComparisonCurvePoint[];
  budgets: Map<string, string>;
  extras: ReportSection[];
  first?: Manifest;
}

function collectTrainingRuns(plan: SweepPlan, done: PlannedRun[]): CollectedPart {
  const groups: ComparisonGroup[] = [];
  const rows: ComparisonRow[] = [];
  const curves: ComparisonCurvePoint[] = [];
  const budgets = new Map<string, string>();
  let first: Manifest | undefined;
  for (const run of done) {
    const manifest = readJson<Manifest>(path.join(run.dir, 'manifest.json'));
    const config = readJson<{
      train: { epochs: number; batchSize: number; learningRate: number; lrSchedule?: LrSchedule; optimizer?: string };
      data: { levels: number };
      seed: number;
    }>(path.join(run.dir, 'config.json'));
    first ??= manifest;
    const s = manifest.summary ?? {};
    const num = (k: string) => (typeof s[k] === 'number' ? (s[k] as number) : NaN);
    let group = groups.find((g) => g.key === run.experiment);
    if (!group) {
      group = {
        key: run.experiment,
        title: TITLES[run.experiment] ?? run.experiment,
        description: `Runs of experiments:${run.experiment} from sweep ${plan.name}, one run folder each under ${path.join(plan.resultsRoot, run.experiment)}; mean and spread over seeds.`,
        data: 'mnist',
        levels: config.data.levels,
        entries: [],
        unit: 'nats',
      };
      groups.push(group);
    }
    const key = entryKey(run);
    if (!group.entries.some((e) => e.key === key)) {
      group.entries.push({
        key,
        label: entryLabel(run),
        paper: paperNumberFor(run),
        createModel: () => {
          throw new Error('a collected entry builds no model');
        },
      } as ComparisonEntry);
    }
    const metrics = readCsv(path.join(run.dir, 'metrics.csv'));
    const optimizer =
      OPTIMIZER_LABELS[(config.train.optimizer ?? String(s.optimizer ?? 'adam')) as keyof typeof OPTIMIZER_LABELS] ??
      String(s.optimizer ?? '');
    const trainPerEpoch = metrics.length ? metrics[0].images_per_second * metrics[0].seconds : NaN;
    rows.push({
      group: group.key,
      entry: key,
      label: entryLabel(run),
      seed: manifest.seed,
      testNats: Number.isFinite(num('testNats')) ? num('testNats') : num('conditionalTestNats'),
      testBitsPerDim: Number.isFinite(num('testBitsPerDim')) ? num('testBitsPerDim') : num('conditionalTestBitsPerDim'),
      validationNats: metrics[metrics.length - 1]?.validation_nats ?? NaN,
      epochs: num('epochs'),
      trainImages: Math.round(trainPerEpoch) * num('epochs'),
      trainSeconds: num('trainSeconds'),
      parameters: num('parameters'),
      testImages: num('testImages'),
      optimizer,
      measuredOn: String(s.binarization ?? `MNIST at ${config.data.levels} levels`),
    });
    const curve = readCsv(path.join(run.dir, 'curve.csv'));
    const points = curve.length
      ? curve.map((c) => ({ epoch: c.epoch, nats: c.nats }))
      : metrics.map((m) => ({ epoch: m.epoch, nats: m.train_nats }));
    curves.push(...points.map((p) => ({ group: group.key, entry: key, seed: manifest.seed, ...p })));
    if (!budgets.has(group.key)) {
      budgets.set(
        group.key,
        `${config.train.epochs} epoch(s) of ${Math.round(trainPerEpoch)} training images, batch ${config.train.batchSize}, ${optimizer} ${learningRateLabel(config.train)}, on ${manifest.backend} (${manifest.device})`,
      );
    }
  }
  return { groups, rows, curves, budgets, extras: [], first };
}

export async function collectSweep(plan: SweepPlan): Promise<CollectResult> {
  const done = plan.runs.filter((r) => runState(r) === 'completed');
  const missing = plan.runs.filter((r) => !done.includes(r));
  if (!done.length) throw new Error(`sweep ${plan.name}: no completed run to collect under ${plan.resultsRoot}`);
  const isComparison = (r: PlannedRun) => SWEEP_EXPERIMENTS[r.experiment]?.kind === 'comparison';
  const training = done.filter((r) => !isComparison(r));
  const parts = [
    ...(training.length ? [collectTrainingRuns(plan, training)] : []),
    ...(await collectComparisonRuns(done.filter(isComparison), loadComparison)),
  ];
  const groups = parts.flatMap((p) => p.groups);
  const rows = parts.flatMap((p) => p.rows);
  const curves = parts.flatMap((p) => p.curves);
  const budgets = new Map(parts.flatMap((p) => [...p.budgets]));
  const first = parts.find((p) => p.first)?.first;
  const dir = path.join(plan.resultsRoot, SWEEP_EXPERIMENT, plan.name);
  fs.mkdirSync(dir, { recursive: true });
  const folder = openRunFolder(dir);
  folder.writeJson('config.json', {
    experiment: SWEEP_EXPERIMENT,
    sweep: plan.name,
    runs: plan.runs.map((r) => ({ experiment: r.experiment, runId: r.runId, flags: r.flags })),
  });
  const budgetOf = (g: ComparisonGroup) => budgets.get(g.key) ?? '';
  const summary = writeComparisonTables(folder, groups, rows, curves, budgetOf);
  const tables = fs.readFileSync(folder.path('table.md'), 'utf8');
  const backend = {
    requested: 'auto',
    name: first?.backend ?? '?',
    device: first?.device ?? '?',
    tfjsVersion: first?.tfjsVersion ?? '?',
    skipped: [],
  } as unknown as BackendInfo;
  const now = new Date();
  folder.writeJson(
    'manifest.json',
    buildManifest({
      experiment: SWEEP_EXPERIMENT,
      runId: plan.name,
      seed: first?.seed ?? 1,
      backend,
      started: now,
      ended: now,
      status: 'completed',
      summary: {
        ...Object.fromEntries(summary.map((s) => [`${s.group}/${s.entry}`, Number(s.mean.toFixed(4))])),
        runs: done.length,
        missing: missing.length,
      },
    }),
  );
  const html = renderReport({
    title: `Sweep ${plan.name}`,
    subtitle: `${done.length} of ${plan.runs.length} run(s) completed${missing.length ? ` (missing: ${missing.map((r) => `${r.experiment}/${r.runId}`).join(', ')})` : ''}; results root ${plan.resultsRoot}`,
    sections: [
      ...groups.flatMap((g) => groupSections(g, summary, curves, budgetOf(g))),
      ...parts.flatMap((p) => p.extras),
    ],
  });
  const reportPath = writeReport({ root: plan.reportsRoot, experiment: SWEEP_EXPERIMENT, runId: plan.name, html });
  writeReportIndex({ reportsRoot: plan.reportsRoot, resultsRoot: plan.resultsRoot });
  console.log(
    `\n${tables}\n\nsweep ${plan.name}: collected ${done.length} run(s)${missing.length ? `, ${missing.length} missing` : ''}\nfolder: ${dir}\nreport: ${reportPath}`,
  );
  return { dir, reportPath, rows, missing };
}

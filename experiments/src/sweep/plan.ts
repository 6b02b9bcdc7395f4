/**
 * A sweep's plan: each run's deterministic id, its run folder and its command, and where a run stands
 * (completed, resumable from a checkpoint, or to start). Both engines and --collect work from the same plan,
 * saved as <results>/.sweeps/<name>/plan.json.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '@pixel-models/nn';
import { hasCheckpoint } from '@pixel-models/lab';
import { SWEEP_EXPERIMENTS, type FlagValue, type SweepRun, type SweepSpec } from './spec';

export interface PlannedRun extends SweepRun {
  index: number;
  runId: string;
  /** The run folder: <results>/<experiment>/<runId>. */
  dir: string;
}

export interface SweepPlan {
  name: string;
  resultsRoot: string;
  reportsRoot: string;
  /** <results>/.sweeps/<name>: plan.json, the sbatch script, logs/. */
  sweepDir: string;
  runs: PlannedRun[];
}

const canonical = (flags: Record<string, FlagValue>) =>
  Object.keys(flags)
    .sort()
    .map((k) => `${k}=${String(flags[k])}`);

/**
 * The run id of a run: its flags, sorted, readable (`model-row-lstm.preset-smoke.seed-2`), then 8 hex digits of a
 * hash of experiment and flags, so two different runs never share an id and the same run always gets the same one.
 */
export function runIdFor(run: SweepRun): string {
  const parts = canonical(run.flags);
  const slug = parts
    .map((p) => p.replace('=', '-'))
    .join('.')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 80);
  const hash = crypto
    .createHash('sha256')
    .update(`${run.experiment}\n${parts.join('\n')}`)
    .digest('hex')
    .slice(0, 8);
  return `${slug || 'defaults'}-${hash}`;
}

export function sweepDirFor(resultsRoot: string, name: string): string {
  return path.join(resultsRoot, '.sweeps', name);
}

export function buildPlan(spec: SweepSpec, resultsRoot: string, reportsRoot: string): SweepPlan {
  const seen = new Map<string, number>();
  const runs = spec.runs.map((r, index) => {
    const runId = runIdFor(r);
    const key = `${r.experiment}/${runId}`;
    if (seen.has(key))
      throw new ConfigError(
        `sweep ${spec.name}: runs ${seen.get(key)} and ${index} are the same run (${r.experiment} ${canonical(r.flags).join(' ')})`,
      );
    seen.set(key, index);
    return { ...r, index, runId, dir: path.join(resultsRoot, r.experiment, runId) };
  });
  return { name: spec.name, resultsRoot, reportsRoot, sweepDir: sweepDirFor(resultsRoot, spec.name), runs };
}

export function savePlan(plan: SweepPlan): string {
  fs.mkdirSync(path.join(plan.sweepDir, 'logs'), { recursive: true });
  const file = path.join(plan.sweepDir, 'plan.json');
  fs.writeFileSync(file, `${JSON.stringify(plan, null, 2)}\n`);
  return file;
}

export function loadPlan(file: string): SweepPlan {
  if (!fs.existsSync(file)) throw new ConfigError(`no sweep plan at ${file}: run the sweep first`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SweepPlan;
}

export type RunState = 'completed' | 'resumable' | 'new';

/**
 * Completed: its manifest says so. Resumable: a checkpoint (a comparison's: under checkpoints/) and no completed
 * manifest. New: anything else.
 */
export function runState(run: PlannedRun): RunState {
  const manifest = path.join(run.dir, 'manifest.json');
  if (fs.existsSync(manifest)) {
    try {
      if (JSON.parse(fs.readFileSync(manifest, 'utf8')).status === 'completed') return 'completed';
    } catch {
      /* half-written: not completed */
    }
  }
  return hasCheckpoint(run.dir) || hasComparisonCheckpoint(run.dir) ? 'resumable' : 'new';
}

function hasComparisonCheckpoint(dir: string): boolean {
  const checkpoints = path.join(dir, 'checkpoints');
  return (
    fs.existsSync(checkpoints) && fs.readdirSync(checkpoints).some((d) => hasCheckpoint(path.join(checkpoints, d)))
  );
}

/** The experiment's arguments for this run: its flags, the roots, and --run-id or --resume. */
export function runArgs(plan: SweepPlan, run: PlannedRun, state: RunState): string[] {
  const flags = Object.entries(run.flags).flatMap(([k, v]) =>
    typeof v === 'boolean' ? [v ? `--${k}` : `--no-${k}`] : [`--${k}`, String(v)],
  );
  const roots = ['--out', plan.resultsRoot, '--reports', plan.reportsRoot];
  if (state !== 'resumable') return [...flags, ...roots, '--run-id', run.runId];
  // On --resume the run's config.json decides; only the backend, the threads and (training runs: checked) optimizer
  // are passed again.
  const kept = (
    SWEEP_EXPERIMENTS[run.experiment].kind === 'comparison'
      ? ['backend', 'threads']
      : ['backend', 'optimizer', 'threads']
  )
    .filter((k) => run.flags[k] !== undefined)
    .flatMap((k) => [`--${k}`, String(run.flags[k])]);
  return ['--resume', run.runId, ...roots, ...kept];
}

/**
 * Gets a run folder ready for a fresh start: a folder left by a run that died before its first checkpoint (only
 * config.json, perhaps a log) holds nothing to keep, and the experiment refuses to create an existing folder.
 */
export function clearUnstarted(run: PlannedRun): void {
  if (fs.existsSync(run.dir) && runState(run) === 'new') fs.rmSync(run.dir, { recursive: true, force: true });
}

export function scriptOf(run: SweepRun): string {
  return SWEEP_EXPERIMENTS[run.experiment].script;
}

/**
 * `--engine slurm`: one `sbatch --array` script with one array task per run still to do, submitted with sbatch,
 * waited on with squeue (sacct, where accounting is on, adds each task's state), failed tasks reported with their
 * log paths. Each task runs `sweep.ts --task PLAN --index I`, which skips a completed run and resumes one with a
 * checkpoint, so re-submitting the same sweep finishes what is left.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../repo-root';
import { runState, type SweepPlan } from './plan';
import type { SlurmOptions } from './spec';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The array spec for these indexes: "0-3,5,7-8". */
export function arraySpec(indexes: number[]): string {
  const out: string[] = [];
  const sorted = [...indexes].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

export const slurmLogPattern = (plan: SweepPlan) => path.join(plan.sweepDir, 'logs', 'slurm-%A_%a.log');
export const slurmLogPath = (plan: SweepPlan, jobId: string, index: number) =>
  path.join(plan.sweepDir, 'logs', `slurm-${jobId}_${index}.log`);

/** The sbatch script for these run indexes (a pure function of its inputs). */
export function sbatchScript({
  plan,
  planFile,
  indexes,
  slurm,
  node = process.execPath,
  repoRoot = REPO_ROOT,
}: {
  plan: SweepPlan;
  planFile: string;
  indexes: number[];
  slurm: SlurmOptions;
  node?: string;
  repoRoot?: string;
}): string {
  if (indexes.length === 0) throw new Error('no runs to submit');
  const opts = [
    `--job-name=sweep-${plan.name}`,
    `--array=${arraySpec(indexes)}`,
    `--output=${slurmLogPattern(plan)}`,
    `--chdir=${repoRoot}`,
    ...(slurm.partition ? [`--partition=${slurm.partition}`] : []),
    ...(slurm.time ? [`--time=${slurm.time}`] : []),
    ...(slurm.gres ? [`--gres=${slurm.gres}`] : []),
    ...(slurm.cpusPerTask ? [`--cpus-per-task=${slurm.cpusPerTask}`] : []),
    ...(slurm.mem ? [`--mem=${slurm.mem}`] : []),
    ...(slurm.extra ?? []),
  ];
  return [
    '#!/bin/bash',
    `# sweep ${plan.name}: ${indexes.length} of ${plan.runs.length} run(s); written by experiments:sweep --engine slurm`,
    ...opts.map((o) => `#SBATCH ${o}`),
    'set -euo pipefail',
    `echo "sweep ${plan.name} task $SLURM_ARRAY_TASK_ID on $(hostname) (job $SLURM_ARRAY_JOB_ID)"`,
    `exec ${q(node)} --import tsx ${q(path.join(repoRoot, 'experiments/src/sweep.ts'))} --task ${q(planFile)} --index "$SLURM_ARRAY_TASK_ID"`,
    '',
  ].join('\n');
}

export interface SlurmSubmitOptions {
  slurm: SlurmOptions;
  wait: boolean;
  /** Seconds between squeue polls. */
  poll?: number;
}

export interface SlurmResult {
  jobId?: string;
  submitted: number[];
  skipped: number;
  failed: { index: number; runId: string; experiment: string; state: string; log: string }[];
}

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

/** Array tasks of the job still in the queue (pending, running, completing). */
function queued(jobId: string): number {
  try {
    return execFileSync('squeue', ['-h', '-j', jobId, '-o', '%i'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .split('\n')
      .filter((l) => l.trim()).length;
  } catch (e) {
    // Once a job has left the controller's memory, squeue -j calls it an invalid job id.
    if (String((e as { stderr?: string }).stderr ?? '').includes('Invalid job id')) return 0;
    throw e;
  }
}

/** Each array task's state from sacct, where accounting is on; empty where it is not. */
function sacctStates(jobId: string): Map<number, string> {
  const states = new Map<number, string>();
  try {
    const out = execFileSync('sacct', ['-n', '-P', '-X', '-j', jobId, '-o', 'JobID,State,ExitCode'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    for (const line of out.split('\n')) {
      const [id, state, exit] = line.split('|');
      const m = /_(\d+)$/.exec(id ?? '');
      if (m) states.set(Number(m[1]), `${state} (exit ${exit})`);
    }
  } catch {
    /* accounting storage disabled: the run folders tell */
  }
  return states;
}

export async function runSlurm(plan: SweepPlan, planFile: string, o: SlurmSubmitOptions): Promise<SlurmResult> {
  const todo = plan.runs.filter((r) => runState(r) !== 'completed').map((r) => r.index);
  const skipped = plan.runs.length - todo.length;
  if (todo.length === 0) {
    console.log(`sweep ${plan.name}: all ${plan.runs.length} run(s) completed before; nothing to submit`);
    return { submitted: [], skipped, failed: [] };
  }
  const script = sbatchScript({ plan, planFile, indexes: todo, slurm: o.slurm });
  const scriptFile = path.join(plan.sweepDir, 'sweep.sbatch');
  fs.writeFileSync(scriptFile, script);
  const out = execFileSync('sbatch', ['--parsable', scriptFile], { encoding: 'utf8' }).trim();
  const jobId = out.split(';')[0];
  fs.appendFileSync(
    path.join(plan.sweepDir, 'jobs.txt'),
    `${jobId} ${new Date().toISOString()} array=${arraySpec(todo)}\n`,
  );
  console.log(
    `sweep ${plan.name}: submitted job ${jobId}, ${todo.length} array task(s)${skipped ? `, ${skipped} run(s) completed before and skipped` : ''}\n  script: ${scriptFile}\n  logs:   ${slurmLogPattern(plan)}`,
  );
  if (!o.wait) {
    console.log(
      `not waiting (--no-wait): watch it with  squeue -j ${jobId}  and merge the results when it is done with  npx nx run experiments:sweep -- --spec SPEC --collect`,
    );
    return { jobId, submitted: todo, skipped, failed: [] };
  }
  let last = -1;
  for (;;) {
    const n = queued(jobId);
    if (n === 0) break;
    if (n !== last) console.log(`job ${jobId}: ${n} task(s) pending or running`);
    last = n;
    await sleep(o.poll ?? 5);
  }
  const states = sacctStates(jobId);
  const failed = todo
    .map((i) => plan.runs[i])
    .filter((r) => runState(r) !== 'completed')
    .map((r) => ({
      index: r.index,
      runId: r.runId,
      experiment: r.experiment,
      state: states.get(r.index) ?? 'not completed (no completed manifest.json)',
      log: slurmLogPath(plan, jobId, r.index),
    }));
  for (const f of failed)
    console.log(`FAILED task ${jobId}_${f.index} ${f.experiment}/${f.runId}: ${f.state}; log: ${f.log}`);
  console.log(
    `sweep ${plan.name}: job ${jobId} finished: ${todo.length - failed.length} completed, ${skipped} skipped (done before), ${failed.length} failed`,
  );
  return { jobId, submitted: todo, skipped, failed };
}

/**
 * Sweeps: many runs of the training experiments and comparisons from one JSON spec, here or as a Slurm job array.
 *   npx nx run experiments:sweep -- --spec sweep.json [--engine local|slurm] [--jobs N] [--no-wait] [--collect]
 * Every run gets a deterministic run id and its usual run folder under --out; --collect merges them into one
 * comparison report (results/sweep/<name>/, reports/sweep/<name>.html). See README "Sweeps".
 */
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '@pixel-models/nn';
import { checkOutputRoot, defineFlags, outputRootBase, parseFlags, runMain } from '@pixel-models/lab';
import { REPO_ROOT } from './repo-root';
import { collectSweep } from './sweep/collect';
import { runLocal } from './sweep/local';
import { buildPlan, loadPlan, savePlan } from './sweep/plan';
import { runSlurm } from './sweep/slurm';
import { readSpec } from './sweep/spec';
import { runTask } from './sweep/task';

const flags = defineFlags({
  spec: { type: 'string', help: 'the sweep spec (JSON): name, runs [{ experiment, flags, grid }], slurm options' },
  engine: {
    type: 'enum',
    choices: ['local', 'slurm'],
    default: 'local',
    help: 'run here, or submit one sbatch --array job',
  },
  jobs: { type: 'int', min: 1, help: 'local engine: runs at once (default: one per core)' },
  wait: { type: 'bool', default: true, help: 'slurm engine: wait for the job (--no-wait: submit and return)' },
  collect: { type: 'bool', default: false, help: "only merge the sweep's completed run folders into one report" },
  'no-collect': { type: 'bool', default: false, help: 'do not merge the results after the runs', hidden: true },
  partition: { type: 'string', help: 'slurm: --partition (overrides the spec)' },
  time: { type: 'string', help: 'slurm: --time per task, e.g. 04:00:00 (overrides the spec)' },
  gres: { type: 'string', help: 'slurm: --gres, e.g. gpu:1 (overrides the spec)' },
  'cpus-per-task': { type: 'int', min: 1, help: 'slurm: --cpus-per-task (overrides the spec)' },
  mem: { type: 'string', help: 'slurm: --mem, e.g. 16G (overrides the spec)' },
  poll: { type: 'float', min: 0.1, default: 5, help: 'slurm: seconds between squeue polls' },
  out: {
    type: 'string',
    default: 'results',
    help: 'results root folder (shared by every task: on a cluster, a shared filesystem)',
  },
  reports: { type: 'string', default: 'reports', help: 'reports root folder' },
  task: { type: 'string', help: 'internal: run one task of this plan.json (what each array task runs)', hidden: true },
  index: { type: 'int', min: 0, help: 'internal: the task index, with --task', hidden: true },
});

async function main(argv: string[]): Promise<void> {
  const f = parseFlags(flags, argv, { usage: 'npx nx run experiments:sweep -- --spec FILE [--flag value ...]' });
  if (f.task) {
    if (f.index === undefined) throw new ConfigError('--task needs --index');
    const out = await runTask(loadPlan(f.task), f.index);
    process.exitCode = out.code;
    return;
  }
  if (!f.spec) throw new ConfigError('--spec FILE is required: a JSON sweep spec (see README, "Sweeps")');
  const spec = await readSpec(path.resolve(f.spec));
  const plan = buildPlan(
    spec,
    checkOutputRoot('--out', f.out, outputRootBase('out', argv, REPO_ROOT)),
    checkOutputRoot('--reports', f.reports, outputRootBase('reports', argv, REPO_ROOT)),
  );
  const planFile = savePlan(plan);
  if (f.collect) {
    await collectSweep(plan);
    return;
  }
  let failed = 0;
  if (f.engine === 'local') {
    failed = (await runLocal(plan, f.jobs ?? Math.max(1, os.cpus().length))).failed.length;
  } else {
    const slurm = {
      ...spec.slurm,
      ...(f.partition ? { partition: f.partition } : {}),
      ...(f.time ? { time: f.time } : {}),
      ...(f.gres ? { gres: f.gres } : {}),
      ...(f['cpus-per-task'] ? { cpusPerTask: f['cpus-per-task'] } : {}),
      ...(f.mem ? { mem: f.mem } : {}),
    };
    const r = await runSlurm(plan, planFile, { slurm, wait: f.wait, poll: f.poll });
    if (!f.wait && r.jobId) return;
    failed = r.failed.length;
  }
  if (!f['no-collect']) await collectSweep(plan);
  if (failed) {
    console.error(
      `${failed} run(s) failed: see the log paths above; run the same command again to retry them (completed runs are skipped, checkpointed ones resumed)`,
    );
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(() => main(process.argv.slice(2)));
}

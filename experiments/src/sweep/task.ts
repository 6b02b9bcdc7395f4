/**
 * One run of a sweep, as both engines start it: look at its run folder, skip it when completed, resume it when it
 * has a checkpoint, start it otherwise, and exit with the experiment's exit code.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../repo-root';
import { clearUnstarted, runArgs, runState, scriptOf, type RunState, type SweepPlan } from './plan';

export interface TaskOutcome {
  state: RunState;
  code: number;
  seconds: number;
}

/** Runs plan.runs[index]; the experiment's output goes to `log` (a file path) or to this process's stdout/stderr. */
export function runTask(plan: SweepPlan, index: number, log?: string): Promise<TaskOutcome> {
  const run = plan.runs[index];
  if (!run) throw new Error(`sweep ${plan.name} has no run ${index} (runs 0-${plan.runs.length - 1})`);
  const state = runState(run);
  const started = Date.now();
  if (state === 'completed') {
    console.log(`${run.experiment}/${run.runId}: completed before, skipped`);
    return Promise.resolve({ state, code: 0, seconds: 0 });
  }
  clearUnstarted(run);
  const args = ['--import', 'tsx', path.join(REPO_ROOT, scriptOf(run)), ...runArgs(plan, run, state)];
  const fd = log ? fs.openSync(log, 'a') : undefined;
  if (fd !== undefined) fs.writeSync(fd, `$ node ${args.join(' ')}\n`);
  else
    console.log(
      `${state === 'resumable' ? 'resuming' : 'starting'} ${run.experiment}/${run.runId}: node ${args.join(' ')}`,
    );
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      stdio: ['ignore', fd ?? 'inherit', fd ?? 'inherit'],
    });
    const done = (code: number) => {
      if (fd !== undefined) fs.closeSync(fd);
      resolve({ state, code, seconds: (Date.now() - started) / 1000 });
    };
    child.on('error', () => done(127));
    child.on('close', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}

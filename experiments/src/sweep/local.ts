/** `--engine local`: the sweep's runs on this machine, `jobs` at a time, a line per run and a summary. */
import path from 'node:path';
import { formatDuration } from '@pixel-models/lab';
import type { SweepPlan } from './plan';
import { runTask } from './task';

export interface LocalResult {
  failed: { runId: string; experiment: string; code: number; log: string }[];
  ran: number;
  skipped: number;
}

export const logPathLocal = (plan: SweepPlan, runId: string) => path.join(plan.sweepDir, 'logs', `${runId}.log`);

export async function runLocal(plan: SweepPlan, jobs: number): Promise<LocalResult> {
  const result: LocalResult = { failed: [], ran: 0, skipped: 0 };
  const queue = plan.runs.map((r) => r.index);
  const total = plan.runs.length;
  let finished = 0;
  const started = Date.now();
  console.log(`sweep ${plan.name}: ${total} run(s), ${jobs} at a time, logs in ${path.join(plan.sweepDir, 'logs')}`);
  const worker = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      const run = plan.runs[i];
      const log = logPathLocal(plan, run.runId);
      const out = await runTask(plan, i, log);
      finished++;
      const tag = `[${finished}/${total}] ${run.experiment}/${run.runId}`;
      if (out.state === 'completed') {
        result.skipped++;
        console.log(`${tag}: completed before, skipped`);
      } else if (out.code === 0) {
        result.ran++;
        console.log(
          `${tag}: ${out.state === 'resumable' ? 'resumed and ' : ''}completed in ${formatDuration(out.seconds)}`,
        );
      } else {
        result.ran++;
        result.failed.push({ runId: run.runId, experiment: run.experiment, code: out.code, log });
        console.log(`${tag}: FAILED (exit ${out.code}) after ${formatDuration(out.seconds)}; log: ${log}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, total)) }, worker));
  console.log(
    `sweep ${plan.name}: ${total - result.failed.length - result.skipped} completed, ${result.skipped} skipped (done before), ${result.failed.length} failed, in ${formatDuration((Date.now() - started) / 1000)}`,
  );
  return result;
}

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nxParentPids, watchNxParent } from './signals';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the watch on the nx parent', () => {
  it('is only set up for Nx tasks: a run from a shell (or nohup) is never stopped by its parent going away', async () => {
    expect(nxParentPids({})).toBeUndefined();
    expect(nxParentPids({ NX_INVOCATION_ANCESTOR_PIDS: '12' })).toBeUndefined(); // nx itself, not one of its tasks
    expect(nxParentPids({ NX_TASK_TARGET_TARGET: 'mnist-gated', NX_INVOCATION_ANCESTOR_PIDS: '12,34' })).toEqual([
      12, 34,
    ]);
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number; // exited and reaped
    let calls = 0;
    const unwatch = watchNxParent(() => calls++, 10, { NX_INVOCATION_ANCESTOR_PIDS: String(dead) });
    await wait(60);
    unwatch();
    expect(calls).toBe(0);
  });

  it('under Nx, reports once that its nx process is gone, and not while it lives', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    const live: string[] = [];
    const stopLive = watchNxParent((why) => live.push(why), 10, {
      NX_TASK_TARGET_TARGET: 't',
      NX_INVOCATION_ANCESTOR_PIDS: String(process.pid),
    });
    const gone: string[] = [];
    const stopGone = watchNxParent((why) => gone.push(why), 10, {
      NX_TASK_TARGET_TARGET: 't',
      NX_INVOCATION_ANCESTOR_PIDS: `${process.pid},${dead}`,
    });
    await wait(80);
    stopLive();
    stopGone();
    expect(live).toEqual([]);
    expect(gone).toEqual([`the exit of its nx process (pid ${dead})`]);
  });
});

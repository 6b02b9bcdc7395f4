/** For tests: the main job's entry point in a child process, as a user starts it. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../repo-root';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `experiments/src/mnist-gated.ts` with `args` (it inherits this process's environment): its exit code, the
 * signal that ended it, and its output. `onStderr` sees the stderr so far each time more arrives, and may
 * interrupt the child (SIGINT, as Ctrl-C).
 */
export function runMainJob(
  args: string[],
  onStderr?: (text: string, interrupt: () => void) => void,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'experiments/src/mnist-gated.ts'), ...args],
      { cwd: REPO_ROOT },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, () => child.kill('SIGINT'));
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Stop requests from outside: SIGINT (Ctrl-C), SIGTERM (what `nx run` forwards for Ctrl-C, and what kill, timeout,
 * CI cancels and container stops send) and SIGHUP (a closed terminal) all mean "stop cleanly". The first sets the
 * flag the run polls at safe points (between batches, in scoring and sampling); a second one quits at once.
 */
import fs from 'node:fs';
import os from 'node:os';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface StopFlag {
  interrupted: boolean;
  /** The signal that asked for the stop, for the message and the exit code. */
  signal?: NodeJS.Signals;
  /** What asked for the stop, for the manifest's reason: the signal's name, or the exit of the `nx` that ran us. */
  cause?: string;
}

/** Thrown at a safe point once a stop was requested, outside training (scoring, sampling, validation). */
export class RunInterrupted extends Error {
  override name = 'RunInterrupted';
  constructor() {
    super('interrupted');
  }
}

/** Yields to the event loop: signal handlers only run there (on wasm, tensor reads resolve as microtasks and never let them in). */
export const yieldToSignals = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Lets signal handlers run, then throws RunInterrupted when a stop was requested. */
export async function stopPoint(stop: StopFlag | undefined): Promise<void> {
  if (!stop) return;
  await yieldToSignals();
  if (stop.interrupted) throw new RunInterrupted();
}

export const DUPLICATE_MS = 2000;

/** The conventional exit code of a run stopped by `signal`: 128 + its number (SIGINT 130, SIGTERM 143, SIGHUP 129). */
export const signalExitCode = (signal: NodeJS.Signals | undefined): number =>
  128 + (signal ? (os.constants.signals[signal] ?? 2) : 2);

/**
 * `nx run` exits on Ctrl-C (or when killed) without waiting for its child: its pipes may close under us. A write to
 * a closed pipe must not crash the run before it has saved its checkpoint and manifest.
 */
const guarded = new WeakSet<NodeJS.WriteStream>();
function guardOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (guarded.has(stream)) continue;
    guarded.add(stream);
    stream.on('error', () => undefined);
  }
}

/**
 * Pids of the `nx` processes this one runs under as an Nx task (nx:run-commands children get NX_TASK_TARGET_TARGET
 * and NX_INVOCATION_ANCESTOR_PIDS), innermost last; undefined outside Nx (a shell, nohup, a test runner).
 */
export function nxParentPids(env: NodeJS.ProcessEnv = process.env): number[] | undefined {
  if (!env['NX_TASK_TARGET_TARGET']) return undefined;
  return (env['NX_INVOCATION_ANCESTOR_PIDS'] ?? '')
    .split(',')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** Whether `pid` runs: a zombie (exited, not yet reaped by its parent: a killed nx often is) counts as gone. */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // Linux: the state is the field after the parenthesised command name.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return true; // no /proc (macOS): kill(0) is all we have
  }
};

/**
 * Under Nx, calls `onGone` once when the run's `nx` process exits or its parent changes. `kill <nx pid>` (what
 * `timeout`, a CI cancel or a Ctrl-C reaching nx alone do) makes nx exit without stopping its task, which would
 * otherwise train on to the end unseen. Outside Nx it watches nothing: a nohup'd run must outlive its shell.
 */
export function watchNxParent(
  onGone: (why: string) => void,
  everyMs = 250,
  env: NodeJS.ProcessEnv = process.env,
): () => void {
  const pids = nxParentPids(env);
  if (!pids) return () => undefined;
  const ppid = process.ppid;
  const timer = setInterval(() => {
    const gone = pids.find((pid) => !alive(pid));
    const why =
      gone !== undefined
        ? `the exit of its nx process (pid ${gone})`
        : process.ppid !== ppid
          ? `the exit of its parent process (pid ${ppid})`
          : undefined;
    if (why === undefined) return;
    clearInterval(timer);
    onGone(why);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Installs the handlers (and, under Nx, the watch on the nx parent, which stops the run the same way as SIGHUP);
 * returns the function that removes them. `message` is printed on the first signal.
 */
export function handleStopSignals(stop: StopFlag, message: string): () => void {
  let first = 0;
  // Under Nx from the start: a killed nx closes our pipes before the watch below notices it is gone.
  if (nxParentPids()) guardOutput();
  const handler = (signal: NodeJS.Signals, cause: string = signal) => {
    // One Ctrl-C can arrive several times (the terminal signals the whole process group, and nx/tsx forward it,
    // as SIGTERM for nx): repeats within DUPLICATE_MS are the same request, not the "quit at once" one.
    if (stop.interrupted && Date.now() - first < DUPLICATE_MS) return;
    if (stop.interrupted) {
      console.error(`\n${signal} again: quitting without saving`);
      process.exit(signalExitCode(signal));
    }
    guardOutput();
    stop.interrupted = true;
    stop.signal = signal;
    stop.cause = cause;
    first = Date.now();
    console.error(`\n${cause}: ${message} (send it again to quit at once)`);
  };
  const onSignal = (signal: NodeJS.Signals) => handler(signal);
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  // A stop already asked for (Ctrl-C reaches nx and us together) is not repeated: that would be "quit at once".
  const unwatch = watchNxParent((why) => {
    if (!stop.interrupted) handler('SIGHUP', why);
  });
  return () => {
    unwatch();
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  };
}

/**
 * Stop requests from outside: SIGINT (Ctrl-C), SIGTERM (what `nx run` forwards for Ctrl-C, and what kill, timeout,
 * CI cancels and container stops send) and SIGHUP (a closed terminal) all mean "stop cleanly". The first sets the
 * flag the run polls at safe points (between batches, in scoring and sampling); a second one quits at once.
 */
import os from 'node:os';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface StopFlag {
  interrupted: boolean;
  /** The signal that asked for the stop, for the message and the exit code. */
  signal?: NodeJS.Signals;
}

/** Thrown at a safe point once a stop was requested, outside training (scoring, sampling, validation). */
export class RunInterrupted extends Error {
  override name = 'RunInterrupted';
  constructor() {
    super('interrupted');
  }
}

/**
 * Yields to the event loop (signal handlers only run there: on wasm, tensor reads resolve as microtasks and never
 * let them in), then throws RunInterrupted when a stop was requested.
 */
export async function stopPoint(stop: StopFlag | undefined): Promise<void> {
  if (!stop) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (stop.interrupted) throw new RunInterrupted();
}

export const DUPLICATE_MS = 2000;

/** The conventional exit code of a run stopped by `signal`: 128 + its number (SIGINT 130, SIGTERM 143, SIGHUP 129). */
export const signalExitCode = (signal: NodeJS.Signals | undefined): number => 128 + (signal ? (os.constants.signals[signal] ?? 2) : 2);

/** Installs the handlers; returns the function that removes them. `message` is printed on the first signal. */
export function handleStopSignals(stop: StopFlag, message: string): () => void {
  let first = 0;
  const handler = (signal: NodeJS.Signals) => {
    // One Ctrl-C can arrive several times (the terminal signals the whole process group, and nx/tsx forward it,
    // as SIGTERM for nx): repeats within DUPLICATE_MS are the same request, not the "quit at once" one.
    if (stop.interrupted && Date.now() - first < DUPLICATE_MS) return;
    if (stop.interrupted) {
      console.error(`\n${signal} again: quitting without saving`);
      process.exit(signalExitCode(signal));
    }
    // `nx run` exits on Ctrl-C without waiting for its child: its pipes may close under us. A write to a closed
    // pipe must not crash the run before it has saved its checkpoint and manifest.
    for (const stream of [process.stdout, process.stderr]) if (stream.listenerCount('error') === 0) stream.on('error', () => undefined);
    stop.interrupted = true;
    stop.signal = signal;
    first = Date.now();
    console.error(`\n${signal}: ${message} (send it again to quit at once)`);
  };
  for (const s of STOP_SIGNALS) process.on(s, handler);
  return () => {
    for (const s of STOP_SIGNALS) process.off(s, handler);
  };
}

/**
 * A run's status in its manifest, from its first second: `running` when it starts, then how it ended. A run that
 * is killed outright (SIGKILL, power loss) stays `running`, which is the truth as far as anyone can know.
 */
import { RunInterrupted } from '../signals';

export const RUN_STATUSES = ['running', 'completed', 'interrupted', 'failed', 'diverged'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** How a thrown error ends a run: a stop request, divergence (NaN or runaway loss), or a failure. */
export function endOfError(e: unknown): { status: RunStatus; reason: string } {
  if (e instanceof RunInterrupted) return { status: 'interrupted', reason: 'stopped by a signal' };
  const reason = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  if (e instanceof Error && e.name === 'TrainingDivergedError') return { status: 'diverged', reason };
  return { status: 'failed', reason };
}

/**
 * Learning-rate schedules over a run of known length. 'constant' keeps the base rate; 'cosine' decays it from the
 * base at the first update to near zero at the last (Loshchilov & Hutter 2017, SGDR, without restarts), which lets a
 * short, budget-bound run start with a higher rate and still end with small steps.
 */
import { ConfigError } from '../errors';

export const LR_SCHEDULES = ['constant', 'cosine'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/** Runs configured before schedules existed have none: they were constant. */
export const LEGACY_LR_SCHEDULE: LrSchedule = 'constant';

export function isLrSchedule(name: unknown): name is LrSchedule {
  return typeof name === 'string' && (LR_SCHEDULES as readonly string[]).includes(name);
}

/**
 * The factor on the base learning rate for update `update` (0-based) of `total`: 1 for 'constant'; for 'cosine'
 * (1 + cos(pi * update / total)) / 2, from 1 at the first update down to ~(pi / 2 total)^2 at the last. Updates past
 * `total` (none in a run) keep the last factor.
 */
export function learningRateFactor(schedule: LrSchedule, update: number, total: number): number {
  if (!isLrSchedule(schedule))
    throw new ConfigError(
      `unknown learning-rate schedule "${String(schedule)}": use one of ${LR_SCHEDULES.join(', ')}`,
    );
  if (!Number.isInteger(total) || total < 1)
    throw new ConfigError(`a schedule needs a positive update count, got ${total}`);
  if (schedule === 'constant') return 1;
  const t = Math.min(Math.max(update, 0), total - 1) / total;
  return (1 + Math.cos(Math.PI * t)) / 2;
}

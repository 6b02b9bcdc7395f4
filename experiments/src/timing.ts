/**
 * Wall-clock timing of asynchronous work. Each timed call resolves only after its result was read back, so on a
 * GPU the time includes the device's work, not just the enqueueing.
 */

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Milliseconds one call of `f` takes. */
export async function timeOnce(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** Mean milliseconds per call over `runs` calls, after one untimed warm-up call. */
export async function meanMs(runs: number, f: () => Promise<unknown>): Promise<number> {
  await f();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await f();
  return (performance.now() - t0) / runs;
}

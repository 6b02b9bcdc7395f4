import { describe, expect, it } from 'vitest';
import type { RunEntry } from '../results/list-runs';
import { headlinePlot, headlineScripts } from './headline';

const run = (
  runId: string,
  started: string,
  summary: Record<string, number | string>,
  status = 'completed',
): RunEntry =>
  ({
    experiment: 'e',
    runId,
    dir: `/r/e/${runId}`,
    manifest: { runId, started, status, seed: 1, preset: 'smoke', summary },
  }) as unknown as RunEntry;

describe('index headline plot', () => {
  it("plots a single-run experiment's test NLL over its completed runs, labelled for a person", () => {
    const p = headlinePlot('h', 'mnist-gated', [
      run('b', '2026-01-02', { testNats: 90 }),
      run('a', '2026-01-01', { testNats: 95 }),
      run('c', '2026-01-03', { testNats: 80 }, 'interrupted'),
    ]);
    expect(p?.data).toHaveLength(1);
    expect(p?.data[0].y).toEqual([95, 90]);
    expect(JSON.stringify(p)).toContain('test NLL (nats)');
    expect(JSON.stringify(p)).not.toContain('testNats');
  });

  it('plots one line per entry for comparisons, and nothing without a metric', () => {
    const p = headlinePlot('h', 'ablation-masks', [
      run('a', '2026-01-01', { 'mnist/a': 90, 'mnist/b': 91, 'mnist/measured_on': 'x', optimizer: 'adam' }),
    ]);
    expect(p?.data.map((d) => d.name)).toEqual(['mnist/a', 'mnist/b']);
    expect(headlinePlot('h', 'speed', [run('a', '2026-01-01', { imagesPerSecond: 3 })])).toBeUndefined();
    expect(headlineScripts([undefined])).toBe('');
  });
});

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const probe = path.join(import.meta.dirname, 'testing', 'wasm-threads-probe.ts');
const tsx = path.join(import.meta.dirname, '..', '..', '..', 'node_modules', '.bin', 'tsx');

/** The probe's JSON line: the process must also end by itself (Emscripten's pool workers do not keep it). */
function runProbe(threads: number): { kernelThreads: number; device: string; values: number[][] } {
  const out = execFileSync(tsx, [probe, String(threads)], { encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out.trim().split('\n').pop() as string);
}

describe('XNNPACK threads on wasm (one process per thread count)', () => {
  it('starts 2 threads and gives the 1-thread results exactly: forward, gradients, a product', () => {
    const one = runProbe(1);
    const two = runProbe(2);
    expect(one.kernelThreads).toBe(1);
    expect(two.kernelThreads).toBe(2);
    expect(two.device).toMatch(/2 XNNPACK threads/);
    expect(two.values).toEqual(one.values);
  }, 120_000);
});

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const probe = path.join(import.meta.dirname, 'testing', 'wasm-threads-probe.ts');
const tsx = path.join(import.meta.dirname, '..', '..', '..', 'node_modules', '.bin', 'tsx');

/** The probe's JSON line: the process must also end by itself (Emscripten's pool workers do not keep it). */
function runProbe(
  threads: number,
  tmpdir?: string,
): { kernelThreads: number; device: string; values: number[][]; log: string } {
  const args = [probe, String(threads), ...(tmpdir ? [tmpdir] : [])];
  const out = execFileSync(tsx, args, { encoding: 'utf8', timeout: 60_000 });
  const lines = out.trim().split('\n');
  return { ...JSON.parse(lines.pop() as string), log: lines.join('\n') };
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

  it('falls back to 1 thread, saying why, when the threaded build cannot start (no temp folder to write to)', () => {
    const one = runProbe(1);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-threads-')), 'a-file');
    fs.writeFileSync(file, '');
    const fallback = runProbe(2, file);
    expect(fallback.kernelThreads).toBe(1);
    expect(fallback.log).toMatch(/wasm: 2 XNNPACK threads could not start \(ENOTDIR.*\); using 1 thread/);
    expect(fallback.values).toEqual(one.values);
    fs.rmSync(path.dirname(file), { recursive: true });
  }, 120_000);
});

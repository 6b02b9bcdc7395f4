/**
 * The main job (experiments/src/mnist-gated.ts) end to end on the webgpu backend, through its real entry point in
 * a child process: train, validate, score the test set, write the run folder and the report. The same run on
 * wasm is the reference for its numbers.
 *
 * Without a WebGPU adapter this is skipped with the printed reason (under CI that fails instead). On a machine
 * without a GPU it runs on SwiftShader (shared/webgpu-on-cpu.md; vitest.shared.ts sets VK_ICD_FILENAMES when
 * its ICD file exists), by hand:
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx vitest run src/webgpu-smoke.test.ts
 * Sized for SwiftShader: 32 training images (2 steps of the smoke preset's batch 16), its 64 validation images,
 * 16 test images and no samples (`--samples 0`; sampling 28x28 costs ~0.1 s per pixel there, and the libraries'
 * webgpu tests check sampling on webgpu).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointBinary } from '@pixel-models/lab';
import { webgpuOrSkip } from '@pixel-models/lab/testing';
import { REPO_ROOT } from './repo-root';
import { runMainJob } from './testing/main-job-cli';

const gpu = await webgpuOrSkip();

const smallest = (out: string, backend: string, runId: string) => [
  '--preset',
  'smoke',
  '--backend',
  backend,
  '--train-images',
  '32',
  '--test-images',
  '16',
  '--samples',
  '0',
  '--seed',
  '3',
  '--out',
  path.join(out, 'results'),
  '--reports',
  path.join(out, 'reports'),
  '--run-id',
  runId,
];

/** metrics.csv rows as numbers, by column name. */
function readMetrics(dir: string): Record<string, number>[] {
  const [header, ...rows] = fs.readFileSync(path.join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  const names = header.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [names[i], Number(v)])));
}

if (!gpu.available) it.skip(`webgpu tests skipped: ${gpu.reason}`, () => {});

describe.skipIf(!gpu.available)(`experiments:mnist-gated --preset smoke --backend webgpu (${gpu.device})`, () => {
  it(
    'trains, scores and reports on webgpu, and its numbers match the same run on wasm',
    { timeout: 240_000 },
    async () => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'webgpu-smoke-'));
      const run = await runMainJob(smallest(out, 'webgpu', 'gpu'));
      const detail = `exit ${run.code} (signal ${run.signal})\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
      expect(run.code, detail).toBe(0);
      expect(run.stdout).toMatch(/backend webgpu/);
      // WebGPU validation errors throw nothing (Dawn prints them and drops the dispatch): none may appear.
      expect(run.stderr).not.toMatch(/^validation:|is invalid due to a previous error|exceeds the maximum/m);

      const dir = path.join(out, 'results/mnist-gated/gpu');
      for (const f of [
        'config.json',
        'manifest.json',
        'metrics.csv',
        'checkpoint.json',
        path.basename(checkpointBinary(dir) ?? 'checkpoint-*.bin'),
      ])
        expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      expect(manifest).toMatchObject({
        experiment: 'mnist-gated',
        runId: 'gpu',
        seed: 3,
        backend: 'webgpu',
        status: 'completed',
        tfjsVersion: '4.22.0',
      });
      expect(manifest.summary.testImages).toBe(16);
      const testNats: number = manifest.summary.testNats;
      expect(Number.isFinite(testNats)).toBe(true);
      expect(testNats).toBeGreaterThan(0);
      expect(testNats).toBeLessThan(28 * 28 * Math.LN2); // better than a coin flip per pixel: training did not diverge
      const [epoch] = readMetrics(dir);
      expect(readMetrics(dir)).toHaveLength(1);
      for (const k of ['train_nats', 'validation_nats', 'validation_bits_per_dim'])
        expect(Number.isFinite(epoch[k]), k).toBe(true);
      const report = path.join(out, 'reports/mnist-gated/gpu.html');
      expect(fs.existsSync(report)).toBe(true);
      expect(fs.readFileSync(report, 'utf8')).toContain('Test NLL on binarized MNIST');

      // The same run on wasm (seconds): the same data, initial weights and batches, so the NLLs agree up to float
      // differences amplified by two Adam steps (measured: 1e-6 relative; allowed: 1e-3). A backend that computes
      // garbage gradients or updates (e.g. the AddN storage-buffer overflow) is off by far more.
      const ref = await runMainJob(smallest(out, 'wasm', 'ref'));
      expect(ref.code, ref.stderr).toBe(0);
      const refManifest = JSON.parse(fs.readFileSync(path.join(out, 'results/mnist-gated/ref/manifest.json'), 'utf8'));
      expect(refManifest.backend).toBe('wasm');
      const [refEpoch] = readMetrics(path.join(out, 'results/mnist-gated/ref'));
      const close = (a: number, b: number) => Math.abs(a - b) <= 1e-3 * Math.abs(b);
      expect(
        close(testNats, refManifest.summary.testNats),
        `test nats ${testNats} (webgpu) vs ${refManifest.summary.testNats} (wasm)`,
      ).toBe(true);
      expect(
        close(epoch.train_nats, refEpoch.train_nats),
        `train nats ${epoch.train_nats} vs ${refEpoch.train_nats}`,
      ).toBe(true);
      expect(
        close(epoch.validation_nats, refEpoch.validation_nats),
        `validation nats ${epoch.validation_nats} vs ${refEpoch.validation_nats}`,
      ).toBe(true);
    },
  );
});

/**
 * `--threads N` on the training runner: data-parallel training on wasm (worker replicas built from mnist-gated.ts),
 * in-process under vitest and from the CLI under tsx, with Ctrl-C and --resume on another thread count; and on a
 * comparison, whose workers build each entry's replica through the experiment's groups.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError, liveWorkers, runComparison, runTrainingExperiment } from '@pixel-models/lab';
import { useTestBackend } from '@pixel-models/nn/testing';
import { ablationMasks } from './ablation-masks';
import { mnistGated } from './mnist-gated';
import { REPO_ROOT } from './repo-root';
import { runMainJob } from './testing/main-job-cli';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'threads-'));
const roots = (out: string) => ['--out', path.join(out, 'results'), '--reports', path.join(out, 'reports')];
// Batches of 3 over 2 threads split 2 + 1; 64 images leave a last batch of 1, smaller than the thread count.
const smoke = (out: string, ...extra: string[]) => [
  '--preset',
  'smoke',
  '--backend',
  'wasm',
  '--epochs',
  '2',
  '--train-images',
  '64',
  '--batch',
  '3',
  '--test-images',
  '32',
  '--samples',
  '0',
  ...roots(out),
  ...extra,
];

const runDir = (out: string, run: string) => path.join(out, 'results/mnist-gated', run);
const manifest = (out: string, run: string) =>
  JSON.parse(fs.readFileSync(path.join(runDir(out, run), 'manifest.json'), 'utf8'));
/** metrics.csv's NLL columns as numbers (no timings). */
const nlls = (out: string, run: string) =>
  fs
    .readFileSync(path.join(runDir(out, run), 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .flatMap((l) => l.split(',').slice(1, 5).map(Number));

beforeAll(async () => {
  await useTestBackend();
});

describe('experiments:mnist-gated --threads', () => {
  it('refuses 0 and non-integers before anything is written', async () => {
    const out = tmp();
    for (const bad of [['0'], ['1.5'], ['two'], ['-2']]) {
      await expect(runTrainingExperiment(mnistGated, smoke(out, '--threads', ...bad), REPO_ROOT)).rejects.toThrow(
        UsageError,
      );
    }
    await expect(runTrainingExperiment(mnistGated, smoke(out, '--threads', '0'), REPO_ROOT)).rejects.toThrow(
      '--threads must be at least 1, got 0',
    );
    expect(fs.existsSync(path.join(out, 'results'))).toBe(false);
  });

  // Tolerance: rtol 1e-5 on the train and validation NLLs (float summation order is all that differs).
  it('2 threads (in-process) match 1; Ctrl-C on 2 threads (CLI) and --resume on 1 end where they do', async () => {
    const out = tmp();
    await runTrainingExperiment(mnistGated, smoke(out, '--run-id', 'one', '--threads', '1'), REPO_ROOT);
    await runTrainingExperiment(mnistGated, smoke(out, '--run-id', 'two', '--threads', '2'), REPO_ROOT);
    expect(liveWorkers()).toBe(0);
    expect(manifest(out, 'one').threads).toBe(1);
    expect(manifest(out, 'two').threads).toBe(2);
    const close = (a: number[], b: number[]) =>
      a.forEach((x, i) => expect(Math.abs(x - b[i])).toBeLessThanOrEqual(1e-5 * Math.abs(b[i])));
    close(nlls(out, 'two'), nlls(out, 'one'));
    expect(manifest(out, 'two').summary.testNats).toBeCloseTo(manifest(out, 'one').summary.testNats, 2);

    let sent = false;
    const first = await runMainJob(smoke(out, '--run-id', 'r', '--threads', '2'), (text, kill) => {
      if (!sent && text.includes('epoch 1/2 100%')) {
        sent = true;
        kill();
      }
    });
    expect(first.code).toBe(130); // stopped cleanly, workers and all: the process exits
    expect(first.stdout).toContain('training on 2 threads');
    expect(manifest(out, 'r')).toMatchObject({ status: 'interrupted', threads: 2 });
    const second = await runMainJob([...roots(out), '--backend', 'wasm', '--resume', 'r', '--threads', '1']);
    expect(second.code).toBe(0);
    expect(manifest(out, 'r')).toMatchObject({ status: 'completed', threads: 1 });
    close(nlls(out, 'r'), nlls(out, 'one'));
  }, 240_000);
});

describe('a comparison with --threads', () => {
  // The Row LSTM residual/skip group: replicas of models the registry builds with non-default options.
  it('trains every model on 2 threads to the NLLs of 1 thread (rtol 1e-4)', async () => {
    const out = tmp();
    const args = (threads: string) => [
      ...['--preset', 'smoke', '--backend', 'wasm', '--seeds', '1', '--only', 'residual-skip/residual,first-mask'],
      ...['--train-images', '64', '--test-images', '16', '--threads', threads, ...roots(out)],
    ];
    const one = await runComparison(ablationMasks, args('1'), REPO_ROOT);
    const two = await runComparison(ablationMasks, args('2'), REPO_ROOT);
    expect(liveWorkers()).toBe(0);
    expect(two.summary.map((s) => s.entry)).toEqual(['mask-a', 'mask-b', 'residual']);
    two.summary.forEach((s, i) => expect(Math.abs(s.mean - one.summary[i].mean)).toBeLessThanOrEqual(1e-4 * s.mean));
    const manifestOf = (folder: string) => JSON.parse(fs.readFileSync(path.join(folder, 'manifest.json'), 'utf8'));
    expect(manifestOf(two.folder.dir).threads).toBe(2);
    expect(manifestOf(one.folder.dir).threads).toBe(1);
  }, 240_000);
});

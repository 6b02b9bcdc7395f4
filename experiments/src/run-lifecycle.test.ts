/**
 * How runs end when people stop them (signals, directly and through `npx nx run`), when they fail or diverge, and
 * how --resume, bad paths and the run-folder lock behave: each run records itself in its manifest.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@pixel-models/nn';
import {
  type RunResult,
  TrainingDivergedError,
  UsageError,
  buildTrainingModel,
  drawSamples,
  hasCheckpoint,
  loadCheckpoint,
  loadTrainingData,
  openTrainingRun,
  reportTrainingRun,
  runTrainingExperiment,
  scoreModel,
  stoppedTrainingRun,
  trainModel,
  withTrainingRun,
} from '@pixel-models/lab';
import { useTestBackend } from '@pixel-models/nn/testing';
import { mnistGated } from './mnist-gated';
import { REPO_ROOT } from './repo-root';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-'));
const roots = (out: string) => ['--out', path.join(out, 'results'), '--reports', path.join(out, 'reports')];
const smoke = (out: string, ...extra: string[]) => ['--preset', 'smoke', ...roots(out), '--backend', 'wasm', ...extra];
// Long enough (300 batches) that a signal lands mid-training.
const slow = ['--epochs', '1', '--train-images', '600', '--batch', '2', '--test-images', '32', '--samples', '0'];
const manifest = (out: string, run: string) =>
  JSON.parse(fs.readFileSync(path.join(out, 'results/mnist-gated', run, 'manifest.json'), 'utf8'));

/** mnist-gated's steps up to the built model (config.json written), then `error`: a crash inside the run. */
async function crashAfterBuild(argv: string[], error: Error): Promise<RunResult> {
  const t = await openTrainingRun(mnistGated, argv, REPO_ROOT);
  return withTrainingRun(t, async () => {
    buildTrainingModel(t, loadTrainingData(t));
    throw error;
  });
}

/** mnist-gated's default steps, with a SIGHUP sent as sampling starts. */
async function signalledWhileSampling(argv: string[]): Promise<RunResult> {
  const t = await openTrainingRun(mnistGated, argv, REPO_ROOT);
  return withTrainingRun(t, async () => {
    const data = loadTrainingData(t);
    const model = buildTrainingModel(t, data);
    const fit = await trainModel(t, model, data);
    if (fit.outcome === 'interrupted') return stoppedTrainingRun(t, fit.history);
    const test = await scoreModel(t, model, data);
    const samples = await drawSamples(t, model, data, () => (process.kill(process.pid, 'SIGHUP'), {}));
    return reportTrainingRun(t, { model, data, fit, test, samples });
  });
}

/** Spawns `command`, in its own process group; `onOutput` may signal it. Resolves with its exit code and output. */
function spawnRun(
  command: string,
  args: string[],
  onOutput?: (text: string, pid: number) => void,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, detached: true });
    let out = '';
    const seen = (d: Buffer) => {
      out += d;
      onOutput?.(out, child.pid as number);
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : null), out }));
  });
}
const entry = (args: string[], on?: (text: string, pid: number) => void) =>
  spawnRun(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'experiments/src/mnist-gated.ts'), ...args], on);
const once = (signal: NodeJS.Signals, group: boolean) => {
  let sent = false;
  return (text: string, pid: number) => {
    if (!sent && /epoch 1\/1 +\d+%/.test(text)) {
      sent = true;
      process.kill(group ? -pid : pid, signal);
    }
  };
};
async function until(check: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end && !check();) await new Promise((r) => setTimeout(r, 200));
}

beforeAll(async () => {
  await useTestBackend();
});

describe('run lifecycle', () => {
  it('SIGTERM mid-training: checkpoint, `interrupted` manifest, a resume command with --out/--reports; resume completes; a completed run is not resumed (CLI)', async () => {
    const out = tmp();
    const first = await entry(smoke(out, '--run-id', 't', ...slow), once('SIGTERM', false));
    expect(first.code).toBe(143);
    expect(manifest(out, 't')).toMatchObject({
      status: 'interrupted',
      reason: expect.stringMatching(/^stopped by SIGTERM; continue with: .*--resume t/),
    });
    expect(loadCheckpoint(path.join(out, 'results/mnist-gated/t')).meta.position.epoch).toBeLessThanOrEqual(1); // saved and readable
    expect(first.out).toContain(
      `-- --resume t --out ${path.join(out, 'results')} --reports ${path.join(out, 'reports')} --backend wasm`,
    );
    expect(fs.existsSync(path.join(out, 'results/mnist-gated/t/run.lock'))).toBe(false);
    const second = await entry([...roots(out), '--backend', 'wasm', '--resume', 't']);
    expect(second.code).toBe(0);
    expect(manifest(out, 't').status).toBe('completed');
    const before = fs.readFileSync(path.join(out, 'results/mnist-gated/t/manifest.json'), 'utf8');
    await expect(runTrainingExperiment(mnistGated, [...roots(out), '--resume', 't'], REPO_ROOT)).rejects.toThrow(
      /already completed/,
    );
    expect(fs.readFileSync(path.join(out, 'results/mnist-gated/t/manifest.json'), 'utf8')).toBe(before);
  });

  it('Ctrl-C through `npx nx run experiments:mnist-gated -- ...` (SIGINT to its process group) stops cleanly and resumes', async () => {
    const out = tmp();
    const first = await spawnRun(
      'npx',
      ['nx', 'run', 'experiments:mnist-gated', '--', ...smoke(out, '--run-id', 'n', ...slow)],
      once('SIGINT', true),
    );
    expect(first.code).not.toBe(0);
    // nx exits without waiting for its child: the child finishes its checkpoint and manifest on its own.
    await until(() => manifest(out, 'n').status !== 'running', 20_000);
    expect(manifest(out, 'n').status).toBe('interrupted');
    expect(manifest(out, 'n').reason).toMatch(/--resume n --out /); // nx may cut the child's output: the manifest keeps it
    expect(loadCheckpoint(path.join(out, 'results/mnist-gated/n')).meta.position.epoch).toBeLessThanOrEqual(1);
    const second = await entry([...roots(out), '--resume', 'n', '--backend', 'wasm']);
    expect(second.code).toBe(0);
    expect(manifest(out, 'n').status).toBe('completed');
  });

  it('the `nx` process killed alone (kill -9 <nx pid>; nx 24 forwards a plain SIGTERM itself): its orphaned task stops as `interrupted` and resumes', async () => {
    const out = tmp();
    // nx itself (no npx/sh in between), so the pid we signal is nx's; only it gets the signal, not its task. SIGKILL:
    // nx cannot pass it on, so only the task's watch on its nx parent can stop it.
    const nx = (args: string[], on?: (text: string, pid: number) => void) =>
      spawnRun(
        process.execPath,
        [path.join(REPO_ROOT, 'node_modules/.bin/nx'), 'run', 'experiments:mnist-gated', '--', ...args],
        on,
      );
    // nx holds back the progress line until its end: kill it once training starts (the `model:` line).
    let sent = false;
    const first = await nx(smoke(out, '--run-id', 'k', ...slow), (text, pid) => {
      if (!sent && /^model: /m.test(text)) ((sent = true), process.kill(pid, 'SIGKILL'));
    });
    expect(first.code).not.toBe(0);
    await until(() => manifest(out, 'k').status !== 'running', 20_000);
    // Without the watch on nx the task trains on unseen and ends `completed`.
    expect(manifest(out, 'k')).toMatchObject({
      status: 'interrupted',
      reason: expect.stringMatching(
        /^stopped by the exit of its nx process \(pid \d+\); continue with: .*--resume k --out /,
      ),
    });
    // On a loaded machine the watch can fire before the first batch: then there is no checkpoint yet and the resume
    // starts from the beginning, which is what a stop before any checkpoint means.
    if (hasCheckpoint(path.join(out, 'results/mnist-gated/k'))) {
      expect(loadCheckpoint(path.join(out, 'results/mnist-gated/k')).meta.position.epoch).toBeLessThanOrEqual(1);
    }
    await until(() => !fs.existsSync(path.join(out, 'results/mnist-gated/k/run.lock')), 10_000);
    const second = await entry([...roots(out), '--resume', 'k', '--backend', 'wasm']);
    expect(second.code).toBe(0);
    expect(manifest(out, 'k').status).toBe('completed');
  });

  it('flags reach the experiment through `npx nx run experiments:mnist-gated -- ...`: --help is its own, --batch 3 is used', async () => {
    const help = await spawnRun('npx', ['nx', 'run', 'experiments:mnist-gated', '--', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('usage: npx nx run experiments:mnist-gated -- [--flag value ...]');
    for (const flag of [
      '--batch <int>',
      '--preset <smoke|default|gpu>',
      '--resume <string>',
      '--out <string>',
      '--reports <string>',
    ])
      expect(help.out).toContain(flag);
    const out = tmp();
    const run = await spawnRun('npx', [
      'nx',
      'run',
      'experiments:mnist-gated',
      '--',
      ...smoke(
        out,
        '--run-id',
        'b',
        '--batch',
        '3',
        '--epochs',
        '1',
        '--train-images',
        '6',
        '--test-images',
        '3',
        '--samples',
        '0',
      ),
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'results/mnist-gated/b/config.json'), 'utf8'))).toMatchObject({
      train: { batchSize: 3 },
    });
  });

  it('a comparison (ablation-blind-spot) stopped by SIGINT mid-training and resumed ends with the same test NLLs as an uninterrupted one', async () => {
    const out = tmp();
    const blind = (args: string[], on?: (text: string, pid: number) => void) =>
      spawnRun(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(REPO_ROOT, 'experiments/src/ablation-blind-spot.ts'),
          ...roots(out),
          '--backend',
          'wasm',
          ...args,
        ],
        on,
      );
    const tiny = ['--preset', 'smoke', '--seeds', '1', '--train-images', '128', '--test-images', '16'];
    let sent = false;
    const [whole, first] = await Promise.all([
      blind([...tiny, '--run-id', 'whole']),
      // The second of its three models, mid-epoch: the first is finished, the second has a checkpoint to go on from.
      blind([...tiny, '--run-id', 'cut'], (text, pid) => {
        if (!sent && /blind-spot\/gated seed 1: epoch 1\/1 +\d+%/.test(text))
          ((sent = true), process.kill(pid, 'SIGINT'));
      }),
    ]);
    expect(whole.code).toBe(0);
    expect(first.code).toBe(130);
    const folder = (run: string) => path.join(out, 'results/ablation-blind-spot', run);
    expect(JSON.parse(fs.readFileSync(path.join(folder('cut'), 'manifest.json'), 'utf8'))).toMatchObject({
      status: 'interrupted',
      reason: expect.stringMatching(/^stopped by SIGINT; continue with: .*--resume cut/),
    });
    expect(fs.existsSync(path.join(folder('cut'), 'summary.csv'))).toBe(false);
    const second = await blind(['--resume', 'cut']);
    expect(second.code).toBe(0);
    // label -> mean test NLL from summary.csv: equal to the uninterrupted run's, to the last digit.
    const nlls = (run: string) =>
      fs
        .readFileSync(path.join(folder(run), 'summary.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',').slice(0, 2).join('/') + ' ' + line.match(/,(\d+\.\d+),0,1,/)?.[1]);
    expect(nlls('cut')).toHaveLength(3);
    for (const row of nlls('cut')) expect(row).toMatch(/ \d+\.\d+$/);
    expect(nlls('cut')).toEqual(nlls('whole'));
  });

  it('a signal during sampling ends the run as interrupted, and --resume finishes it', async () => {
    const out = tmp();
    const first = await signalledWhileSampling(smoke(out, '--run-id', 's', '--samples', '4'));
    expect(process.exitCode).toBe(129);
    process.exitCode = 0;
    expect(first.test).toBeUndefined();
    expect(manifest(out, 's')).toMatchObject({
      status: 'interrupted',
      reason: expect.stringMatching(/^stopped by SIGHUP/),
    });
    const second = await runTrainingExperiment(mnistGated, [...roots(out), '--resume', 's'], REPO_ROOT);
    expect(second.test?.nats).toBeGreaterThan(0);
    expect(manifest(out, 's').status).toBe('completed');
  });

  it('divergence (--lr 1000) ends as `diverged`, a crash as `failed`, each with its reason', async () => {
    const out = tmp();
    await expect(
      runTrainingExperiment(mnistGated, smoke(out, '--run-id', 'd', '--lr', '1000'), REPO_ROOT),
    ).rejects.toThrow(TrainingDivergedError);
    expect(manifest(out, 'd')).toMatchObject({
      status: 'diverged',
      reason: expect.stringMatching(/uniform model's 543\.4.*no checkpoint was saved yet/),
    });
    await expect(crashAfterBuild(smoke(out, '--run-id', 'f'), new Error('boom'))).rejects.toThrow('boom');
    expect(manifest(out, 'f')).toMatchObject({ status: 'failed', reason: 'Error: boom' });
  });

  it('a backend out of memory (a huge --batch: wasm aborts with a raw "Aborted()") ends `failed` with a clear error and a memory hint', async () => {
    const out = tmp();
    const error = await crashAfterBuild(
      smoke(out, '--run-id', 'm', '--batch', '50000'),
      new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.'),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError); // printed as one line by runMain, no stack
    expect((error as Error).message).toMatch(
      /^out of memory on the wasm backend with --batch 50000 \(RuntimeError: Aborted\(\)\..*4 GiB.*give a smaller --batch/,
    );
    expect(manifest(out, 'm')).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^ConfigError: out of memory/),
    });
  });

  it('refuses flags that --resume would ignore, empty and unwritable paths, and a run folder in use — before any training', async () => {
    const out = tmp();
    await expect(
      runTrainingExperiment(mnistGated, [...roots(out), '--resume', 'x', '--epochs', '3', '--seed', '2'], REPO_ROOT),
    ).rejects.toThrow(/--epochs, --seed cannot change them/);
    await expect(runTrainingExperiment(mnistGated, smoke(out, '--resume', ''), REPO_ROOT)).rejects.toThrow(UsageError);
    await expect(runTrainingExperiment(mnistGated, ['--out', ''], REPO_ROOT)).rejects.toThrow(UsageError);
    fs.writeFileSync(path.join(out, 'file'), '');
    await expect(
      runTrainingExperiment(mnistGated, ['--preset', 'smoke', '--out', path.join(out, 'file/results')], REPO_ROOT),
    ).rejects.toThrow(/is a file, not a folder/);
    await expect(
      runTrainingExperiment(
        mnistGated,
        ['--preset', 'smoke', '--out', path.join(out, 'r'), '--reports', path.join(out, 'file')],
        REPO_ROOT,
      ),
    ).rejects.toThrow(ConfigError);
    expect(fs.existsSync(path.join(out, 'r'))).toBe(false);
    // A live process (our parent) holds the lock: the resume is refused and the run is left alone.
    await expect(crashAfterBuild(smoke(out, '--run-id', 'locked'), new Error('boom'))).rejects.toThrow('boom');
    const dir = path.join(out, 'results/mnist-gated/locked');
    fs.writeFileSync(path.join(dir, 'run.lock'), `${process.ppid}\n`);
    await expect(runTrainingExperiment(mnistGated, [...roots(out), '--resume', 'locked'], REPO_ROOT)).rejects.toThrow(
      /in use by process/,
    );
  });
});

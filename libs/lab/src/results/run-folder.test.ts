import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@pixel-models/nn';
import { createRunFolder, newRunId, openRunFolder } from './run-folder';

const tmpRoot = () => fs.mkdtempSync(path.join(os.tmpdir(), 'runs-'));

describe('newRunId', () => {
  it('is a UTC timestamp plus 4 hex digits, and sorts by time', () => {
    expect(newRunId(new Date('2026-11-28T23:59:59.500Z'))).toMatch(/^2026-11-28T23-59-59Z-[0-9a-f]{4}$/);
    const ids = [new Date('2026-01-02T03:04:05Z'), new Date('2025-12-31T23:00:00Z'), new Date('2026-01-02T03:04:06Z')].map((d) => newRunId(d));
    expect([...ids].sort()).toEqual([ids[1], ids[0], ids[2]]);
  });
});

describe('createRunFolder', () => {
  it('creates <root>/<experiment>/<runId>/ and writes json, text, buffers and csv into it', () => {
    const root = tmpRoot();
    const run = createRunFolder({ root, experiment: 'mnist-gated', runId: 'r1' });
    expect(run).toMatchObject({ dir: path.join(root, 'mnist-gated', 'r1'), runId: 'r1', experiment: 'mnist-gated' });
    run.writeJson('config.json', { layers: 3 });
    run.writeText('log.txt', 'hello\n');
    run.writeBuffer('samples.png', Uint8Array.from([1, 2, 3]));
    run.writeCsv('curve.csv', [{ epoch: 1, nats: 90.5 }, { epoch: 2, nats: 'n/a, "none"' }], ['epoch', 'nats']);
    expect(run.readJson<{ layers: number }>('config.json')).toEqual({ layers: 3 });
    expect(fs.readFileSync(run.path('log.txt'), 'utf8')).toBe('hello\n');
    expect([...fs.readFileSync(run.path('samples.png'))]).toEqual([1, 2, 3]);
    expect(fs.readFileSync(run.path('curve.csv'), 'utf8')).toBe('epoch,nats\n1,90.5\n2,"n/a, ""none"""\n');
    expect(fs.readdirSync(run.dir).sort()).toEqual(['.writer', 'config.json', 'curve.csv', 'log.txt', 'samples.png']);
  });

  it('gives a fresh timestamped id by default', () => {
    const run = createRunFolder({ root: tmpRoot(), experiment: 'e' });
    expect(run.runId).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ-[0-9a-f]{4}$/);
    expect(fs.statSync(run.dir).isDirectory()).toBe(true);
  });

  it('never overwrites an existing run', () => {
    const root = tmpRoot();
    createRunFolder({ root, experiment: 'e', runId: 'same' }).writeText('keep.txt', 'old');
    expect(() => createRunFolder({ root, experiment: 'e', runId: 'same' })).toThrow(ConfigError);
    expect(() => createRunFolder({ root, experiment: 'e', runId: 'same' })).toThrow(/already exists.*--run-id/);
    expect(fs.readFileSync(path.join(root, 'e', 'same', 'keep.txt'), 'utf8')).toBe('old');
  });

  it('refuses to write into a run folder deleted during the run, whether or not something re-created it', () => {
    const root = tmpRoot();
    const run = createRunFolder({ root, experiment: 'e', runId: 'r' });
    run.writeJson('config.json', { a: 1 });
    fs.rmSync(run.dir, { recursive: true });
    expect(() => run.writeJson('manifest.json', {})).toThrow(/run folder .*r was deleted during the run/);
    expect(fs.existsSync(run.dir)).toBe(false); // not silently re-created
    fs.mkdirSync(run.dir); // e.g. a checkpoint write made a new, empty folder at the same path
    expect(() => run.writeCsv('metrics.csv', [{ x: 1 }], ['x'])).toThrow(ConfigError);
    expect(fs.readdirSync(run.dir)).toEqual([]);
  });

  it('rejects run ids that would leave the experiment folder', () => {
    expect(() => createRunFolder({ root: tmpRoot(), experiment: 'e', runId: '../escape' })).toThrow(ConfigError);
  });
});

describe('openRunFolder', () => {
  it('reopens an existing run for --resume', () => {
    const root = tmpRoot();
    createRunFolder({ root, experiment: 'e', runId: 'r' }).writeJson('state.json', { epoch: 4 });
    const run = openRunFolder(path.join(root, 'e', 'r'));
    expect(run).toMatchObject({ runId: 'r', experiment: 'e' });
    expect(run.readJson<{ epoch: number }>('state.json').epoch).toBe(4);
    expect(() => run.readJson('missing.json')).toThrow(ConfigError);
  });

  it('says so when there is no such run', () => {
    expect(() => openRunFolder(path.join(tmpRoot(), 'nope'))).toThrow(/no run folder/);
  });
});

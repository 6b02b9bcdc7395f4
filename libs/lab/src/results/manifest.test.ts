import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildManifest, gitInfo } from './manifest';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-'));

// Temp folders count as "not a checkout" even if the temp root sits inside one.
const ceiling = process.env.GIT_CEILING_DIRECTORIES;
beforeAll(() => void (process.env.GIT_CEILING_DIRECTORIES = fs.realpathSync(os.tmpdir())));
afterAll(() => {
  if (ceiling === undefined) delete process.env.GIT_CEILING_DIRECTORIES;
  else process.env.GIT_CEILING_DIRECTORIES = ceiling;
});

describe('gitInfo', () => {
  it('reads the commit and the dirty flag of a checkout', () => {
    const dir = tmp();
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' }).trim();
    git('init', '-q');
    fs.writeFileSync(path.join(dir, 'a.txt'), '1');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'first');
    expect(gitInfo(dir)).toEqual({ commit: git('rev-parse', 'HEAD'), dirty: false });
    fs.writeFileSync(path.join(dir, 'a.txt'), '2');
    expect(gitInfo(dir).dirty).toBe(true);
  });

  it('gives nulls outside a checkout instead of throwing', () => {
    const dir = tmp();
    expect(gitInfo(dir)).toEqual({ commit: null, dirty: null });
    expect(gitInfo(path.join(dir, 'does-not-exist'))).toEqual({ commit: null, dirty: null });
  });
});

describe('buildManifest', () => {
  it('is a plain serialisable record of where, when and how a run ran', () => {
    const m = buildManifest({
      experiment: 'mnist-gated',
      runId: 'r1',
      seed: 7,
      backend: { requested: 'auto', name: 'wasm', device: 'cpu', tfjsVersion: '4.22.0', skipped: [] },
      started: new Date('2026-11-28T10:00:00Z'),
      ended: new Date('2026-11-28T10:01:30Z'),
      status: 'completed',
      preset: 'smoke',
      imagesPerSecond: 123.4,
      summary: { testNats: 81.2 },
      cwd: tmp(),
    });
    expect(m).toMatchObject({
      experiment: 'mnist-gated', runId: 'r1', seed: 7, status: 'completed', preset: 'smoke',
      backend: 'wasm', device: 'cpu', tfjsVersion: '4.22.0', nodeVersion: process.version,
      started: '2026-11-28T10:00:00.000Z', ended: '2026-11-28T10:01:30.000Z', wallSeconds: 90,
      imagesPerSecond: 123.4, summary: { testNats: 81.2 }, git: { commit: null, dirty: null },
    });
    expect(m.platform).toBe(`${os.platform()} ${os.arch()}`);
    expect(m.cpu.length).toBeGreaterThan(0);
    expect(m.command).toEqual(process.argv.slice(1));
    expect(JSON.parse(JSON.stringify(m))).toEqual(JSON.parse(JSON.stringify(m, null, 2)));
  });
});

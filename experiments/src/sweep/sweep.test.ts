/**
 * The sweep end to end: a local sweep of smoke runs, the same sweep through a real single-node Slurm (started
 * here, or skipped with the reason; under CI=true a cluster that cannot start fails the test), compared run
 * folder by run folder and report by report; then skipping, resuming and a failed task.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../repo-root';
import { type SlurmCluster, startSlurmCluster } from './testing/slurm-cluster';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-test-'));
const SEEDS = [1, 2];
const specFile = (name: string, flags: Record<string, unknown>, seeds = SEEDS) => {
  const file = path.join(tmp, `${name}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      name,
      runs: [
        {
          experiment: 'mnist-gated',
          flags: { preset: 'smoke', backend: 'wasm', samples: 0, ...flags },
          grid: { seed: seeds },
        },
      ],
    }),
  );
  return file;
};
const spec = specFile('gated-smoke', {});

function sweep(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'experiments/src/sweep.ts'), ...args],
      { cwd: REPO_ROOT, env },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}
const roots = (name: string) => [
  '--out',
  path.join(tmp, name, 'results'),
  '--reports',
  path.join(tmp, name, 'reports'),
];
const runDirs = (name: string) => {
  const dir = path.join(tmp, name, 'results', 'mnist-gated');
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
};
const read = (...p: string[]) => fs.readFileSync(path.join(tmp, ...p), 'utf8');
/** A CSV without the columns that measure time. */
const untimed = (csv: string) => {
  const cells = (line: string) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].map((m) => m[1]).slice(0, -1);
  const [head, ...rows] = csv.trim().split('\n').map(cells);
  const keep = head.map((h, i) => (/seconds|per_second|Seconds/.test(h) ? -1 : i)).filter((i) => i >= 0);
  return [head, ...rows].map((r) => keep.map((i) => r[i]).join(','));
};

describe('experiments:sweep --engine local', () => {
  it('runs every run into its own deterministic run folder and merges them into one comparison', async () => {
    const r = await sweep(['--spec', spec, '--jobs', '2', ...roots('local')]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/\[2\/2\] mnist-gated\/.*: completed in/);
    expect(r.out).toMatch(/2 completed, 0 skipped \(done before\), 0 failed/);
    expect(runDirs('local')).toEqual([
      'backend-wasm.preset-smoke.samples-0.seed-1-747332b2',
      'backend-wasm.preset-smoke.samples-0.seed-2-da19e947',
    ]);
    for (const id of runDirs('local'))
      for (const f of ['config.json', 'manifest.json', 'metrics.csv'])
        expect(fs.existsSync(path.join(tmp, 'local/results/mnist-gated', id, f)), f).toBe(true);
    const summary = read('local/results/sweep/gated-smoke/summary.csv');
    expect(summary.split('\n')[1]).toMatch(/^mnist-gated,.*,nats,,,[0-9.]+,[0-9.]+,2,/);
    expect(read('local/results/sweep/gated-smoke/curves.csv').split('\n').length).toBeGreaterThan(3);
    const html = read('local/reports/sweep/gated-smoke.html');
    expect(html).toContain('mean ± std over seeds');
    expect(html).toContain('training curves');
    expect(read('local/reports/index.html')).toContain('test NLL (nats)');

    const again = await sweep(['--spec', spec, ...roots('local')]);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/0 completed, 2 skipped \(done before\), 0 failed/);
  });

  it('resumes a run that has a checkpoint and no completed manifest', async () => {
    const id = runDirs('local')[0];
    const dir = path.join(tmp, 'resume/results/mnist-gated', id);
    fs.cpSync(path.join(tmp, 'local/results/mnist-gated', id), dir, { recursive: true });
    fs.rmSync(path.join(dir, 'manifest.json'));
    const r = await sweep(['--spec', specFile('resume', {}, [1]), '--no-collect', ...roots('resume')]);
    expect(r.code, r.out).toBe(0);
    expect(read('resume/results/.sweeps/resume/logs', `${id}.log`)).toContain(`--resume ${id}`);
    expect(JSON.parse(read('resume/results/mnist-gated', id, 'manifest.json')).status).toBe('completed');
  });

  it('runs a comparison (ablation-blind-spot) as one run per model and merges it into the in-process tables', async () => {
    const flags = { preset: 'smoke', backend: 'wasm', seeds: 1, 'train-images': 64, 'test-images': 16 };
    const file = path.join(tmp, 'blind.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'blind', runs: [{ experiment: 'ablation-blind-spot', flags }] }));
    const r = await sweep(['--spec', file, '--jobs', '2', ...roots('blind')]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/3 completed, 0 skipped \(done before\), 0 failed/);
    const direct = await new Promise<number | null>((resolve) =>
      spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(REPO_ROOT, 'experiments/src/ablation-blind-spot.ts'),
          ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)]),
          ...roots('blind-direct'),
          '--run-id',
          'direct',
        ],
        { cwd: REPO_ROOT, stdio: 'ignore' },
      ).on('close', resolve),
    );
    expect(direct).toBe(0);
    for (const csv of ['summary.csv', 'runs.csv', 'curves.csv'])
      expect(untimed(read('blind/results/sweep/blind', csv)), csv).toEqual(
        untimed(read('blind-direct/results/ablation-blind-spot/direct', csv)),
      );
    expect(read('blind/reports/sweep/blind.html')).toContain('Gated PixelCNN (split stacks)');
  });

  it('refuses an invalid spec before anything starts', async () => {
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(
      bad,
      JSON.stringify({
        name: 'bad',
        runs: [
          { experiment: 'mnist-gated', grid: { seed: [1] } },
          { experiment: 'mnist-gated', flags: { epoch: 1 } },
        ],
      }),
    );
    const r = await sweep(['--spec', bad, ...roots('bad')]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/unknown flag --epoch for mnist-gated/);
    expect(fs.existsSync(path.join(tmp, 'bad'))).toBe(false);
  });
});

describe('experiments:sweep --engine slurm, on a real single-node Slurm', () => {
  let cluster: SlurmCluster | undefined;
  let skip = '';
  beforeAll(async () => {
    const c = await startSlurmCluster();
    if ('skip' in c) {
      skip = c.skip;
      if (process.env.CI === 'true') throw new Error(`CI=true, but no Slurm cluster could be started: ${skip}`);
      console.log(`skipping the Slurm tests: ${skip}`);
    } else cluster = c;
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it("runs the sweep as one job array; run folders and merged report equal the local engine's", async (ctx) => {
    if (!cluster) return ctx.skip(skip);
    const r = await sweep(['--spec', spec, '--engine', 'slurm', '--poll', '0.5', ...roots('slurm')], cluster.env);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/submitted job \d+, 2 array task\(s\)/);
    expect(read('slurm/results/.sweeps/gated-smoke/sweep.sbatch')).toContain('#SBATCH --array=0-1');
    expect(runDirs('slurm')).toEqual(runDirs('local'));
    for (const id of runDirs('local')) {
      const both = (f: string) => [read('local/results/mnist-gated', id, f), read('slurm/results/mnist-gated', id, f)];
      const [lc, sc] = both('config.json').map((t) => JSON.parse(t));
      expect(sc).toEqual(lc);
      const [lm, sm] = both('manifest.json').map((t) => JSON.parse(t));
      expect(sm.status).toBe('completed');
      expect(sm.summary.testNats).toBe(lm.summary.testNats);
      const [a, b] = both('metrics.csv').map(untimed);
      expect(b).toEqual(a);
    }
    for (const f of ['summary.csv', 'runs.csv'])
      expect(untimed(read('slurm/results/sweep/gated-smoke', f))).toEqual(
        untimed(read('local/results/sweep/gated-smoke', f)),
      );
    expect(read('slurm/results/sweep/gated-smoke/curves.csv')).toBe(read('local/results/sweep/gated-smoke/curves.csv'));
    expect(fs.existsSync(path.join(tmp, 'slurm/reports/sweep/gated-smoke.html'))).toBe(true);

    const again = await sweep(
      ['--spec', spec, '--engine', 'slurm', '--poll', '0.5', '--no-collect', ...roots('slurm')],
      cluster.env,
    );
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/all 2 run\(s\) completed before; nothing to submit/);
  });

  it('reports a failed task with its log path, and --no-wait returns at once', async (ctx) => {
    if (!cluster) return ctx.skip(skip);
    const failing = specFile('failing', { 'data-dir': path.join(tmp, 'no-such-mnist') }, [1]);
    const r = await sweep(['--spec', failing, '--engine', 'slurm', '--poll', '0.5', ...roots('fail')], cluster.env);
    expect(r.code).toBe(1);
    const m = /FAILED task (\d+)_0 mnist-gated\/\S+: .*; log: (\S+)/.exec(r.out);
    expect(m, r.out).not.toBeNull();
    expect(fs.readFileSync(m![2], 'utf8')).toContain('no-such-mnist');
    const nowait = await sweep(['--spec', failing, '--engine', 'slurm', '--no-wait', ...roots('fail')], cluster.env);
    expect(nowait.code, nowait.out).toBe(0);
    expect(nowait.out).toMatch(/not waiting \(--no-wait\): watch it with {2}squeue -j \d+/);
    execFileSync('scancel', [/squeue -j (\d+)/.exec(nowait.out)![1]], { env: cluster.env });
  });
});

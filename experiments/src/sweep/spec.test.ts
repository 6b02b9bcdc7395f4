import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@pixel-models/nn';
import { buildPlan, runArgs, runIdFor } from './plan';
import { arraySpec, sbatchScript } from './slurm';
import { validateSpec } from './spec';

const spec = (runs: unknown[], extra: Record<string, unknown> = {}) => ({ name: 't', runs, ...extra });

describe('sweep spec validation', () => {
  it('expands every grid combination, in order', async () => {
    const s = await validateSpec(
      spec([
        {
          experiment: 'mnist-pixelrnn',
          flags: { preset: 'smoke' },
          grid: { model: ['pixelcnn', 'row-lstm'], seed: [1, 2] },
        },
      ]),
    );
    expect(s.runs.map((r) => `${r.flags.model}/${r.flags.seed}`)).toEqual([
      'pixelcnn/1',
      'pixelcnn/2',
      'row-lstm/1',
      'row-lstm/2',
    ]);
    expect(s.runs.every((r) => r.experiment === 'mnist-pixelrnn' && r.flags.preset === 'smoke')).toBe(true);
  });

  it('expands a comparison into one run per model and seed, in the comparison order', async () => {
    const s = await validateSpec(
      spec([{ experiment: 'ablation-blind-spot', flags: { preset: 'smoke', seeds: 2, seed: 3 } }]),
    );
    expect(s.runs.map((r) => `${r.flags.only}/${r.flags.seed}/${r.flags.seeds}`)).toEqual([
      'blind-spot/pixelcnn/3/1',
      'blind-spot/pixelcnn/4/1',
      'blind-spot/gated/3/1',
      'blind-spot/gated/4/1',
      'blind-spot/gated-masked/3/1',
      'blind-spot/gated-masked/4/1',
    ]);
    const masks = await validateSpec(
      spec([{ experiment: 'ablation-masks', flags: { preset: 'smoke', only: 'first-mask,residual-skip/skip' } }]),
    );
    const seeds = masks.runs.filter((r) => r.flags.only === 'first-mask/mask-b').length; // the preset's seeds
    expect(seeds).toBeGreaterThan(0);
    expect([...new Set(masks.runs.map((r) => r.flags.only))]).toEqual([
      'first-mask/mask-a',
      'first-mask/mask-b',
      'residual-skip/skip',
    ]);
  });

  it.each([
    [
      spec([{ experiment: 'ablation-masks', flags: { only: 'first-mask/mask-c' } }]),
      /unknown group\(s\) or model\(s\) first-mask\/mask-c; choices: first-mask, first-mask\/mask-a/,
    ],
    [spec([{ experiment: 'paper-tables', flags: { model: 'gated' } }]), /unknown flag --model for paper-tables/],
    [spec([{ experiment: 'paper-tables', flags: { seeds: 0 } }]), /--seeds must be at least 1/],
    [spec([{ experiment: 'mnist-nope' }]), /unknown experiment "mnist-nope".*mnist-gated/],
    [spec([{ experiment: 'mnist-gated', flags: { epoch: 2 } }]), /unknown flag --epoch for mnist-gated/],
    [spec([{ experiment: 'mnist-gated', flags: { preset: 'huge' } }]), /--preset must be one of smoke, default, gpu/],
    [
      spec([{ experiment: 'mnist-pixelrnn', grid: { model: ['pixelcnn', 'lstm'] } }]),
      /--model must be one of pixelcnn, row-lstm, diagonal-bilstm, got "lstm"/,
    ],
    [spec([{ experiment: 'mnist-gated', flags: { model: 'x' } }]), /has one model/],
    [spec([{ experiment: 'mnist-gated', grid: { seed: [1, 1.5] } }]), /--seed needs an integer/],
    [spec([{ experiment: 'mnist-gated', flags: { 'run-id': 'x' } }]), /--run-id is set by the sweep/],
    [spec([{ experiment: 'mnist-gated', flags: { backend: 'cuda' } }]), /--backend must be one of/],
    [spec([{ experiment: 'mnist-gated', grid: { seed: [] } }]), /non-empty lists/],
    [spec([{ experiment: 'mnist-gated', flags: { seed: 1 }, grid: { seed: [2] } }]), /seed in both "flags" and "grid"/],
    [spec([{ experiment: 'mnist-gated' }], { slurm: { gpus: 1 } }), /unknown slurm option\(s\) gpus/],
    [{ runs: [] }, /"name" must be/],
    [spec([]), /"runs" must be a non-empty list/],
    [
      spec([{ experiment: 'mnist-pixelrnn', flags: { preset: 'paper' } }]),
      /--preset paper was renamed: use --preset gpu/,
    ],
  ])('refuses a bad spec with a clear message (%#)', async (raw, message) => {
    const err = await validateSpec(raw).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
  });

  it('gives each run a deterministic, distinct id and refuses duplicate runs', async () => {
    const s = await validateSpec(
      spec([{ experiment: 'mnist-gated', flags: { preset: 'smoke' }, grid: { seed: [1, 2] } }]),
    );
    expect(runIdFor(s.runs[0])).toBe(runIdFor({ experiment: 'mnist-gated', flags: { seed: 1, preset: 'smoke' } }));
    expect(runIdFor(s.runs[0])).toMatch(/^preset-smoke\.seed-1-[0-9a-f]{8}$/);
    expect(runIdFor(s.runs[0])).not.toBe(runIdFor(s.runs[1]));
    expect(runIdFor(s.runs[0])).not.toBe(runIdFor({ experiment: 'mnist-class-conditional', flags: s.runs[0].flags }));
    const twice = await validateSpec(
      spec([
        { experiment: 'mnist-gated', grid: { seed: [1] } },
        { experiment: 'mnist-gated', flags: { seed: 1 } },
      ]),
    );
    expect(() => buildPlan(twice, '/r', '/p')).toThrow(/runs 0 and 1 are the same run/);
  });

  it('starts a new run with --run-id and continues a checkpointed one with --resume', async () => {
    const s = await validateSpec(
      spec([{ experiment: 'mnist-gated', flags: { preset: 'smoke', backend: 'wasm', seed: 3 } }]),
    );
    const plan = buildPlan(s, '/res', '/rep');
    const run = plan.runs[0];
    expect(run.dir).toBe(path.join('/res', 'mnist-gated', run.runId));
    expect(runArgs(plan, run, 'new')).toEqual([
      '--preset',
      'smoke',
      '--backend',
      'wasm',
      '--seed',
      '3',
      '--out',
      '/res',
      '--reports',
      '/rep',
      '--run-id',
      run.runId,
    ]);
    expect(runArgs(plan, run, 'resumable')).toEqual([
      '--resume',
      run.runId,
      '--out',
      '/res',
      '--reports',
      '/rep',
      '--backend',
      'wasm',
    ]);
  });
});

describe('sbatch script writer', () => {
  it('compresses array indexes', () => {
    expect(arraySpec([0, 1, 2, 3])).toBe('0-3');
    expect(arraySpec([5, 0, 1, 7, 8, 3])).toBe('0-1,3,5,7-8');
    expect(arraySpec([4])).toBe('4');
  });

  it('writes one array task per run still to do, with the Slurm options passed through', async () => {
    const s = await validateSpec(spec([{ experiment: 'mnist-gated', grid: { seed: [1, 2, 3, 4] } }]));
    const plan = buildPlan(s, '/shared/results', '/shared/reports');
    const script = sbatchScript({
      plan,
      planFile: '/shared/results/.sweeps/t/plan.json',
      indexes: [0, 2, 3],
      node: '/opt/node/bin/node',
      repoRoot: '/home/me/pixel-models',
      slurm: {
        partition: 'gpu',
        time: '04:00:00',
        gres: 'gpu:1',
        cpusPerTask: 4,
        mem: '16G',
        extra: ['--account=lab'],
      },
    });
    const lines = script.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    for (const l of [
      '#SBATCH --job-name=sweep-t',
      '#SBATCH --array=0,2-3',
      '#SBATCH --output=/shared/results/.sweeps/t/logs/slurm-%A_%a.log',
      '#SBATCH --chdir=/home/me/pixel-models',
      '#SBATCH --partition=gpu',
      '#SBATCH --time=04:00:00',
      '#SBATCH --gres=gpu:1',
      '#SBATCH --cpus-per-task=4',
      '#SBATCH --mem=16G',
      '#SBATCH --account=lab',
    ]) {
      expect(lines).toContain(l);
    }
    expect(script).toContain(
      `exec '/opt/node/bin/node' --import tsx '/home/me/pixel-models/experiments/src/sweep.ts' --task '/shared/results/.sweeps/t/plan.json' --index "$SLURM_ARRAY_TASK_ID"`,
    );
    const minimal = sbatchScript({ plan, planFile: '/p.json', indexes: [1], slurm: {} });
    expect(minimal).not.toMatch(/--partition|--gres|--time|--mem|--cpus-per-task/);
    expect(() => sbatchScript({ plan, planFile: '/p.json', indexes: [], slurm: {} })).toThrow(/no runs/);
  });
});

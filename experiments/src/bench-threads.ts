/**
 * Training on N threads, the two ways wasm can, side by side: ms per training step (forward + backward + Adam) of
 * the main job's Gated PixelCNN with 1 thread (`trainStep`), data-parallel on N threads (DataParallelPool: N - 1
 * worker replicas) and with N XNNPACK threads in one backend (a child process per round: a process starts its wasm
 * backend once), in interleaved rounds so that drift in this shared machine's speed hits all sides alike.
 *   npx nx run experiments:bench-threads [--preset default] [--batch 32] [--threads 2] [--rounds 5] [--steps 3]
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { Adam, trainStep } from '@pixel-models/nn';
import { DataParallelPool, checkThreads, defineFlags, initBackend, parseFlags, runMain } from '@pixel-models/lab';
import { mnistGated } from './mnist-gated';
import { median, timeOnce } from './timing';

const flags = defineFlags({
  preset: {
    type: 'enum',
    choices: Object.keys(mnistGated.presets),
    default: 'default',
    renamed: mnistGated.renamedPresets,
    help: "the main job's preset whose model is timed",
  },
  batch: { type: 'int', min: 1, default: 32, help: 'global batch size' },
  size: { type: 'int', min: 4, default: 28, help: 'image side' },
  levels: { type: 'int', min: 2, default: 2, help: 'quantization levels Q' },
  threads: { type: 'int', min: 2, default: 2, help: 'threads of the data-parallel and XNNPACK sides' },
  rounds: { type: 'int', min: 1, default: 5, help: 'interleaved rounds (after 2 warm-up steps each side)' },
  steps: { type: 'int', min: 1, default: 3, help: 'steps per side per round' },
  'kernel-side': {
    type: 'int',
    min: 0,
    default: 0,
    help: '(internal) run only the XNNPACK side on N threads, print JSON',
  },
});

type Flags = ReturnType<typeof parseFlags<typeof flags>>;

/** Wall and CPU ms per step (CPU summed over all threads: the work a step costs, which other load does not inflate). */
async function perStep(steps: number, step: () => Promise<number>): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const ms = await timeOnce(async () => {
    for (let k = 0; k < steps; k++) await step();
  });
  const cpu = process.cpuUsage(cpu0);
  return { wall: ms / steps, cpu: (cpu.user + cpu.system) / 1000 / steps };
}

/** The main job's model at the preset (mnist-gated's, which may differ from the Gated preset of that name). */
const modelConfig = (f: Flags) => ({
  ...mnistGated.presets[f.preset].model,
  channels: 1,
  levels: f.levels,
});

const batchOf = (f: Flags) =>
  tf.tensor4d(
    Int32Array.from({ length: f.batch * f.size * f.size }, (_, i) => ((i * 7919) % 5 === 0 ? 1 : 0) % f.levels),
    [f.batch, f.size, f.size, 1],
    'int32',
  );

/** The XNNPACK side of one round, in this (child) process: 2 warm-up steps, then `steps` timed ones. */
async function kernelSide(f: Flags): Promise<void> {
  const info = await initBackend('wasm', { kernelThreads: f['kernel-side'] });
  const model = mnistGated.createModel(modelConfig(f), 1);
  const adam = new Adam(model.trainableVariables, { learningRate: 1e-3 });
  const x = batchOf(f);
  const step = () => trainStep(model, adam, x);
  await step();
  await step();
  console.log(JSON.stringify({ ...(await perStep(f.steps, step)), kernelThreads: info.kernelThreads ?? 1 }));
}

/** Runs the XNNPACK side in a child process (same flags). */
function kernelRound(f: Flags, threads: number): { wall: number; cpu: number } {
  const args = ['--preset', f.preset, '--batch', f.batch, '--size', f.size, '--levels', f.levels, '--steps', f.steps];
  const out = execFileSync(
    process.execPath,
    [...process.execArgv, process.argv[1], ...args.map(String), '--kernel-side', String(threads)],
    { encoding: 'utf8' },
  );
  const result = JSON.parse(out.trim().split('\n').pop() as string) as {
    wall: number;
    cpu: number;
    kernelThreads: number;
  };
  if (result.kernelThreads !== threads)
    throw new Error(`the XNNPACK side started ${result.kernelThreads} threads, not ${threads}`);
  return result;
}

async function main(): Promise<void> {
  const f = parseFlags(flags, process.argv.slice(2), {
    usage: 'npx nx run experiments:bench-threads [--flag value ...]',
  });
  if (f['kernel-side'] > 0) return kernelSide(f);
  const threads = checkThreads(f.threads);
  const info = await initBackend('wasm');
  const config = modelConfig(f);
  const seed = 1;
  // Each side trains its own model from the same seed: the pool's weights then stay the pool side's own.
  const single = mnistGated.createModel(config, seed);
  const parallel = mnistGated.createModel(config, seed);
  const adams = [single, parallel].map((m) => new Adam(m.trainableVariables, { learningRate: 1e-3 }));
  const x = batchOf(f);
  const pool = await DataParallelPool.start(
    { threads, replica: { module: mnistGated.module!, experiment: mnistGated.name, config, seed } },
    parallel.trainableVariables,
  );
  try {
    const one = () => trainStep(single, adams[0], x);
    const many = () => pool.step(parallel, adams[1], x);
    for (const warm of [one, one, many, many]) await warm();
    const rounds: Record<'one' | 'many' | 'kernel', { wall: number; cpu: number }>[] = [];
    for (let r = 0; r < f.rounds; r++)
      rounds.push({
        one: await perStep(f.steps, one),
        many: await perStep(f.steps, many),
        kernel: kernelRound(f, threads),
      });
    const wall = (side: 'one' | 'many' | 'kernel') => median(rounds.map((r) => r[side].wall));
    const cpuMs = (side: 'one' | 'many' | 'kernel') => median(rounds.map((r) => r[side].cpu)).toFixed(0);
    console.log(
      `Gated PixelCNN ${f.preset} ${JSON.stringify(config)}, batch ${f.batch}, ${f.size}x${f.size}, ${info.device}`,
    );
    console.log(`medians of ${f.rounds} interleaved rounds of ${f.steps} steps per side`);
    console.log('threads | ms/step | images/s | speed-up | CPU ms/step (all threads)');
    const row = (label: string, side: 'one' | 'many' | 'kernel') =>
      console.log(
        `${label} | ${wall(side).toFixed(0)} | ${((f.batch * 1000) / wall(side)).toFixed(1)} | ${(wall('one') / wall(side)).toFixed(2)} | ${cpuMs(side)}`,
      );
    row('1', 'one');
    row(`${threads}, data-parallel`, 'many');
    row(`${threads}, XNNPACK threads`, 'kernel');
    const perRound = rounds
      .map((r) => `${r.one.wall.toFixed(0)}/${r.many.wall.toFixed(0)}/${r.kernel.wall.toFixed(0)}`)
      .join(', ');
    console.log(
      `per round (1 / data-parallel / XNNPACK, wall ms/step): ${perRound}; load average ${os.loadavg()[0].toFixed(1)}`,
    );
  } finally {
    await pool.close();
    x.dispose();
    adams.forEach((a) => a.dispose());
    single.dispose();
    parallel.dispose();
  }
}

runMain(main);

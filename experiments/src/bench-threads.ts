/**
 * Data-parallel training on wasm, side by side: ms per training step (forward + backward + Adam) of the main job's
 * Gated PixelCNN with 1 thread (`trainStep`) and with N threads (DataParallelPool: N - 1 worker replicas), in
 * interleaved rounds so that drift in this shared machine's speed hits both alike.
 *   npx nx run experiments:bench-threads [--preset default] [--batch 32] [--threads 2] [--rounds 5] [--steps 3]
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { Adam, trainStep } from '@pixel-models/nn';
import { DataParallelPool, checkThreads, defineFlags, initBackend, parseFlags, runMain } from '@pixel-models/lab';
import { GATED_PRESETS, type GatedPresetName, RENAMED_GATED_PRESETS } from '@pixel-models/gated-pixelcnn';
import { mnistGated } from './mnist-gated';
import { median, timeOnce } from './timing';

const flags = defineFlags({
  preset: {
    type: 'enum',
    choices: Object.keys(GATED_PRESETS),
    default: 'default',
    renamed: RENAMED_GATED_PRESETS,
    help: 'Gated PixelCNN size',
  },
  batch: { type: 'int', min: 1, default: 32, help: 'global batch size' },
  size: { type: 'int', min: 4, default: 28, help: 'image side' },
  levels: { type: 'int', min: 2, default: 2, help: 'quantization levels Q' },
  threads: { type: 'int', min: 2, default: 2, help: 'threads of the data-parallel side' },
  rounds: { type: 'int', min: 1, default: 5, help: 'interleaved rounds (after 2 warm-up steps each side)' },
  steps: { type: 'int', min: 1, default: 3, help: 'steps per side per round' },
});

async function main(): Promise<void> {
  const f = parseFlags(flags, process.argv.slice(2), {
    usage: 'npx nx run experiments:bench-threads [--flag value ...]',
  });
  const threads = checkThreads(f.threads);
  const info = await initBackend('wasm');
  const config = { ...GATED_PRESETS[f.preset as GatedPresetName], channels: 1, levels: f.levels };
  const seed = 1;
  // Each side trains its own model from the same seed: the pool's weights then stay the pool side's own.
  const single = mnistGated.createModel(config, seed);
  const parallel = mnistGated.createModel(config, seed);
  const adams = [single, parallel].map((m) => new Adam(m.trainableVariables, { learningRate: 1e-3 }));
  const x = tf.tensor4d(
    Int32Array.from({ length: f.batch * f.size * f.size }, (_, i) => ((i * 7919) % 5 === 0 ? 1 : 0) % f.levels),
    [f.batch, f.size, f.size, 1],
    'int32',
  );
  const pool = await DataParallelPool.start(
    { threads, replica: { module: mnistGated.module!, experiment: mnistGated.name, config, seed } },
    parallel.trainableVariables,
  );
  try {
    const one = () => trainStep(single, adams[0], x);
    const many = () => pool.step(parallel, adams[1], x);
    for (const warm of [one, one, many, many]) await warm();
    // Wall ms per step, and CPU ms per step summed over all threads (process.cpuUsage): the work a step costs,
    // which other processes on the machine do not inflate as they do the wall time.
    const perStep = async (step: () => Promise<number>) => {
      const cpu0 = process.cpuUsage();
      const ms = await timeOnce(async () => {
        for (let k = 0; k < f.steps; k++) await step();
      });
      const cpu = process.cpuUsage(cpu0);
      return { wall: ms / f.steps, cpu: (cpu.user + cpu.system) / 1000 / f.steps };
    };
    const rounds: { one: { wall: number; cpu: number }; many: { wall: number; cpu: number } }[] = [];
    for (let r = 0; r < f.rounds; r++) rounds.push({ one: await perStep(one), many: await perStep(many) });
    const oneMs = median(rounds.map((r) => r.one.wall));
    const manyMs = median(rounds.map((r) => r.many.wall));
    const cpuMs = (side: 'one' | 'many') => median(rounds.map((r) => r[side].cpu)).toFixed(0);
    console.log(
      `Gated PixelCNN ${f.preset} ${JSON.stringify(config)}, batch ${f.batch}, ${f.size}x${f.size}, ${info.device}`,
    );
    console.log(`medians of ${f.rounds} interleaved rounds of ${f.steps} steps per side`);
    console.log('threads | ms/step | images/s | speed-up | CPU ms/step (all threads)');
    console.log(`1 | ${oneMs.toFixed(0)} | ${((f.batch * 1000) / oneMs).toFixed(1)} | 1.00 | ${cpuMs('one')}`);
    console.log(
      `${threads} | ${manyMs.toFixed(0)} | ${((f.batch * 1000) / manyMs).toFixed(1)} | ${(oneMs / manyMs).toFixed(2)} | ${cpuMs('many')}`,
    );
    const perRound = rounds.map((r) => `${r.one.wall.toFixed(0)}/${r.many.wall.toFixed(0)}`).join(', ');
    console.log(
      `per round (1 / ${threads} threads, wall ms/step): ${perRound}; load average ${os.loadavg()[0].toFixed(1)}`,
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

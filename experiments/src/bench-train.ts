/**
 * Training throughput per available backend: images/s and effective GFLOP/s of a Gated PixelCNN step
 * (forward + backward + Adam), beside the backend's raw 512x512 matmul GFLOP/s timed in the same rounds.
 *   npx nx run experiments:bench-train [--preset default] [--batch 32] [--steps 5] [--backends wasm,cpu]
 *     [--filters 64 --layers 8 --levels 256]   (the target shapes)
 */
import * as tf from '@tensorflow/tfjs';
import { Adam, ConfigError, tidyRead, trainStep } from '@pixel-models/nn';
import { type BackendName, defineFlags, initBackend, parseBackendName, parseFlags, runMain } from '@pixel-models/lab';
import {
  DEFAULT_GATED_CONFIG,
  GATED_PRESETS,
  type GatedPresetName,
  RENAMED_GATED_PRESETS,
} from '@pixel-models/gated-pixelcnn';
import { gatedStepFlops } from './flops';
import { MODELS } from './models/registry';
import { median, timeOnce } from './timing';

const flags = defineFlags({
  preset: {
    type: 'enum',
    choices: Object.keys(GATED_PRESETS),
    default: 'default',
    renamed: RENAMED_GATED_PRESETS,
    help: 'Gated PixelCNN size',
  },
  batch: { type: 'int', min: 1, default: 32, help: 'batch size' },
  size: { type: 'int', min: 4, default: 28, help: 'image side' },
  filters: {
    type: 'int',
    min: 0,
    default: 0,
    help: "feature maps per layer (default: the preset's; 64 is the GPU target shape)",
  },
  layers: { type: 'int', min: 0, default: 0, help: "gated layers (default: the preset's; 8 is the GPU target shape)" },
  levels: { type: 'int', min: 2, default: 2, help: 'quantization levels Q (256 is the GPU target shape)' },
  steps: { type: 'int', min: 1, default: 5, help: 'timed rounds (after 2 warm-up steps)' },
  backends: {
    type: 'string',
    default: 'tensorflow,webgpu,wasm,cpu',
    help: 'comma-separated backends to try; unavailable ones are reported and skipped',
  },
});

async function main(): Promise<void> {
  const f = parseFlags(flags, process.argv.slice(2), {
    usage: 'npx nx run experiments:bench-train [--flag value ...]',
  });
  const names = f.backends.split(',').map((b) => parseBackendName(b.trim()));
  if (names.includes('auto' as BackendName)) throw new ConfigError('list concrete backends, not auto');
  const preset = { ...DEFAULT_GATED_CONFIG, ...GATED_PRESETS[f.preset as GatedPresetName] };
  const config = {
    ...preset,
    channels: 1,
    levels: f.levels,
    filters: f.filters || preset.filters,
    layers: f.layers || preset.layers,
  };
  const flops = gatedStepFlops({ ...config, height: f.size, width: f.size }) * f.batch;
  console.log(
    `Gated PixelCNN ${f.preset} ${JSON.stringify(config)}, batch ${f.batch}, ${f.size}x${f.size}: ${(flops / 1e9).toFixed(2)} GFLOP per training step`,
  );
  console.log(`medians of ${f.steps} interleaved rounds (fastest of 5 matmuls, 1 training step, 1 forward pass each)`);
  console.log(
    'backend | device | matmul 512 GFLOP/s | train ms/step | images/s | effective GFLOP/s | effective / matmul | forward ms',
  );
  for (const name of names) {
    let info;
    try {
      info = await initBackend(name);
    } catch (e) {
      console.log(`${name} | not available: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    const a = tf.randomNormal([512, 512]);
    const b = tf.randomNormal([512, 512]);
    const matmul = () => tidyRead(() => tf.matMul(a, b));
    const model = MODELS['gated-pixelcnn'].create(config, 1);
    const adam = new Adam(model.trainableVariables, { learningRate: 1e-3 });
    const x = tf.tensor4d(
      Int32Array.from({ length: f.batch * f.size * f.size }, (_, i) => ((i * 7919) % 5 === 0 ? 1 : 0)),
      [f.batch, f.size, f.size, 1],
      'int32',
    );
    const step = () => trainStep(model, adam, x);
    const forward = () => tidyRead(() => model.logits(x));
    for (const warm of [matmul, step, step, forward]) await warm();
    // Interleaved rounds: this VM's speed drifts between and within processes (2x seen), so each round's
    // step is compared with matmuls timed right beside it and the medians are reported.
    const rounds: { mmMs: number; stepMs: number; fwdMs: number; ratio: number }[] = [];
    for (let round = 0; round < f.steps; round++) {
      // The fastest of 5 matmuls: the first after a step runs cold, and a high peak keeps the ratio conservative.
      const mm: number[] = [];
      for (let k = 0; k < 5; k++) mm.push(await timeOnce(matmul));
      const mmMs = Math.min(...mm);
      const stepMs = await timeOnce(step);
      rounds.push({ mmMs, stepMs, fwdMs: await timeOnce(forward), ratio: flops / stepMs / ((2 * 512 ** 3) / mmMs) });
    }
    const stepMs = median(rounds.map((r) => r.stepMs));
    const mmGflops = (2 * 512 ** 3) / median(rounds.map((r) => r.mmMs)) / 1e6;
    console.log(
      `${info.name} | ${info.device} | ${mmGflops.toFixed(1)} | ${stepMs.toFixed(0)} | ${((f.batch * 1000) / stepMs).toFixed(1)} | ${(flops / stepMs / 1e6).toFixed(2)} | ${median(rounds.map((r) => r.ratio)).toFixed(2)} | ${median(rounds.map((r) => r.fwdMs)).toFixed(0)}`,
    );
    a.dispose();
    b.dispose();
    x.dispose();
    adam.dispose();
    model.dispose();
  }
}

runMain(main);

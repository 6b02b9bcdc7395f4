/**
 * Training throughput per available backend: images/s and effective GFLOP/s of a Gated PixelCNN step
 * (forward + backward + Adam), beside the backend's raw matmul GFLOP/s.
 *   npx nx run experiments:bench-train [--preset default] [--batch 32] [--steps 5] [--backends wasm,cpu]
 */
import * as tf from '@tensorflow/tfjs';
import { Adam, type BackendName, ConfigError, defineFlags, initBackend, meanNll, parseBackendName, parseFlags, runMain } from '@pixel-models/core';
import { DEFAULT_GATED_CONFIG, GATED_PRESETS, GatedPixelCnn, type GatedPresetName } from '@pixel-models/gated-pixelcnn';
import { gatedStepFlops } from './flops';

const flags = defineFlags({
  preset: { type: 'enum', choices: Object.keys(GATED_PRESETS), default: 'default', help: 'Gated PixelCNN size' },
  batch: { type: 'int', min: 1, default: 32, help: 'batch size' },
  size: { type: 'int', min: 4, default: 28, help: 'image side' },
  steps: { type: 'int', min: 1, default: 5, help: 'timed steps (after 2 warm-up steps)' },
  backends: { type: 'string', default: 'tensorflow,webgpu,wasm,cpu', help: 'comma-separated backends to try; unavailable ones are reported and skipped' },
});

function time(steps: number, f: () => void): number {
  f();
  f();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) f();
  return (performance.now() - t0) / steps;
}

async function main(): Promise<void> {
  const f = parseFlags(flags, process.argv.slice(2), { usage: 'npx nx run experiments:bench-train [--flag value ...]' });
  const names = f.backends.split(',').map((b) => parseBackendName(b.trim()));
  if (names.includes('auto' as BackendName)) throw new ConfigError('list concrete backends, not auto');
  const config = { ...DEFAULT_GATED_CONFIG, ...GATED_PRESETS[f.preset as GatedPresetName], channels: 1, levels: 2 };
  const flops = gatedStepFlops({ ...config, height: f.size, width: f.size }) * f.batch;
  console.log(`Gated PixelCNN ${f.preset} ${JSON.stringify(config)}, batch ${f.batch}, ${f.size}x${f.size}: ${(flops / 1e9).toFixed(2)} GFLOP per training step`);
  console.log('backend | device | matmul 512 GFLOP/s | train ms/step | images/s | effective GFLOP/s | forward ms');
  for (const name of names) {
    let info;
    try {
      info = await initBackend(name);
    } catch (e) {
      console.log(`${name} | not available: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    const a = tf.randomNormal([512, 512]);
    const mm = time(3, () => tf.tidy(() => tf.matMul(a, a).dataSync()));
    a.dispose();
    const model = new GatedPixelCnn(config, 1);
    const adam = new Adam(model.trainableVariables, { learningRate: 1e-3 });
    const x = tf.tensor4d(Int32Array.from({ length: f.batch * f.size * f.size }, (_, i) => (i * 7919) % 5 === 0 ? 1 : 0), [f.batch, f.size, f.size, 1], 'int32');
    const vars = model.trainableVariables;
    const step = time(f.steps, () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => meanNll(model.logits(x), x), vars);
        adam.apply(vars.map((v) => grads[v.name]));
        value.dataSync();
      }),
    );
    const fwd = time(f.steps, () => tf.tidy(() => model.logits(x).dataSync()));
    console.log(
      `${info.name} | ${info.device} | ${((2 * 512 ** 3) / mm / 1e6).toFixed(1)} | ${step.toFixed(0)} | ${((f.batch * 1000) / step).toFixed(1)} | ${(flops / step / 1e6).toFixed(2)} | ${fwd.toFixed(0)}`,
    );
    x.dispose();
    adam.dispose();
    model.dispose();
  }
}

runMain(main);

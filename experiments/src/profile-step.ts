/**
 * Where a training step's time goes: one step of a model under tf.profile, kernel time summed by kernel and by
 * (kernel, input shapes). For finding what to fix; the step's wall time without profiling is printed beside it.
 *   npx nx run experiments:profile-step -- --model gated --preset gpu --batch 16 [--backend wasm] [--top 20] [--steps 5]
 */
import * as tf from '@tensorflow/tfjs';
import { Adam, countKernels, trainStep } from '@pixel-models/nn';
import { defineFlags, initBackend, parseBackendName, parseFlags, runMain } from '@pixel-models/lab';
import { meanMs } from './timing';
import { SPEED_MODELS, SPEED_PRESETS, type SpeedModel, speedModel } from './speed';

export interface KernelTotal {
  key: string;
  calls: number;
  ms: number;
}

/**
 * Sums kernel times by `keyOf`, largest first. Kernels without a time (backends without timer queries report an
 * error object) are counted as calls with no time. Custom-gradient scopes ("unnamed scope") contain kernels that
 * are listed on their own too, so they are left out rather than counted twice.
 */
export function totalKernels(
  kernels: { name: string; inputShapes: number[][]; ms: number | undefined }[],
  keyOf: (k: { name: string; inputShapes: number[][] }) => string,
): KernelTotal[] {
  const totals = new Map<string, KernelTotal>();
  for (const k of kernels) {
    if (k.name.startsWith('unnamed')) continue;
    const key = keyOf(k);
    const t = totals.get(key) ?? { key, calls: 0, ms: 0 };
    t.calls++;
    t.ms += k.ms ?? 0;
    totals.set(key, t);
  }
  return [...totals.values()].sort((a, b) => b.ms - a.ms || b.calls - a.calls);
}

const flags = defineFlags({
  model: { type: 'enum', choices: [...SPEED_MODELS], default: 'gated', help: 'model to profile' },
  preset: {
    type: 'enum',
    choices: Object.keys(SPEED_PRESETS),
    default: 'gpu',
    help: 'experiments:speed preset giving the model size (gpu: 64 channels, 8 layers, Q = 256)',
  },
  backend: { type: 'string', default: 'auto', help: 'backend (auto, tensorflow, webgpu, wasm, cpu)' },
  batch: { type: 'int', min: 1, default: 0, help: "batch size (default: the preset's)" },
  size: { type: 'int', min: 4, default: 28, help: 'image side' },
  top: { type: 'int', min: 1, default: 20, help: 'rows of the per-shape table' },
  steps: { type: 'int', min: 1, default: 1, help: 'unprofiled steps to average the wall time over' },
  'kernel-threads': { type: 'int', min: 1, default: 1, help: 'wasm: XNNPACK threads per convolution / product' },
});

async function main(): Promise<void> {
  const f = parseFlags(flags, process.argv.slice(2), {
    usage: 'npx nx run experiments:profile-step -- [--flag value ...]',
  });
  const info = await initBackend(parseBackendName(f.backend), { kernelThreads: f['kernel-threads'] });
  const preset = SPEED_PRESETS[f.preset as keyof typeof SPEED_PRESETS];
  const batch = f.batch || preset.batch;
  const model = speedModel(f.model as SpeedModel, preset, 1);
  const adam = new Adam(model.trainableVariables, { learningRate: 1e-3 });
  const x = tf.tidy(
    () =>
      tf.cast(
        tf.mul(tf.randomUniform([batch, f.size, f.size, 1], 0, 1, 'float32', 1), preset.levels - 1e-3),
        'int32',
      ) as tf.Tensor4D,
  );
  const step = () => trainStep(model, adam, x);
  await step();
  // This process's CPU time beside the wall time: on a machine shared with other jobs, the wall time also counts
  // the waits for a core (wasm in Node runs one thread, so CPU time ~ the step's own work).
  const cpu0 = process.cpuUsage();
  const wallMs = await meanMs(f.steps, step); // after a second warm-up step
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / (f.steps + 1);
  const dispatched = await countKernels(step);
  const profile = await tf.profile(step);
  const kernels = await Promise.all(
    profile.kernels.map(async (k) => {
      const ms = await k.kernelTimeMs;
      return { name: k.name, inputShapes: k.inputShapes, ms: typeof ms === 'number' ? ms : undefined };
    }),
  );
  const timed = kernels.some((k) => k.ms !== undefined);
  console.log(`${f.model} (${f.preset} preset), batch ${batch}, ${f.size}x${f.size}, ${info.name} on ${info.device}`);
  console.log(
    `step: ${wallMs.toFixed(1)} ms unprofiled (mean of ${f.steps}), ${cpuMs.toFixed(1)} ms CPU; ${dispatched.kernels} kernels launched (${info.name === 'webgpu' ? 'GPU dispatches' : 'reshapes and shared-buffer identities not counted'})`,
  );
  console.log(
    `launched: ${[...dispatched.byName.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  console.log(
    `tf.profile lists ${kernels.length} kernels${timed ? '' : ' (this backend reports no kernel times: counts only)'}`,
  );
  const byName = totalKernels(kernels, (k) => k.name);
  const sum = byName.reduce((s, t) => s + t.ms, 0);
  console.log('\nkernel | calls | ms | share');
  for (const t of byName)
    console.log(`${t.key} | ${t.calls} | ${t.ms.toFixed(1)} | ${sum > 0 ? ((100 * t.ms) / sum).toFixed(1) : '-'}%`);
  console.log(`\ntop ${f.top} kernel x input shapes | calls | ms`);
  for (const t of totalKernels(kernels, (k) => `${k.name} ${JSON.stringify(k.inputShapes)}`).slice(0, f.top))
    console.log(`${t.key} | ${t.calls} | ${t.ms.toFixed(1)}`);
  x.dispose();
  adam.dispose();
  model.dispose();
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(main);

/**
 * PixelCNN, Row LSTM and Diagonal BiLSTM on the webgpu backend against the cpu backend: loss and gradients of one
 * batch, one Adam training step, the autoregressive property, and cached versus naive sampling.
 *
 * Without a WebGPU adapter these tests are skipped with the printed reason (under CI that fails instead). On a
 * machine without a GPU they run on SwiftShader (shared/webgpu-on-cpu.md; vitest.shared.ts sets VK_ICD_FILENAMES
 * when its ICD file exists), by hand:
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx vitest run src/webgpu.test.ts
 * SwiftShader compiles a shader for every new shape, so the models and images are tiny.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  compareFloats,
  compareGradients,
  expectAllOk,
  expectAutoregressive,
  findAutoregressiveViolations,
  type GradientResult,
  gradientsOn,
  levelsInput,
  nudge,
  samplingParity,
  takeWebgpuErrors,
  trainStepOn,
  verbose,
  webgpuOrSkip,
} from '@pixel-models/core/testing';
import { pixelRnnIncremental } from './incremental-sampler';
import { PixelCnn } from './pixelcnn';
import { type PixelRnnKind, createPixelRnnModel } from './presets';

const gpu = await webgpuOrSkip();

/**
 * Tolerances, webgpu vs cpu (both float32): the loss to 1e-5 relative; each variable's gradient entrywise to
 * 1e-4 of that variable's max |grad| (small entries are sums that cancel, so a relative bound per entry would
 * measure noise); weights after one Adam step to 1e-6 absolute (the step moves them by ~lr = 1e-2).
 */
const TOL = { loss: { rtol: 1e-5 }, grads: { rtol: 1e-4, relativeTo: 'max' as const } };
const WEIGHT_TOL = { rtol: 0, atol: 1e-6 };
/** Adam with a large epsilon: the first step is lr·g/(|g| + 0.03) rather than lr·sign(g), so gradient noise near 0 cannot flip a step. */
const ADAM = { learningRate: 1e-2, epsilon: 1e-3, clipNorm: 1 };
/**
 * Sampling: 2 images at T = 1.5 (as in incremental.test.ts), 3x3 with 1 channel and 2x2 with 3: every draw is
 * a forward pass and a read-back, and SwiftShader makes each cost 0.1-0.5 s. The cpu tests cover larger sizes.
 */
const sampleSettings = (channels: number) => ({ count: 2, height: channels === 1 ? 3 : 2, width: channels === 1 ? 3 : 2, seed: 7, temperature: 1.5 });

const SEED = 5;
type Config = Record<string, number | boolean>;
const cases: [PixelRnnKind, string, Config][] = [];
for (const kind of ['pixelcnn', 'row-lstm', 'diagonal-bilstm'] as const) {
  cases.push([kind, '1 channel, Q=2', { channels: 1, levels: 2, layers: 1, hidden: 2, firstKernel: 3 }]);
  cases.push([kind, '3 channels, Q=4', { channels: 3, levels: 4, layers: 1, hidden: 3, firstKernel: 3 }]);
}
const build = (kind: PixelRnnKind, config: Config) => () => createPixelRnnModel(kind, config, SEED);
/** Batches of 2 non-square 3x4 images (the autoregressive check uses 3x4 too). */
const batch = (config: Config) => levelsInput([2, 3, 4, config.channels as number], config.levels as number, 3);
const sampledAcrossBackends: boolean[] = [];

if (!gpu.available) it.skip(`webgpu tests skipped: ${gpu.reason}`, () => {});

describe.skipIf(!gpu.available)(`PixelRNN-paper models on webgpu (${gpu.device})`, () => {
  // WebGPU validation errors throw nothing (the dispatch is dropped): fail the test that caused one.
  afterEach(async () => {
    expect(await takeWebgpuErrors()).toEqual([]);
  });

  const cpuGrads = new Map<string, GradientResult>();

  describe.each(cases)('%s, %s', (kind, name, config) => {
    it('one batch: the same loss and gradients as on cpu', async () => {
      const x = batch(config);
      const cpu = await gradientsOn('cpu', { build: build(kind, config) }, x);
      cpuGrads.set(`${kind} ${name}`, cpu);
      const webgpu = await gradientsOn('webgpu', { build: build(kind, config) }, x);
      expect(webgpu.grads.length).toBe(cpu.grads.length);
      expectAllOk(compareGradients(webgpu, cpu, TOL));
      expect(cpu.grads.every((g) => g.some((v) => v !== 0))).toBe(true); // every variable is trained (not vacuous)
    });

    // The Adam update does not depend on the model beyond its variables' shapes: one config per family.
    if (config.channels === 1) {
      it('one trainStep with core Adam (clipNorm 1): identical initial weights, the same loss and updated weights', async () => {
        const x = batch(config);
        const cpu = await trainStepOn('cpu', { build: build(kind, config) }, x, ADAM);
        const webgpu = await trainStepOn('webgpu', { build: build(kind, config) }, x, ADAM);
        expect(webgpu.initial).toEqual(cpu.initial); // seeded initialisation: bit-identical on every backend
        expectAllOk([compareFloats([webgpu.loss], [cpu.loss], TOL.loss, 'loss')]);
        expectAllOk(cpu.updated.map((w, i) => compareFloats(webgpu.updated[i], w, WEIGHT_TOL, `variable ${i} after one step`)));
        expect(cpu.updated.some((w, i) => w.some((v, j) => v !== cpu.initial[i][j]))).toBe(true); // the step moved the weights
      });
    }

    it('is autoregressive on webgpu', async () => {
      const model = build(kind, config)();
      try {
        await expectAutoregressive(model, { height: 3, width: 4, trials: 1 });
      } finally {
        model.dispose();
      }
    });

    it('cached sampling draws what naive sampling draws on webgpu, and what cpu draws', async () => {
      const p = await samplingParity({ build: build(kind, config), incremental: pixelRnnIncremental }, sampleSettings(config.channels as number));
      expect(p.webgpuCached).toEqual(p.webgpuNaive);
      expect(new Set(p.webgpuNaive).size).toBeGreaterThan(1); // not a constant image
      if (p.comparable) expect(p.webgpuNaive).toEqual(p.cpuNaive);
      else console.warn(`${kind} ${name}: a draw is within ${p.margin.toExponential(1)} of flipping (logits differ by ${p.logitDiff.toExponential(1)}): cpu samples not compared`);
      verbose(`sampling: margin ${p.margin.toExponential(2)}, logit diff ${p.logitDiff.toExponential(2)}, compared with cpu: ${p.comparable}`);
      sampledAcrossBackends.push(p.comparable);
    });
  });

  it('the cross-backend sample comparison ran for at least half the configs', () => {
    expect(sampledAcrossBackends.filter(Boolean).length).toBeGreaterThanOrEqual(cases.length / 2);
  });

  it('negative control: a perturbed weight on webgpu makes the gradient comparison fail', async () => {
    const [kind, name, config] = cases[2]; // row-lstm, 1 channel
    const cpu = cpuGrads.get(`${kind} ${name}`) ?? (await gradientsOn('cpu', { build: build(kind, config) }, batch(config)));
    const webgpu = await gradientsOn('webgpu', { build: build(kind, config) }, batch(config), (m) => nudge(m.trainableVariables[1], 0, 0.05));
    const failed = compareGradients(webgpu, cpu, TOL).filter((c) => !c.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.map((c) => c.message).join('\n')).toMatch(/grad of variable \d+ .*differ.*worst at \[\d+\]/);
  });

  it.each([1, 3])('negative control: PixelCNN with first mask B (the ablation) is flagged as a leak on webgpu, %i channel(s)', async (channels) => {
    const model = new PixelCnn({ channels, levels: 2, layers: 1, hidden: 3, firstKernel: 3, firstMask: 'B' }, SEED);
    try {
      const violations = await findAutoregressiveViolations(model, { height: 3, width: 4, trials: 1 });
      expect(violations.length).toBeGreaterThan(0);
      expect(violations[0].input).toEqual(violations[0].output); // the pixel reads itself
    } finally {
      model.dispose();
    }
  });
});

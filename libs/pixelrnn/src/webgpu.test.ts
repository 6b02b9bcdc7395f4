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
import { expectAutoregressive, findAutoregressiveViolations } from '@pixel-models/nn/testing';
import {
  compareFloats,
  compareGradients,
  expectAllOk,
  type GradientResult,
  gradientsOn,
  levelsInput,
  nudge,
  expectSamplingParity,
  PARITY_ADAM,
  PARITY_TOLERANCE,
  PARITY_WEIGHT_TOLERANCE,
  samplingParity,
  takeWebgpuErrors,
  trainStepOn,
  webgpuOrSkip,
} from '@pixel-models/lab/testing';
import { DiagonalBiLstm } from './diagonal-bilstm';
import { PixelCnn } from './pixelcnn';
import type { PixelRnnKind } from './presets';
import { RowLstm } from './row-lstm';

const gpu = await webgpuOrSkip();

const ADAM = { ...PARITY_ADAM, clipNorm: 1 };
/**
 * Sampling: 2 images at T = 1.5 (as in incremental.test.ts), 3x3 with 1 channel and 2x2 with 3: every draw is
 * a forward pass and a read-back, and SwiftShader makes each cost 0.1-0.5 s. The cpu tests cover larger sizes.
 */
const sampleSettings = (channels: number) => ({
  count: 2,
  height: channels === 1 ? 3 : 2,
  width: channels === 1 ? 3 : 2,
  seed: 7,
  temperature: 1.5,
});

const SEED = 5;
type Config = Record<string, number | boolean>;
const cases: [PixelRnnKind, string, Config][] = [];
for (const kind of ['pixelcnn', 'row-lstm', 'diagonal-bilstm'] as const) {
  cases.push([kind, '1 channel, Q=2', { channels: 1, levels: 2, layers: 1, hidden: 2, firstKernel: 3 }]);
  cases.push([kind, '3 channels, Q=4', { channels: 3, levels: 4, layers: 1, hidden: 3, firstKernel: 3 }]);
}
const build = (kind: PixelRnnKind, config: Config) => () =>
  kind === 'pixelcnn'
    ? new PixelCnn(config, SEED)
    : kind === 'row-lstm'
      ? new RowLstm(config, SEED)
      : new DiagonalBiLstm(config, SEED);
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
      expectAllOk(compareGradients(webgpu, cpu, PARITY_TOLERANCE));
      expect(cpu.grads.every((g) => g.some((v) => v !== 0))).toBe(true); // every variable is trained (not vacuous)
    });

    // The Adam update does not depend on the model beyond its variables' shapes: one config per family.
    if (config.channels === 1) {
      it('one trainStep with the nn Adam (clipNorm 1): identical initial weights, the same loss and updated weights', async () => {
        const x = batch(config);
        const cpu = await trainStepOn('cpu', { build: build(kind, config) }, x, ADAM);
        const webgpu = await trainStepOn('webgpu', { build: build(kind, config) }, x, ADAM);
        expect(webgpu.initial).toEqual(cpu.initial); // seeded initialisation: bit-identical on every backend
        expectAllOk([compareFloats([webgpu.loss], [cpu.loss], PARITY_TOLERANCE.loss, 'loss')]);
        expectAllOk(
          cpu.updated.map((w, i) =>
            compareFloats(webgpu.updated[i], w, PARITY_WEIGHT_TOLERANCE, `variable ${i} after one step`),
          ),
        );
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
      const p = await samplingParity({ build: build(kind, config) }, sampleSettings(config.channels as number));
      sampledAcrossBackends.push(expectSamplingParity(name, p));
    });
  });

  it('the cross-backend sample comparison ran for at least half the configs', () => {
    expect(sampledAcrossBackends.filter(Boolean).length).toBeGreaterThanOrEqual(cases.length / 2);
  });

  it('negative control: a perturbed weight on webgpu makes the gradient comparison fail', async () => {
    const [kind, name, config] = cases[2]; // row-lstm, 1 channel
    const cpu =
      cpuGrads.get(`${kind} ${name}`) ?? (await gradientsOn('cpu', { build: build(kind, config) }, batch(config)));
    const webgpu = await gradientsOn('webgpu', { build: build(kind, config) }, batch(config), (m) =>
      nudge(m.trainableVariables[1], 0, 0.05),
    );
    const failed = compareGradients(webgpu, cpu, PARITY_TOLERANCE).filter((c) => !c.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.map((c) => c.message).join('\n')).toMatch(/grad of variable \d+ .*differ.*worst at \[\d+\]/);
  });

  it.each([1, 3])(
    'negative control: PixelCNN with first mask B (the ablation) is flagged as a leak on webgpu, %i channel(s)',
    async (channels) => {
      const model = new PixelCnn({ channels, levels: 2, layers: 1, hidden: 3, firstKernel: 3, firstMask: 'B' }, SEED);
      try {
        const violations = await findAutoregressiveViolations(model, { height: 3, width: 4, trials: 1 });
        expect(violations.length).toBeGreaterThan(0);
        expect(violations[0].input).toEqual(violations[0].output); // the pixel reads itself
      } finally {
        model.dispose();
      }
    },
  );
});

/**
 * Gated PixelCNN on the webgpu backend against the cpu backend: loss and gradients of one batch, one Adam
 * training step, the autoregressive property, and cached versus naive sampling.
 *
 * Without a WebGPU adapter these tests are skipped with the printed reason (under CI that fails instead). On a
 * machine without a GPU they run on SwiftShader (shared/webgpu-on-cpu.md; vitest.shared.ts sets VK_ICD_FILENAMES
 * when its ICD file exists), by hand:
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx vitest run src/webgpu.test.ts
 * SwiftShader compiles a shader for every new shape, so the models and images are tiny.
 */
import * as tf from '@tensorflow/tfjs';
import { clearWebgpuErrors } from '@pixel-models/nn';
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
  webgpuDevice,
  webgpuOrSkip,
} from '@pixel-models/lab/testing';
import { GatedPixelCnn, type GatedPixelCnnConfig } from './gated-pixelcnn';

const gpu = await webgpuOrSkip();

const ADAM = PARITY_ADAM;
const ADAM_CLIP = { ...ADAM, clipNorm: 1 };

const SEED = 5;
const configs: [string, Partial<GatedPixelCnnConfig>][] = [
  [
    '1 channel, Q=2, skip',
    { channels: 1, levels: 2, layers: 2, filters: 4, headFilters: 4, firstKernel: 3, skip: true },
  ],
  ['3 channels, Q=4', { channels: 3, levels: 4, layers: 2, filters: 6, headFilters: 6, firstKernel: 3 }],
  [
    'masked stacks, 1 channel, Q=4',
    { channels: 1, levels: 4, layers: 2, filters: 4, headFilters: 4, firstKernel: 3, stacks: 'masked' },
  ],
];
const build = (config: Partial<GatedPixelCnnConfig>) => () => new GatedPixelCnn(config, SEED);
const H = 5;
const W = 5;
/** Sampling: 2 images of 4x3 (non-square), T = 1.5 as in incremental.test.ts. */
const SAMPLE = { count: 2, height: 4, width: 3, seed: 11, temperature: 1.5 };
const sampledAcrossBackends: boolean[] = [];
const batch = (config: Partial<GatedPixelCnnConfig>) =>
  levelsInput([2, H, W, config.channels ?? 1], config.levels ?? 2, 3);

if (!gpu.available) it.skip(`webgpu tests skipped: ${gpu.reason}`, () => {});

describe.skipIf(!gpu.available)(`Gated PixelCNN on webgpu (${gpu.device})`, () => {
  // WebGPU validation errors throw nothing (the dispatch is dropped): fail the test that caused one.
  afterEach(async () => {
    expect(await takeWebgpuErrors()).toEqual([]);
  });

  const cpuGrads = new Map<string, GradientResult>();

  describe.each(configs)('%s', (name, config) => {
    it('one batch: the same loss and gradients as on cpu', async () => {
      const x = batch(config);
      const cpu = await gradientsOn('cpu', { build: build(config) }, x);
      cpuGrads.set(name, cpu);
      const webgpu = await gradientsOn('webgpu', { build: build(config) }, x);
      expect(webgpu.grads.length).toBe(cpu.grads.length);
      expectAllOk(compareGradients(webgpu, cpu, PARITY_TOLERANCE));
      expect(cpu.grads.every((g) => g.some((v) => v !== 0))).toBe(true); // every variable is trained (not vacuous)
    });

    it('one trainStep with the nn Adam: identical initial weights, the same loss and updated weights', async () => {
      const x = batch(config);
      const cpu = await trainStepOn('cpu', { build: build(config) }, x, ADAM);
      const webgpu = await trainStepOn('webgpu', { build: build(config) }, x, ADAM);
      expect(webgpu.initial).toEqual(cpu.initial); // seeded initialisation: bit-identical on every backend
      expectAllOk([compareFloats([webgpu.loss], [cpu.loss], PARITY_TOLERANCE.loss, 'loss')]);
      expectAllOk(
        cpu.updated.map((w, i) =>
          compareFloats(webgpu.updated[i], w, PARITY_WEIGHT_TOLERANCE, `variable ${i} after one step`),
        ),
      );
      expect(cpu.updated.some((w, i) => w.some((v, j) => v !== cpu.initial[i][j]))).toBe(true); // the step moved the weights
    });

    it('is autoregressive on webgpu', async () => {
      const model = build(config)();
      try {
        await expectAutoregressive(model, { height: 4, width: 5, trials: 1 });
      } finally {
        model.dispose();
      }
    });

    it('cached sampling draws what naive sampling draws on webgpu, and what cpu draws', async () => {
      const p = await samplingParity({ build: build(config) }, SAMPLE);
      sampledAcrossBackends.push(expectSamplingParity(name, p));
    });
  });

  it('the cross-backend sample comparison ran for at least one config', () => {
    expect(sampledAcrossBackends.filter(Boolean).length).toBeGreaterThan(0);
  });

  /**
   * Clipping by global norm on webgpu. Regression test for a bug this file found in nn's Adam before its fused
   * webgpu path: the norm was summed with tf.addN over every gradient, and tfjs-backend-webgpu's AddN binds each
   * input as a storage buffer; with more than 7 variables the pipeline exceeded maxStorageBuffersPerShaderStage
   * (8, the WebGPU default). Dawn printed "The number of storage buffers (13) in the Compute stage exceeds the
   * maximum per-stage limit (8)", no exception was thrown, and the weights came out wrong (by up to 6).
   */
  it('one trainStep with the nn Adam and clipNorm matches cpu (22 variables: more than AddN can bind)', async () => {
    const config = configs[0][1];
    const x = batch(config);
    const cpu = await trainStepOn('cpu', { build: build(config) }, x, ADAM_CLIP);
    const webgpu = await trainStepOn('webgpu', { build: build(config) }, x, ADAM_CLIP);
    expect(cpu.updated.length).toBeGreaterThan(7);
    expectAllOk([compareFloats([webgpu.loss], [cpu.loss], PARITY_TOLERANCE.loss, 'loss')]);
    expectAllOk(
      cpu.updated.map((w, i) =>
        compareFloats(webgpu.updated[i], w, PARITY_WEIGHT_TOLERANCE, `variable ${i} after one clipped step`),
      ),
    );
  });

  it('negative control: a perturbed weight on webgpu makes the gradient comparison fail', async () => {
    const [name, config] = configs[0];
    const cpu = cpuGrads.get(name) ?? (await gradientsOn('cpu', { build: build(config) }, batch(config)));
    const webgpu = await gradientsOn('webgpu', { build: build(config) }, batch(config), (m) =>
      nudge(m.trainableVariables[0], 0, 0.05),
    );
    const failed = compareGradients(webgpu, cpu, PARITY_TOLERANCE).filter((c) => !c.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.map((c) => c.message).join('\n')).toMatch(/grad of variable \d+ .*differ.*worst at \[\d+\]/);
  });

  it('negative control: opening the first horizontal mask is caught on webgpu', async () => {
    // Both forms of the mask: the packed one (the webgpu path) and the f/g halves (the cpu path).
    const model = new GatedPixelCnn(configs[0][1], SEED);
    const layer = (
      model as unknown as {
        layers: { horizontal: { mask: tf.Tensor4D }; horizontalMaskHalves: { f: tf.Tensor4D; g: tf.Tensor4D } }[];
      }
    ).layers[0];
    const opened = [
      tf.onesLike(layer.horizontal.mask),
      tf.onesLike(layer.horizontalMaskHalves.f),
      tf.onesLike(layer.horizontalMaskHalves.g),
    ];
    layer.horizontal.mask = opened[0];
    layer.horizontalMaskHalves = { f: opened[1], g: opened[2] };
    try {
      const violations = await findAutoregressiveViolations(model, { height: 4, width: 5, trials: 1 });
      expect(violations.length).toBeGreaterThan(0);
      expect(violations[0].input).toEqual(violations[0].output); // the pixel reads itself
    } finally {
      model.dispose();
      tf.dispose(opened);
    }
  });

  it('negative control: a WebGPU validation error is recorded, not lost (tf.addN over more inputs than storage buffers)', async () => {
    // tfjs-backend-webgpu's AddN binds every input as a storage buffer: past the device's limit the pipeline is
    // invalid, nothing throws, and the sum reads back as zeros (how the Adam clipNorm bug showed up).
    // Last in this file: nn also records the error (every later tidyRead would throw) until it is cleared.
    const n = webgpuDevice().limits.maxStorageBuffersPerShaderStage + 4;
    const xs = Array.from({ length: n }, (_, i) => tf.fill([100], i + 1));
    const sum = tf.addN(xs);
    try {
      const value = (await sum.data())[0];
      const errors = await takeWebgpuErrors();
      expect(errors.join('\n')).toMatch(/storage buffers/);
      expect(value).not.toBe((n * (n + 1)) / 2);
    } finally {
      tf.dispose([...xs, sum]);
      clearWebgpuErrors();
    }
  });
});

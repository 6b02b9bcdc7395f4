/**
 * Conditional Gated PixelCNNs on the webgpu backend against the cpu backend: the class-conditional model
 * (V^T h in every gate, 1 and 3 channels), the PixelCNN auto-encoder (an MLP encoder's code conditions the
 * decoder; trained end to end) and, for gradients only, the spatially conditioned model (s = m(h)). For each:
 * loss and gradients of one batch, one Adam training step, the autoregressive property (given the condition),
 * and cached versus naive sampling.
 *
 * Without a WebGPU adapter these tests are skipped with the printed reason (under CI that fails instead). On a
 * machine without a GPU they run on SwiftShader (shared/webgpu-on-cpu.md; vitest.shared.ts sets VK_ICD_FILENAMES
 * when its ICD file exists), by hand:
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx vitest run src/webgpu.test.ts
 * SwiftShader compiles a shader for every new shape, so the models and images are tiny.
 */
import * as tf from '@tensorflow/tfjs';
import { type AutoregressiveModel, tidyRead } from '@pixel-models/nn';
import { initBackend } from '@pixel-models/lab';
import { DEFAULT_GATED_CONFIG, GatedPixelCnn, type GatedPixelCnnConfig } from '@pixel-models/gated-pixelcnn';
import { afterEach, describe, expect, it } from 'vitest';
import { expectAutoregressive } from '@pixel-models/nn/testing';
import {
  compareFloats,
  compareGradients,
  expectAllOk,
  type GradientResult,
  gradientsOn,
  levelsInput,
  nudge,
  type ParityCase,
  type SamplingCase,
  expectSamplingParity,
  PARITY_ADAM,
  PARITY_TOLERANCE,
  PARITY_WEIGHT_TOLERANCE,
  samplingParity,
  takeWebgpuErrors,
  trainStepOn,
  webgpuOrSkip,
} from '@pixel-models/lab/testing';
import { PixelCnnAutoencoder } from './autoencoder';
import { oneHotLabels } from './labels';
import { SpatialConditioner } from './spatial-conditioner';
import { VectorConditioner } from './vector-conditioner';

const gpu = await webgpuOrSkip();

/** Registers the wasm backend (once) and switches back to webgpu: `onBackend('wasm', ...)` can then use it. */
let wasmReady: Promise<void> | undefined;
const useWasm = () =>
  (wasmReady ??= (async () => {
    await initBackend('wasm');
    await tf.setBackend('webgpu');
  })());

const ADAM = { ...PARITY_ADAM, clipNorm: 1 };

const SEED = 4;
const H = 4;
const W = 3;
const CLASSES = 10;
const base: Partial<GatedPixelCnnConfig> = { filters: 6, headFilters: 6, firstKernel: 3, layers: 2 };
/** Labels for a batch of n images (distinct, so the condition matters per image). */
const labels = (n: number) =>
  oneHotLabels(
    Array.from({ length: n }, (_, i) => (3 + 4 * i) % CLASSES),
    CLASSES,
  );

type Model = AutoregressiveModel & { decoder?: GatedPixelCnn; encode?: (x: tf.Tensor4D) => tf.Tensor2D };

interface Family {
  channels: number;
  levels: number;
  build: () => Model;
  /** Condition for training batches (the auto-encoder's is its own code, computed on the tape). */
  condition: (model: Model, x: tf.Tensor4D) => tf.Tensor;
  /** Condition for n generated images (a class or a fixed code); with it, sampling is checked (cached and naive). */
  sampleCondition?: (n: number) => tf.Tensor;
  trainStep: boolean;
  /** Reference backend for the gradients (default 'cpu'). */
  reference?: 'cpu' | 'wasm';
}

const classConditional = (channels: number, levels: number): Family => ({
  channels,
  levels,
  build: () =>
    new GatedPixelCnn(
      { ...base, channels, levels },
      SEED,
      new VectorConditioner({ size: CLASSES, layers: 2, filters: 6 }, SEED + 1),
    ),
  condition: (_, x) => labels(x.shape[0]),
  sampleCondition: labels,
  trainStep: channels === 1,
});

const CODE = [0.5, -1, 2];
const families: Record<string, Family> = {
  'class-conditional, 1 channel, Q=2': classConditional(1, 2),
  'class-conditional, 3 channels, Q=4': classConditional(3, 4),
  'auto-encoder, 1 channel, Q=2': {
    channels: 1,
    levels: 2,
    build: () =>
      new PixelCnnAutoencoder(
        {
          ...DEFAULT_GATED_CONFIG,
          ...base,
          channels: 1,
          levels: 2,
          height: H,
          width: W,
          code: CODE.length,
          encoderHidden: 8,
        },
        SEED,
      ),
    condition: (m, x) => (m as PixelCnnAutoencoder).encode(x), // on the tape: the encoder gets gradients
    sampleCondition: (n) => tf.tile(tf.tensor2d([CODE]), [n, 1]),
    trainStep: true,
  },
  /**
   * Against wasm, not cpu: tfjs-backend-cpu 4.22's ResizeNearestNeighborGrad offsets dy by the *input's* batch
   * stride (`dyROffset = batchOffset + ...` with batchOffset = b * imagesStrides[0]), so for batch > 1 every image
   * after the first gets the gradient of the wrong dy entries; the m(h) network upsamples with
   * resizeNearestNeighbor, so its weights' gradients on cpu are wrong (found by this file; wasm and webgpu agree).
   */
  'spatially conditioned (s = m(h)), 1 channel, Q=2 (gradients only, against wasm)': {
    channels: 1,
    reference: 'wasm',
    levels: 2,
    build: () =>
      new GatedPixelCnn(
        { ...base, levels: 2 },
        SEED,
        new SpatialConditioner({ size: CLASSES, layers: 2, filters: 6, height: H, width: W, mapFeatures: 4 }, SEED + 1),
      ),
    condition: (_, x) => labels(x.shape[0]),
    trainStep: false,
  },
};
const parity = (f: Family): ParityCase<Model> => ({ build: f.build, condition: f.condition });
const batch = (f: Family) => levelsInput([2, H, W, f.channels], f.levels, 3);
const SAMPLE = { count: 2, height: 3, width: 3, seed: 3, temperature: 1.5 };
const sampledAcrossBackends: boolean[] = [];

if (!gpu.available) it.skip(`webgpu tests skipped: ${gpu.reason}`, () => {});

describe.skipIf(!gpu.available)(`conditional Gated PixelCNNs on webgpu (${gpu.device})`, () => {
  // WebGPU validation errors throw nothing (the dispatch is dropped): fail the test that caused one.
  afterEach(async () => {
    expect(await takeWebgpuErrors()).toEqual([]);
  });

  const cpuGrads = new Map<string, GradientResult>();

  describe.each(Object.keys(families))('%s', (name) => {
    const f = families[name];

    it(`one batch: the same loss and gradients as on ${f.reference ?? 'cpu'} (conditioning and encoder weights included)`, async () => {
      const x = batch(f);
      if (f.reference === 'wasm') await useWasm();
      const cpu = await gradientsOn(f.reference ?? 'cpu', parity(f), x);
      cpuGrads.set(name, cpu);
      const webgpu = await gradientsOn('webgpu', parity(f), x);
      expect(webgpu.grads.length).toBe(cpu.grads.length);
      expectAllOk(compareGradients(webgpu, cpu, PARITY_TOLERANCE));
      expect(cpu.grads.every((g) => g.some((v) => v !== 0))).toBe(true); // every variable is trained (not vacuous)
    });

    if (f.trainStep) {
      it('one trainStep with the nn Adam (clipNorm 1): identical initial weights, the same loss and updated weights', async () => {
        const x = batch(f);
        const cpu = await trainStepOn('cpu', parity(f), x, ADAM);
        const webgpu = await trainStepOn('webgpu', parity(f), x, ADAM);
        expect(webgpu.initial).toEqual(cpu.initial); // seeded initialisation: bit-identical on every backend
        expectAllOk([compareFloats([webgpu.loss], [cpu.loss], PARITY_TOLERANCE.loss, 'loss')]);
        expectAllOk(
          cpu.updated.map((w, i) =>
            compareFloats(webgpu.updated[i], w, PARITY_WEIGHT_TOLERANCE, `variable ${i} after one step`),
          ),
        );
        expect(cpu.updated.every((w, i) => w.some((v, j) => v !== cpu.initial[i][j]))).toBe(true); // every variable moved
      });
    }

    const { sampleCondition } = f;
    if (sampleCondition) {
      it('is autoregressive on webgpu given its condition', async () => {
        const model = f.build();
        try {
          await expectAutoregressive(model, { height: H, width: W, trials: 1, condition: sampleCondition });
        } finally {
          model.dispose();
        }
      });

      it('cached sampling draws what naive sampling draws on webgpu, and what cpu draws', async () => {
        const c: SamplingCase<Model> = { build: f.build, condition: sampleCondition };
        const p = await samplingParity(c, SAMPLE);
        sampledAcrossBackends.push(expectSamplingParity(name, p));
      });
    }
  });

  it('the cross-backend sample comparison ran for at least one model', () => {
    expect(sampledAcrossBackends.filter(Boolean).length).toBeGreaterThan(0);
  });

  it('negative control: a perturbed conditioning weight on webgpu makes the gradient comparison fail', async () => {
    const name = 'class-conditional, 1 channel, Q=2';
    const f = families[name];
    const cpu = cpuGrads.get(name) ?? (await gradientsOn('cpu', parity(f), batch(f)));
    // The last variable is the conditioner's V [10 classes, 2F] of the last layer: perturb an entry of the row of
    // class 3, which the batch's first image uses (a row of an unused class changes nothing).
    const webgpu = await gradientsOn('webgpu', parity(f), batch(f), (m) =>
      nudge(m.trainableVariables[m.trainableVariables.length - 1], 3 * 12, 0.05),
    );
    const failed = compareGradients(webgpu, cpu, PARITY_TOLERANCE).filter((c) => !c.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.map((c) => c.message).join('\n')).toMatch(/grad of variable \d+ .*differ.*worst at \[\d+\]/);
  });

  it('negative control: the label reaches the logits on webgpu (a different class changes them)', async () => {
    const model = families['class-conditional, 1 channel, Q=2'].build();
    try {
      const x = tf.tensor4d(levelsInput([1, H, W, 1], 2, 3).values, [1, H, W, 1], 'int32');
      const a = await tidyRead(() => model.logits(x, oneHotLabels([3], CLASSES)));
      const b = await tidyRead(() => model.logits(x, oneHotLabels([7], CLASSES)));
      tf.dispose(x);
      expect(compareFloats(b, a, { rtol: 1e-5, atol: 1e-6 }).ok).toBe(false);
    } finally {
      model.dispose();
    }
  });
});

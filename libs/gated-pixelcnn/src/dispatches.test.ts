/**
 * The WebGPU path's budget: kernels dispatched by one Gated PixelCNN training step (forward, backward, Adam) at
 * the `gpu` speed preset's width (64 features, 8 layers, Q = 256). The count does not depend on the device, so
 * SwiftShader measures it exactly; an 8x8 image keeps the step quick there (every tensor is still far above
 * tfjs-webgpu's CPU hand-off size, so every op is dispatched as it would be at 28x28).
 */
import * as tf from '@tensorflow/tfjs';
import { Adam, countKernels, trainStep } from '@pixel-models/nn';
import { webgpuOrSkip } from '@pixel-models/lab/testing';
import { describe, expect, it } from 'vitest';
import { GatedPixelCnn } from './gated-pixelcnn';

const gpu = await webgpuOrSkip();

/** The issue's target, counted on webgpu without no-op reshapes. */
const MAX_DISPATCHES = 600;

describe.skipIf(!gpu.available)('Gated PixelCNN training step on webgpu', () => {
  it(`dispatches at most ${MAX_DISPATCHES} kernels at the gpu preset width, the fused ones among them`, async () => {
    await tf.setBackend('webgpu');
    const model = new GatedPixelCnn({ channels: 1, levels: 256, layers: 8, filters: 64, headFilters: 128 }, 1);
    const adam = new Adam(model.trainableVariables, { learningRate: 1e-3, clipNorm: 1 });
    const x = tf.tensor4d(
      Int32Array.from({ length: 64 }, (_, i) => (i * 37) % 256),
      [1, 8, 8, 1],
      'int32',
    );
    await trainStep(model, adam, x); // uploads the weights: later steps dispatch everything
    const { kernels, byName } = await countKernels(() => trainStep(model, adam, x));
    const fused = [...byName].filter(([name]) => name.startsWith('PixelModels')).reduce((n, [, c]) => n + c, 0);
    console.log(
      `gated step on webgpu: ${kernels} dispatches (${fused} fused): ${[...byName].map(([k, n]) => `${k} ${n}`).join(', ')}`,
    );
    expect(kernels).toBeLessThanOrEqual(MAX_DISPATCHES);
    // Fused: 8 layers x 2 stacks of gate forward and backward (the last layer's vertical output feeds nothing, so
    // it gets no backward), softmax cross-entropy forward and backward, Adam's moments and one per variable.
    expect(fused).toBe(8 * 2 * 2 - 1 + 2 + 1 + model.trainableVariables.length);
    x.dispose();
    adam.dispose();
    model.dispose();
  });
});

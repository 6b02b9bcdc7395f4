/**
 * A kernel WebGPU cannot run is reported as an event, not thrown, and leaves garbage behind: reads must refuse
 * to hand such values on. And the receptive-field tool, whose first version hit exactly that on webgpu (the
 * gradient of a rank-5 slice is a rank-5 pad, which tfjs-webgpu 4.22 cannot compile), now gives the same maps
 * on webgpu as on cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  verticalStackConv,
  BackendError,
  type AutoregressiveModel,
  levelsToInput,
  toLogits,
  Params,
  dependencyMap,
  tidyRead,
  clearWebgpuErrors,
} from '@pixel-models/nn';
import { onBackend, webgpuOrSkip } from '../testing/webgpu';

const gpu = await webgpuOrSkip();

/** Two stacked vertical-stack convolutions, 2 channels, Q = 3. */
function twoConvModel(): AutoregressiveModel {
  const p = new Params(5);
  const w1 = p.weight('w1', [2, 3, 2, 4], 12) as unknown as tf.Tensor4D;
  const w2 = p.weight('w2', [2, 3, 4, 6], 24) as unknown as tf.Tensor4D;
  const logitsFromInput = (x: tf.Tensor4D) =>
    tf.tidy(() => toLogits(verticalStackConv(tf.tanh(verticalStackConv(x, w1)), w2), 2, 3));
  return {
    name: 'two-convs',
    config: { channels: 2, levels: 3 },
    logitsFromInput,
    logits: (x) => logitsFromInput(levelsToInput(x, 3)),
    trainableVariables: p.variables,
    dispose: () => p.dispose(),
  };
}

describe.skipIf(!gpu.available)('WebGPU errors and dependency maps on webgpu', () => {
  it('a kernel that cannot compile makes the next read fail with a BackendError, instead of returning garbage', async () => {
    await tf.setBackend('webgpu');
    try {
      const read = tidyRead(() =>
        tf.pad(tf.ones([1, 2, 2, 1, 2]), [
          [0, 0],
          [1, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ]),
      );
      await expect(read).rejects.toThrow(BackendError);
      await expect(read).rejects.toThrow(
        /^WebGPU reported an error, so values computed on it since are garbage: .*vec5.*--backend wasm/,
      );
    } finally {
      clearWebgpuErrors();
    }
    expect(Array.from(await tidyRead(() => tf.add(tf.ones([4]), 1)))).toEqual([2, 2, 2, 2]); // and cleared, reads work
  });

  it('dependencyMap gives the same map on webgpu as on cpu', async () => {
    const mapOn = (backend: string) =>
      onBackend(backend, async () => {
        const model = twoConvModel();
        const map = await dependencyMap(model, { height: 4, width: 5, position: [2, 3, 1], seed: 3 });
        model.dispose();
        return Array.from(map);
      });
    const cpu = await mapOn('cpu');
    expect(cpu.filter((v) => v === 1).length).toBeGreaterThan(5); // a real receptive field, not an empty one
    expect(await mapOn('webgpu')).toEqual(cpu);
  });
});

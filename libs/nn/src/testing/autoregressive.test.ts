import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { colourGroups, mask, type MaskType } from '../masks';
import { conv1x1, colourMask1x1, maskedConv2d } from '../conv';
import { type AutoregressiveModel, levelsToInput, toLogits } from '../model';
import { Params } from '../params';
import { expectAutoregressive, findAutoregressiveViolations } from './autoregressive';
import { useTestBackend } from './backend';

/** Two masked 3x3 layers and a 1x1 head; `firstMask` 'B' makes it leak the current pixel. */
function tinyMaskedCnn(channels: number, levels: number, firstMask: MaskType): AutoregressiveModel {
  const features = 6;
  const p = new Params(3);
  const w1 = p.weight('w1', [3, 3, channels, features], 9 * channels);
  const w2 = p.weight('w2', [3, 3, features, features], 9 * features);
  const w3 = p.weight('w3', [features, channels * levels], features);
  const g = colourGroups(features, channels);
  const m1 = mask({ kernel: [3, 3], type: firstMask, inGroups: colourGroups(channels, channels), outGroups: g });
  const m2 = mask({ kernel: [3, 3], type: 'B', inGroups: g, outGroups: g });
  const m3 = colourMask1x1(features, channels * levels, channels);
  const config = { channels, levels };
  const logitsFromInput = (x: tf.Tensor4D) =>
    tf.tidy(() => {
      const h = tf.relu(maskedConv2d(x, w1 as tf.Tensor4D, m1));
      const h2 = tf.relu(maskedConv2d(h, w2 as tf.Tensor4D, m2));
      return toLogits(conv1x1(h2, w3 as tf.Tensor2D, undefined, m3), channels, levels);
    });
  return {
    name: `tiny-masked-cnn(${firstMask})`,
    config,
    logitsFromInput,
    logits: (x) => logitsFromInput(levelsToInput(x, levels)),
    trainableVariables: p.variables,
    dispose: () => p.dispose(),
  };
}

beforeAll(async () => {
  await useTestBackend();
});

describe('expectAutoregressive', () => {
  it.each([1, 3])('passes a masked CNN with mask A first (%i channels)', async (channels) => {
    await expectAutoregressive(tinyMaskedCnn(channels, 4, 'A'), { height: 5, width: 5 });
  });

  it('catches mask B in the first layer and names the leaking input', async () => {
    const leaky = tinyMaskedCnn(1, 2, 'B');
    const violations = await findAutoregressiveViolations(leaky, { height: 5, width: 5 });
    expect(violations.length).toBe(25); // every pixel reads itself
    expect(violations[0].input).toEqual(violations[0].output);
    await expect(expectAutoregressive(leaky, { height: 5, width: 5 })).rejects.toThrow(
      /not autoregressive[^]*row 0, col 0, channel R\) changed by [0-9.e+-]+ when input \(row 0, col 0, channel R\) changed/,
    );
  });

  it('catches a colour leak: mask B first with 3 channels lets G read its own value', async () => {
    const violations = await findAutoregressiveViolations(tinyMaskedCnn(3, 4, 'B'), { height: 4, width: 4 });
    expect(violations.length).toBeGreaterThan(0);
    // The reported violations each name the current pixel itself as the leak.
    for (const v of violations.slice(0, 5)) expect(v.input).toEqual(v.output);
  });
});

/**
 * For the trainer's tests: a one-layer masked CNN on 6x6 binary images (a few steps take milliseconds), seeded
 * image sets, and a run stopped mid-way for the resume tests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  type AutoregressiveModel,
  colourGroups,
  conv1x1,
  type LevelSet,
  levelsToInput,
  mask,
  maskedConv2d,
  Params,
  toLogits,
} from '@pixel-models/nn';
import { type TrainOptions, train } from '../training/trainer';

/** The tiny model; `scale` multiplies the first layer's initial weights. */
export function tinyModel(seed: number, scale = 1): AutoregressiveModel & { params: Params } {
  const p = new Params(seed);
  const w1 = p.weight('w1', [3, 3, 1, 4], 9, scale);
  const w2 = p.weight('w2', [4, 2], 4);
  const m1 = mask({ kernel: [3, 3], type: 'A', inGroups: colourGroups(1, 1), outGroups: colourGroups(4, 1) });
  const logitsFromInput = (x: tf.Tensor4D) =>
    tf.tidy(() => toLogits(conv1x1(tf.relu(maskedConv2d(x, w1 as tf.Tensor4D, m1)), w2 as tf.Tensor2D), 1, 2));
  return {
    name: 'tiny',
    config: { channels: 1, levels: 2 },
    params: p,
    logitsFromInput,
    logits: (x) => logitsFromInput(levelsToInput(x, 2)),
    trainableVariables: p.variables,
    dispose: () => p.dispose(),
  };
}

/** `count` seeded binary 6x6 images. */
export function tinyImages(count: number, seed: number): LevelSet {
  let s = seed;
  const levels = Int32Array.from({ length: count * 36 }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) >> 16) % 2);
  return { levels, count, height: 6, width: 6, channels: 1 };
}

/**
 * Trains the tiny model (seed 3) on 40 images with `options` (batch 8: 5 batches an epoch), stopped after batch 7,
 * mid-way through epoch 2: the folder with its checkpoint.
 */
export async function trainStoppedMidway(options: TrainOptions, prefix: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const model = tinyModel(3);
  const stop = { interrupted: false };
  let seen = 0;
  try {
    const part = await train({
      model,
      train: tinyImages(40, 1),
      validation: tinyImages(16, 2),
      options,
      checkpointDir: dir,
      stop,
      onBatch: () => {
        if (++seen === 7) stop.interrupted = true;
      },
    });
    if (part.outcome !== 'interrupted') throw new Error(`the run was to be interrupted, it ended ${part.outcome}`);
    return dir;
  } finally {
    model.dispose();
  }
}

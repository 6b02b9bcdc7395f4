/**
 * For the data-parallel tests: a module that exports a model factory the way an experiment does, so worker threads
 * can import it and build replicas. Two masked 3x3 layers and a 1x1 head on 1 channel, 2 levels. `failInWorker`
 * makes a replica's forward pass throw in a worker thread (never on the main thread): a worker that fails mid-run.
 */
import { isMainThread } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import {
  type AutoregressiveModel,
  colourGroups,
  conv1x1,
  levelsToInput,
  mask,
  maskedConv2d,
  Params,
  toLogits,
} from '@pixel-models/nn';

export interface TinyReplicaConfig {
  channels: number;
  levels: number;
  features?: number;
  failInWorker?: boolean;
}

export const WORKER_FAILURE = 'the replica failed on purpose in a worker thread';

export const tinyReplica = {
  name: 'tiny-replica',
  module: import.meta.url,
  createModel(config: TinyReplicaConfig, seed: number): AutoregressiveModel<TinyReplicaConfig> {
    const f = config.features ?? 6;
    const p = new Params(seed);
    const w1 = p.weight('w1', [3, 3, 1, f], 9);
    const w2 = p.weight('w2', [3, 3, f, f], 9 * f);
    const w3 = p.weight('w3', [f, 2], f);
    const b3 = p.bias('b3', 2);
    const m1 = mask({ kernel: [3, 3], type: 'A', inGroups: colourGroups(1, 1), outGroups: colourGroups(f, 1) });
    const m2 = mask({ kernel: [3, 3], type: 'B', inGroups: colourGroups(f, 1), outGroups: colourGroups(f, 1) });
    const logitsFromInput = (x: tf.Tensor4D) => {
      if (config.failInWorker && !isMainThread) throw new Error(WORKER_FAILURE);
      return tf.tidy(() => {
        const h = tf.relu(maskedConv2d(x, w1 as tf.Tensor4D, m1));
        const h2 = tf.relu(maskedConv2d(h, w2 as tf.Tensor4D, m2));
        return toLogits(conv1x1(h2, w3 as tf.Tensor2D, b3 as tf.Tensor1D), 1, 2);
      });
    };
    return {
      name: 'tiny-replica',
      config,
      logitsFromInput,
      logits: (x) => logitsFromInput(levelsToInput(x, 2)),
      trainableVariables: p.variables,
      dispose: () => p.dispose(),
    };
  },
};

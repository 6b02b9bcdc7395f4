import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, type LevelSet } from '@pixel-models/nn';
import { useTestBackend } from '@pixel-models/nn/testing';
import { expectClose, readVariables } from '../../testing/webgpu';
import { tinyReplica, type TinyReplicaConfig, WORKER_FAILURE } from '../../testing/tiny-replica';
import { disposeCheckpoint, loadCheckpoint } from '../checkpoint';
import { type EpochMetrics, type TrainOptions, train } from '../trainer';
import { DataParallelPool, liveWorkers } from './pool';
import { nllSum, shardsOf } from './shards';
import { checkThreads, kernelThreadsFor, trainingThreads } from './threads';
import { scoreTestSet } from '../../experiment/fit';
import { tinyImages } from '../../testing/tiny-training';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'data-parallel-'));
const config: TinyReplicaConfig = { channels: 1, levels: 2, features: 6 };
const replica = (c: TinyReplicaConfig = config) => ({
  module: tinyReplica.module,
  experiment: tinyReplica.name,
  config: c,
  seed: 3,
});

/** Trains the tiny model for one epoch: every batch's loss and the weights after. */
async function run(threads: number, options: TrainOptions, train_: LevelSet, c: TinyReplicaConfig = config) {
  const model = tinyReplica.createModel(c, 3);
  const losses: number[] = [];
  try {
    const { history } = await train({
      model,
      train: train_,
      validation: tinyImages(5, 2),
      options,
      checkpointDir: tmp(),
      parallel: threads > 1 ? { threads, replica: replica(c) } : undefined,
      onBatch: (p) => losses.push(p.batchNats),
    });
    const validation = history.map((m) => m.validationNats); // scored on every thread too
    return { losses, weights: (await readVariables(model.trainableVariables)).flat(), validation };
  } finally {
    model.dispose();
  }
}

beforeAll(async () => {
  await useTestBackend();
});

describe('shardsOf', () => {
  it('splits a batch into contiguous shards as even as can be, empty ones last', () => {
    expect(shardsOf(8, 2)).toEqual([
      [0, 4],
      [4, 4],
    ]);
    expect(shardsOf(5, 3)).toEqual([
      [0, 2],
      [2, 2],
      [4, 1],
    ]);
    expect(shardsOf(1, 3)).toEqual([
      [0, 1],
      [1, 0],
      [1, 0],
    ]);
  });
});

describe('data-parallel training (wasm, worker threads)', () => {
  // 11 images in batches of 5: two odd batches that split unevenly (2 + 2 + 1 over 3 threads) and a last batch
  // of 1, smaller than the thread count (two empty shards). Adam with clipping on, so the clipped path is covered.
  const options: TrainOptions = { epochs: 1, batchSize: 5, learningRate: 0.01, clipNorm: 1, seed: 7 };

  // Tolerance: rtol 1e-5 (atol 1e-7 for entries near 0) on losses and on every weight after the 3 steps. The
  // threads' results differ from one thread's only in float summation order.
  it('gives the losses and weights of single-thread training after 3 steps (2 workers + main)', async () => {
    const one = await run(1, options, tinyImages(11, 1));
    const three = await run(3, options, tinyImages(11, 1));
    expect(one.losses).toHaveLength(3);
    expectClose(three.losses, one.losses, { rtol: 1e-5 }, 'losses');
    expectClose(three.weights, one.weights, { rtol: 1e-5, atol: 1e-7 }, 'weights');
    expectClose(three.validation, one.validation, { rtol: 1e-5 }, 'validation NLL'); // 5 images: shards 2, 2, 1
    expect(liveWorkers()).toBe(0);
  }, 120_000);

  it('scores a batch on every thread (nllSum) as one thread does, batches smaller than the threads included', async () => {
    const model = tinyReplica.createModel(config, 3);
    const pool = await DataParallelPool.start({ threads: 3, replica: replica() }, model.trainableVariables);
    try {
      for (const count of [7, 2, 1]) {
        const set = tinyImages(count, 9);
        const x = tf.tensor4d(set.levels, [count, 6, 6, 1], 'int32');
        const one = await nllSum(model, x);
        expectClose([await pool.nllSum(model, x)], [one], { rtol: 1e-6 }, `${count} images`);
        x.dispose();
      }
    } finally {
      await pool.close();
      model.dispose();
    }
    expect(liveWorkers()).toBe(0);
  }, 120_000);

  it('scores a test set on every thread (scoreTestSet with the training threads) as one thread does', async () => {
    const model = tinyReplica.createModel(config, 3);
    try {
      const set = tinyImages(250, 11); // batches of 100, 100 and 50
      const start = vi.spyOn(DataParallelPool, 'start');
      const one = await scoreTestSet(model, set, undefined, 'test');
      expect(start).not.toHaveBeenCalled();
      const three = await scoreTestSet(model, set, undefined, 'test', undefined, { threads: 3, replica: replica() });
      expect(start).toHaveBeenCalledTimes(1);
      start.mockRestore();
      expect(three.images).toBe(250);
      expectClose([three.nats], [one.nats], { rtol: 1e-6 }, 'test NLL');
      expect(liveWorkers()).toBe(0); // the pool started for the pass is closed after it
    } finally {
      model.dispose();
    }
  }, 120_000);

  it('matches with 1 worker (2 threads), RMSProp, no clipping', async () => {
    const o: TrainOptions = { ...options, optimizer: 'rmsprop', clipNorm: 0, batchSize: 4 };
    const one = await run(1, o, tinyImages(9, 5));
    const two = await run(2, o, tinyImages(9, 5));
    expectClose(two.losses, one.losses, { rtol: 1e-5 }, 'losses');
    expectClose(two.weights, one.weights, { rtol: 1e-5, atol: 1e-7 }, 'weights');
  }, 120_000);

  it('checkpoints as one thread does: stopped on 2 threads, resumed on 1, it ends where 1 thread ends', async () => {
    const o: TrainOptions = { ...options, epochs: 2 };
    const one = await run(1, o, tinyImages(11, 1));
    const dir = tmp();
    const stop = { interrupted: false };
    const first = tinyReplica.createModel(config, 3);
    try {
      const r = await train({
        model: first,
        train: tinyImages(11, 1),
        validation: tinyImages(4, 2),
        options: o,
        checkpointDir: dir,
        parallel: { threads: 2, replica: replica() },
        stop,
        onBatch: (p) => {
          if (p.epoch === 1 && p.batch === 1) stop.interrupted = true; // mid-epoch 2
        },
      });
      expect(r.outcome).toBe('interrupted');
    } finally {
      first.dispose();
    }
    expect(liveWorkers()).toBe(0);
    const second = tinyReplica.createModel(config, 3);
    const resume = loadCheckpoint<EpochMetrics>(dir);
    try {
      const { outcome, history } = await train({
        model: second,
        train: tinyImages(11, 1),
        validation: tinyImages(4, 2),
        options: o,
        checkpointDir: dir,
        resume,
      });
      expect(outcome).toBe('completed');
      expect(history).toHaveLength(2);
      const weights = (await readVariables(second.trainableVariables)).flat();
      expectClose(weights, one.weights, { rtol: 1e-5, atol: 1e-7 }, 'weights');
    } finally {
      disposeCheckpoint(resume);
      second.dispose();
    }
  }, 120_000);

  it('a worker that throws fails the run with its error and leaves no thread', async () => {
    const failing = { ...config, failInWorker: true };
    await expect(run(2, options, tinyImages(11, 1), failing)).rejects.toThrow(WORKER_FAILURE);
    expect(liveWorkers()).toBe(0);
  }, 120_000);

  it('a replica from another config is refused before training', async () => {
    const model = tinyReplica.createModel(config, 3);
    try {
      await expect(
        train({
          model,
          train: tinyImages(11, 1),
          validation: tinyImages(4, 2),
          options,
          checkpointDir: tmp(),
          parallel: { threads: 2, replica: replica({ ...config, features: 5 }) },
        }),
      ).rejects.toThrow(/differs from the main thread's/);
    } finally {
      model.dispose();
    }
    expect(liveWorkers()).toBe(0);
  }, 120_000);
});

describe('--threads', () => {
  it('must be a positive integer', () => {
    expect(() => checkThreads(0)).toThrow(ConfigError);
    expect(() => checkThreads(1.5)).toThrow(/positive integer/);
    expect(checkThreads(2)).toBe(2);
  });

  it('is 1 off wasm or for conditional experiments, with a note only when asked for', () => {
    const exp = { name: 'e', module: 'file:///e.ts' };
    expect(trainingThreads({ requested: 4, explicit: true, backend: 'wasm', experiment: exp })).toEqual({ threads: 4 });
    const gpu = trainingThreads({ requested: 4, explicit: true, backend: 'webgpu', experiment: exp });
    expect(gpu.threads).toBe(1);
    expect(gpu.note).toMatch(/webgpu/);
    expect(trainingThreads({ requested: 4, explicit: false, backend: 'cpu', experiment: exp })).toEqual({
      threads: 1,
      note: undefined,
    });
    const conditional = trainingThreads({
      requested: 2,
      explicit: true,
      backend: 'wasm',
      experiment: { ...exp, condition: () => undefined },
    });
    expect(conditional).toMatchObject({ threads: 1, note: expect.stringMatching(/conditional/) });
    // Started with XNNPACK threads instead (kernelThreadsFor), it says so whether or not --threads was given.
    const kernel = trainingThreads({
      requested: 2,
      explicit: false,
      backend: 'wasm',
      kernelThreads: 2,
      experiment: { name: 'c' },
    });
    expect(kernel).toEqual({
      threads: 1,
      note: 'training on 2 XNNPACK threads in one backend (c does not name its module (module: import.meta.url), from which workers build replicas)',
    });
  });

  it('starts wasm with XNNPACK threads only for experiments that cannot train data-parallel, when --threads asks', () => {
    expect(kernelThreadsFor({ module: 'file:///e.ts' }, 4)).toBe(1);
    expect(kernelThreadsFor({}, 3)).toBe(3);
    expect(kernelThreadsFor({}, undefined)).toBe(1); // measured faster than XNNPACK's threads by default
    expect(() => kernelThreadsFor({}, 0)).toThrow(/--threads must be a positive integer/);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AutoregressiveModel, Adam, trainStep } from '@pixel-models/nn';
import { useTestBackend } from '@pixel-models/nn/testing';
import { readVariables, webgpuOrSkip } from '../testing/webgpu';
import { checkpointBinary, loadCheckpoint } from './checkpoint';
import { TrainingDivergedError, type TrainOptions, train } from './trainer';
import { tinyImages, tinyModel, trainStoppedMidway } from '../testing/tiny-training';

const options: TrainOptions = { epochs: 2, batchSize: 8, learningRate: 0.01, clipNorm: 0, seed: 7 };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'trainer-'));
const weightsOf = (m: AutoregressiveModel) => readVariables(m.trainableVariables);

// The trainer on every backend here: wasm, and webgpu where an adapter can be had (SwiftShader in CI).
const gpu = await webgpuOrSkip();
const BACKENDS = gpu.available ? ['wasm', 'webgpu'] : ['wasm'];

beforeAll(async () => {
  await useTestBackend();
});

describe.each(BACKENDS)('train on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('lowers the loss, checkpoints each epoch and is reproducible for a seed', async () => {
    const runs = [];
    for (let k = 0; k < 2; k++) {
      const model = tinyModel(3);
      const dir = tmp();
      const { history, outcome } = await train({
        model,
        train: tinyImages(40, 1),
        validation: tinyImages(16, 2),
        options: { ...options, epochs: 3 },
        checkpointDir: dir,
      });
      expect(outcome).toBe('completed');
      expect(loadCheckpoint(dir).meta.position.epoch).toBe(3);
      runs.push({ history, weights: await weightsOf(model) });
      model.dispose();
    }
    expect(runs[0].history.map((h) => h.validationNats)).toEqual(runs[1].history.map((h) => h.validationNats));
    expect(runs[0].weights).toEqual(runs[1].weights);
    expect(runs[0].history[2].trainNats).toBeLessThan(runs[0].history[0].trainNats);
  });

  it.each([
    ['constant', options],
    ['cosine', { ...options, lrSchedule: 'cosine' } as TrainOptions],
  ])(
    'an interrupted run resumed from its checkpoint ends exactly where an uninterrupted run ends (%s lr)',
    async (_s, options) => {
      const full = tinyModel(3);
      const fullRun = await train({
        model: full,
        train: tinyImages(40, 1),
        validation: tinyImages(16, 2),
        options,
        checkpointDir: tmp(),
      });

      const dir = await trainStoppedMidway(options, 'trainer-'); // mid-way through epoch 2 (5 batches an epoch)
      expect(loadCheckpoint(dir).meta.position).toMatchObject({ epoch: 1, batch: 2 });

      const resumed = tinyModel(99); // different init: everything must come from the checkpoint
      const rest = await train({
        model: resumed,
        train: tinyImages(40, 1),
        validation: tinyImages(16, 2),
        options,
        checkpointDir: dir,
        resume: loadCheckpoint(dir),
      });
      expect(rest.outcome).toBe('completed');
      expect(await weightsOf(resumed)).toEqual(await weightsOf(full));
      expect(rest.history.map((h) => [h.trainNats, h.validationNats])).toEqual(
        fullRun.history.map((h) => [h.trainNats, h.validationNats]),
      );
      [full, resumed].forEach((m) => m.dispose());
    },
  );

  it('stops on a non-finite loss with a clear message and keeps the last good checkpoint', async () => {
    const dir = tmp();
    const model = tinyModel(3);
    await train({
      model,
      train: tinyImages(16, 1),
      validation: tinyImages(8, 2),
      options: { ...options, epochs: 1 },
      checkpointDir: dir,
    });
    const good = fs.readFileSync(checkpointBinary(dir)!);
    model.trainableVariables[0].assign(tf.fill(model.trainableVariables[0].shape, NaN));
    const run = train({
      model,
      train: tinyImages(16, 1),
      validation: tinyImages(8, 2),
      options: { ...options, epochs: 1 },
      checkpointDir: dir,
    });
    await expect(run).rejects.toThrow(TrainingDivergedError);
    await expect(run).rejects.toThrow(/loss became NaN at epoch 1, batch 1.*last good checkpoint/);
    expect(fs.readFileSync(checkpointBinary(dir)!).equals(good)).toBe(true);
    model.dispose();
  });

  it('a stop during the last validation pass is kept: interrupted, and resuming redoes only that validation', async () => {
    const dir = tmp();
    const model = tinyModel(3);
    const stop = { interrupted: false };
    // Set on the last batch of the last epoch: the validation pass that follows must see it, not finish the run.
    const first = await train({
      model,
      train: tinyImages(16, 1),
      validation: tinyImages(8, 2),
      options: { ...options, epochs: 1 },
      checkpointDir: dir,
      stop,
      onBatch: (p) => {
        if (p.batch === p.batches) stop.interrupted = true;
      },
    });
    expect(first.outcome).toBe('interrupted');
    expect(loadCheckpoint(dir).meta.position).toMatchObject({ epoch: 0, batch: 2 });
    const resumed = tinyModel(99);
    const rest = await train({
      model: resumed,
      train: tinyImages(16, 1),
      validation: tinyImages(8, 2),
      options: { ...options, epochs: 1 },
      checkpointDir: dir,
      resume: loadCheckpoint(dir),
    });
    const full = tinyModel(3);
    const ref = await train({
      model: full,
      train: tinyImages(16, 1),
      validation: tinyImages(8, 2),
      options: { ...options, epochs: 1 },
      checkpointDir: tmp(),
    });
    expect(rest.outcome).toBe('completed');
    expect(rest.history.map((h) => [h.trainNats, h.validationNats])).toEqual(
      ref.history.map((h) => [h.trainNats, h.validationNats]),
    );
    [model, resumed, full].forEach((m) => m.dispose());
  });

  it('a NaN before the first checkpoint does not claim one', async () => {
    const dir = tmp();
    const model = tinyModel(3);
    model.trainableVariables[0].assign(tf.fill(model.trainableVariables[0].shape, NaN));
    await expect(
      train({
        model,
        train: tinyImages(16, 1),
        validation: tinyImages(8, 2),
        options: { ...options, epochs: 1 },
        checkpointDir: dir,
      }),
    ).rejects.toThrow(/loss became NaN.*no checkpoint was saved yet/);
    model.dispose();
  });

  it("ends a run whose loss runs far above the uniform model's as diverged", async () => {
    const model = tinyModel(3, 1e4); // huge initial weights: a confident, wrong model, far above 36 ln 2 nats
    await expect(
      train({
        model,
        train: tinyImages(64, 1),
        validation: tinyImages(8, 2),
        options: { ...options, epochs: 1 },
        checkpointDir: tmp(),
      }),
    ).rejects.toThrow(/over 10x the uniform model's 25.0/);
    model.dispose();
  });

  it('a cosine schedule trains differently from a constant rate, reproducibly', async () => {
    const rates: number[][] = [];
    const run = async (o: TrainOptions) => {
      const model = tinyModel(3);
      const seen: number[] = [];
      rates.push(seen);
      await train({
        model,
        train: tinyImages(40, 1),
        validation: tinyImages(16, 2),
        options: o,
        checkpointDir: tmp(),
        onBatch: (p) => seen.push(p.learningRate),
      });
      const w = await weightsOf(model);
      model.dispose();
      return w;
    };
    const cosine = await run({ ...options, lrSchedule: 'cosine' });
    expect(cosine).toEqual(await run({ ...options, lrSchedule: 'cosine' }));
    expect(cosine).not.toEqual(await run(options));
    expect(await run({ ...options, lrSchedule: 'constant' })).toEqual(await run(options)); // absent = constant
    // Each batch reports the rate of its update: 2 epochs x 5 batches, from the base down; constant stays at it.
    const base = options.learningRate;
    expect(rates[0]).toHaveLength(10);
    rates[0].forEach((r, u) => expect(r).toBeCloseTo((base * (1 + Math.cos((Math.PI * u) / 10))) / 2, 12));
    expect(rates[2]).toEqual(new Array(10).fill(base));
  });

  it('rejects bad options', async () => {
    const model = tinyModel(1);
    await expect(
      train({
        model,
        train: tinyImages(8, 1),
        validation: tinyImages(8, 2),
        options: { ...options, batchSize: 0 },
        checkpointDir: tmp(),
      }),
    ).rejects.toThrow(/batchSize/);
    await expect(
      train({
        model,
        train: tinyImages(8, 1),
        validation: tinyImages(8, 2),
        options: { ...options, learningRate: -1 },
        checkpointDir: tmp(),
      }),
    ).rejects.toThrow(/learning rate/);
    await expect(
      train({
        model,
        train: tinyImages(8, 1),
        validation: tinyImages(8, 2),
        options: { ...options, lrSchedule: 'step' as TrainOptions['lrSchedule'] },
        checkpointDir: tmp(),
      }),
    ).rejects.toThrow(/lr schedule must be one of constant, cosine, got step/);
    model.dispose();
  });

  it('keeps the tensor count flat across epochs (no leaks)', async () => {
    const model = tinyModel(2);
    const counts: number[] = [];
    await train({
      model,
      train: tinyImages(16, 1),
      validation: tinyImages(8, 2),
      options: { ...options, epochs: 3 },
      checkpointDir: tmp(),
      onEpoch: () => counts.push(tf.memory().numTensors),
    });
    expect(counts[2]).toBe(counts[1]);
    model.dispose();
  });
});

describe('trainStep', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  const batch = () => tf.tensor4d(tinyImages(4, 5).levels, [4, 6, 6, 1], 'int32');

  it('updates the weights from a finite loss and leaves no tensors behind', async () => {
    const model = tinyModel(4);
    const adam = new Adam(model.trainableVariables, { learningRate: 0.01 });
    const x = batch();
    const before = await weightsOf(model);
    const tensors = tf.memory().numTensors;
    const loss = await trainStep(model, adam, x);
    expect(Number.isFinite(loss) && loss > 0).toBe(true);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(await weightsOf(model)).not.toEqual(before);
    expect(adam.iterations).toBe(1);
    x.dispose();
    model.dispose();
  });

  it('builds the condition inside the gradient tape, so the encoder producing it trains too', async () => {
    const base = tinyModel(4);
    const encoder = tf.variable(tf.fill([1, 1, 1, 1, 2], 0.5), true, 'encoder');
    // A model whose logits add its condition: the condition's gradient is non-zero.
    const model: AutoregressiveModel = {
      ...base,
      logits: (x, condition) => tf.tidy(() => tf.add(base.logits(x), condition ?? 0) as tf.Tensor5D),
      trainableVariables: [...base.trainableVariables, encoder],
    };
    const adam = new Adam(model.trainableVariables, { learningRate: 0.01 });
    const x = batch();
    await trainStep(model, adam, x, { condition: () => tf.mul(encoder, tf.tensor5d([1, -1], [1, 1, 1, 1, 2])) });
    expect(Array.from(encoder.dataSync())).not.toEqual([0.5, 0.5]);
    x.dispose();
    encoder.dispose();
    base.dispose();
  });

  it('returns a non-finite loss without touching the weights or the optimizer', async () => {
    const model = tinyModel(4);
    const adam = new Adam(model.trainableVariables, { learningRate: 0.01 });
    model.trainableVariables[1].assign(tf.fill(model.trainableVariables[1].shape, NaN));
    const x = batch();
    const before = await weightsOf(model);
    expect(await trainStep(model, adam, x)).toBeNaN();
    expect(await weightsOf(model)).toEqual(before);
    expect(adam.iterations).toBe(0);
    x.dispose();
    model.dispose();
  });
});

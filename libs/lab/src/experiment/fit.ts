/**
 * Pieces every training experiment shares: fit a model with progress bars and the within-epoch curve, score a
 * test set, and draw a sample grid. The single-model runner and the multi-model comparisons both use them.
 */
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { type AutoregressiveModel, dequantize, sampleFast, sampleImages, type LevelSet } from '@pixel-models/nn';
import { encodePng, imageGrid } from '../png';
import { ProgressBar } from '../progress';
import type { RunFolder } from '../results';
import { type StopFlag, stopPoint } from '../signals';
import type { Checkpoint } from '../training/checkpoint';
import { type ConditionFn, evaluateNll, type NllResult } from '../training/evaluate';
import { type DataParallelOptions, DataParallelPool } from '../training/data-parallel/pool';
import { type EpochMetrics, type TrainOptions, lrScheduleOf, train } from '../training/trainer';

/**
 * Scores the test set; with `stop`, a stop request ends it early with RunInterrupted. With `parallel` (the threads
 * an unconditional model trained on), on that many threads: a data-parallel pool started for this pass, each
 * thread summing its shard of every batch, closed when the pass ends.
 */
export async function scoreTestSet(
  model: AutoregressiveModel,
  test: LevelSet,
  condition: ConditionFn | undefined,
  label: string,
  stop?: StopFlag,
  parallel?: DataParallelOptions,
): Promise<NllResult> {
  const pool = parallel && !condition ? await DataParallelPool.start(parallel, model.trainableVariables) : undefined;
  try {
    const bar = new ProgressBar({ label, total: Math.ceil(test.count / 100) });
    const result = await evaluateNll(model, test, {
      batchSize: 100,
      condition,
      stop,
      onBatch: (done) => bar.update(done, {}),
      batchSum: pool?.nllSum.bind(pool, model),
    });
    bar.finish({ nats: result.nats.toFixed(2), 'bits/dim': result.bitsPerDim.toFixed(4) });
    return result;
  } finally {
    await pool?.close();
  }
}

export interface SampleGridOptions {
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  levels: number;
  temperature: number;
  seed: number;
  condition?: tf.Tensor;
  columns?: number;
  /** A stop request ends sampling between rows with RunInterrupted. */
  stop?: StopFlag;
}

/** Samples `count` images and returns them as a PNG grid. */
export async function sampleGrid(model: AutoregressiveModel, o: SampleGridOptions): Promise<Buffer> {
  // The cached form, when the model has one: the same samples as the naive sampler, O(layers) work per pixel.
  const sampler = model.incrementalSampler?.();
  const bar = new ProgressBar({ label: sampler ? 'sampling (cached activations)' : 'sampling', total: o.height });
  const options = {
    count: o.count,
    height: o.height,
    width: o.width,
    temperature: o.temperature,
    seed: o.seed,
    condition: o.condition,
    onRow: async (row: number) => {
      bar.update(row, {});
      await stopPoint(o.stop);
    },
  };
  const levels = await (sampler ? sampleFast(sampler, options) : sampleImages(model, options));
  bar.finish({});
  const columns = o.columns ?? Math.ceil(Math.sqrt(o.count));
  return encodePng(
    imageGrid(dequantize(levels, o.levels), {
      count: o.count,
      height: o.height,
      width: o.width,
      channels: o.channels,
      columns,
      padding: 2,
      scale: 3,
    }),
  );
}

/** Mean training loss over a window of batches, at a fractional epoch. */
export interface CurvePoint {
  epoch: number;
  nats: number;
}

/** Reads curve.csv back (numbers only, written by fitModel). */
export function readCurve(file: string): CurvePoint[] {
  const [, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  return lines.map((l) => {
    const [epoch, nats] = l.split(',').map(Number);
    return { epoch, nats };
  });
}

export interface FitArgs {
  label: string;
  model: AutoregressiveModel;
  train: LevelSet;
  validation: LevelSet;
  options: TrainOptions;
  /** Checkpoint folder. */
  dir: string;
  /** The run folder that gets metrics.csv and curve.csv (single-model runs). */
  folder?: RunFolder;
  resume?: Checkpoint<EpochMetrics>;
  stop?: StopFlag;
  condition?: ConditionFn;
  /** Train on several threads (wasm, unconditional models): see training/data-parallel/pool.ts. */
  parallel?: DataParallelOptions;
}

export interface FitResult {
  outcome: 'completed' | 'interrupted';
  history: EpochMetrics[];
  curve: CurvePoint[];
}

/** Trains one model with progress bars, the within-epoch curve and (with a folder) per-epoch metrics files. */
export async function fitModel(a: FitArgs): Promise<FitResult> {
  const { folder } = a;
  // The training curve within epochs: the mean loss over each window of batches (about 50 points an epoch).
  const curve: CurvePoint[] =
    a.resume && folder && fs.existsSync(folder.path('curve.csv')) ? readCurve(folder.path('curve.csv')) : [];
  let window = { nats: 0, images: 0 };
  const save = (history: EpochMetrics[]) => {
    if (!folder) return;
    folder.writeCsv('metrics.csv', history.map(metricsRow), METRICS_COLUMNS);
    folder.writeCsv(
      'curve.csv',
      curve.map((c) => ({ epoch: c.epoch, nats: c.nats })),
      ['epoch', 'nats'],
    );
  };
  let bar: ProgressBar | undefined;
  const result = await train({
    model: a.model,
    train: a.train,
    validation: a.validation,
    options: a.options,
    checkpointDir: a.dir,
    resume: a.resume,
    stop: a.stop,
    condition: a.condition,
    parallel: a.parallel,
    onBatch: (p) => {
      if (p.batch === 1 || !bar)
        bar = new ProgressBar({ label: `${a.label}epoch ${p.epoch + 1}/${p.epochs}`, total: p.batches });
      bar.update(p.batch, {
        nats: p.nats.toFixed(2),
        'bits/dim': p.bitsPerDim.toFixed(4),
        'img/s': p.imagesPerSecond.toFixed(1),
        ...(lrScheduleOf(a.options) === 'constant' ? {} : { lr: p.learningRate.toPrecision(2) }),
      });
      window = { nats: window.nats + p.batchNats * p.batchSize, images: window.images + p.batchSize };
      if (p.batch % Math.max(1, Math.floor(p.batches / 50)) === 0 || p.batch === p.batches) {
        curve.push({ epoch: p.epoch + p.batch / p.batches, nats: window.nats / window.images });
        window = { nats: 0, images: 0 };
      }
    },
    onEpoch: (m, history) => {
      bar?.finish({ 'validation nats': m.validationNats.toFixed(2), 'bits/dim': m.validationBitsPerDim.toFixed(4) });
      bar = undefined;
      save(history);
    },
  });
  if (result.outcome === 'interrupted') save(result.history);
  return { ...result, curve };
}

export const METRICS_COLUMNS = [
  'epoch',
  'train_nats',
  'train_bits_per_dim',
  'validation_nats',
  'validation_bits_per_dim',
  'seconds',
  'images_per_second',
];

export const metricsRow = (h: EpochMetrics) => ({
  epoch: h.epoch,
  train_nats: h.trainNats,
  train_bits_per_dim: h.trainBitsPerDim,
  validation_nats: h.validationNats,
  validation_bits_per_dim: h.validationBitsPerDim,
  seconds: h.seconds,
  images_per_second: h.imagesPerSecond,
});

/**
 * The training loop shared by every model: Adam or RMSProp on the exact NLL, seeded batches, validation NLL after each
 * epoch, a checkpoint after each epoch and on interruption, exact resumption, and a stop on a non-finite loss
 * that keeps the last good checkpoint. It knows nothing about any model beyond the AutoregressiveModel contract.
 */
import * as tf from '@tensorflow/tfjs';
import {
  ConfigError,
  bitsPerDim,
  type AutoregressiveModel,
  createOptimizer,
  LEGACY_OPTIMIZER,
  OPTIMIZER_NAMES,
  type OptimizerName,
  isOptimizerName,
  isLrSchedule,
  LEGACY_LR_SCHEDULE,
  learningRateAt,
  learningRateFactor,
  LR_SCHEDULES,
  type OptimizerOptions,
  type LrSchedule,
  trainStep,
  type LevelSet,
  batchCount,
  epochOrder,
  gatherBatch,
  levelSetDims,
} from '@pixel-models/nn';
import {
  type Checkpoint,
  type TrainingPosition,
  checkCheckpointOptimizer,
  hasCheckpoint,
  restoreWeights,
  saveCheckpoint,
} from './checkpoint';
import { RunInterrupted, type StopFlag, yieldToSignals } from '../signals';
import { type ConditionFn, evaluateNll } from './evaluate';
import { type DataParallelOptions, DataParallelPool } from './data-parallel/pool';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Clip the global gradient norm to this (0: off). */
  clipNorm: number;
  seed: number;
  /** Adam (the default, also for options saved before this field existed) or RMSProp (the PixelRNN paper's). */
  optimizer?: OptimizerName;
  /** The learning rate over the run's epochs x batches updates: constant (the default, also for older runs) or cosine. */
  lrSchedule?: LrSchedule;
}

export const optimizerOf = (o: TrainOptions): OptimizerName => o.optimizer ?? LEGACY_OPTIMIZER;
export const lrScheduleOf = (o: TrainOptions): LrSchedule => o.lrSchedule ?? LEGACY_LR_SCHEDULE;

/** The learning rate as reports and budgets name it: "lr 0.002", or "lr 0.004, cosine decay". */
export const learningRateLabel = (o: Pick<TrainOptions, 'learningRate' | 'lrSchedule'>): string =>
  `lr ${o.learningRate}${o.lrSchedule === 'cosine' ? ', cosine decay' : ''}`;

export interface EpochMetrics {
  epoch: number;
  trainNats: number;
  trainBitsPerDim: number;
  validationNats: number;
  validationBitsPerDim: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface BatchProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Mean loss of the epoch so far, nats per image. */
  nats: number;
  /** This batch's loss, nats per image, and its size. */
  batchNats: number;
  batchSize: number;
  bitsPerDim: number;
  imagesPerSecond: number;
  /** The learning rate of the update this batch made (the schedule's value; constant: the base rate). */
  learningRate: number;
}

export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
}

/**
 * Divergence: a loss above DIVERGENCE_FACTOR times the uniform model's NLL (H·W·C·ln Q nats an image, ~543 for
 * 28x28 binary). A freshly initialised model starts near 1x and any learning brings it below; 10x leaves room for
 * an unlucky start and early spikes, while a diverged run (e.g. --lr 1000: ~320x) is far above it. Checked on the
 * epoch's running mean (after DIVERGENCE_MIN_BATCHES batches, so one spike does not decide) and on validation.
 */
export const DIVERGENCE_FACTOR = 10;
export const DIVERGENCE_MIN_BATCHES = 5;

export const uniformNll = (dims: number, levels: number): number => dims * Math.log(levels);

export type TrainOutcome = 'completed' | 'interrupted';

export interface TrainArgs {
  model: AutoregressiveModel;
  train: LevelSet;
  validation: LevelSet;
  options: TrainOptions;
  /** Folder for checkpoints (the run folder). */
  checkpointDir: string;
  resume?: Checkpoint<EpochMetrics>;
  condition?: ConditionFn;
  onBatch?: (p: BatchProgress) => void;
  onEpoch?: (m: EpochMetrics, history: EpochMetrics[]) => void;
  /** Set `interrupted` (from a signal handler) to stop after the current batch, or the validation pass, with a checkpoint. */
  stop?: StopFlag;
  /** Train on several threads (wasm): worker replicas compute shards of each batch (data-parallel/pool.ts). */
  parallel?: DataParallelOptions;
}

export function checkTrainOptions(o: TrainOptions): void {
  for (const k of ['epochs', 'batchSize', 'seed'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new ConfigError(`${k} must be a positive integer, got ${o[k]}`);
  }
  if (!(o.learningRate > 0)) throw new ConfigError(`learning rate must be positive, got ${o.learningRate}`);
  if (!(o.clipNorm >= 0)) throw new ConfigError(`clip norm must be >= 0, got ${o.clipNorm}`);
  if (o.optimizer !== undefined && !isOptimizerName(o.optimizer))
    throw new ConfigError(`optimizer must be one of ${OPTIMIZER_NAMES.join(', ')}, got ${String(o.optimizer)}`);
  if (o.lrSchedule !== undefined && !isLrSchedule(o.lrSchedule))
    throw new ConfigError(`lr schedule must be one of ${LR_SCHEDULES.join(', ')}, got ${String(o.lrSchedule)}`);
}

export async function train(args: TrainArgs): Promise<{ outcome: TrainOutcome; history: EpochMetrics[] }> {
  const { model, train: data, validation, options, checkpointDir, condition } = args;
  checkTrainOptions(options);
  if (args.parallel && condition) throw new ConfigError('data-parallel training (--threads > 1) takes no condition');
  const variables = model.trainableVariables;
  if (args.resume) checkCheckpointOptimizer(args.resume, optimizerOf(options), checkpointDir);
  const batches = batchCount(data.count, options.batchSize);
  const updates = options.epochs * batches;
  const schedule = lrScheduleOf(options);
  const optimizerOptions: OptimizerOptions = {
    learningRate: options.learningRate,
    clipNorm: options.clipNorm,
    // Indexed by the optimizer's own update count, which the checkpoint keeps: a resumed run continues the curve.
    schedule: schedule === 'constant' ? undefined : (update) => learningRateFactor(schedule, update, updates),
  };
  const optimizer = createOptimizer(optimizerOf(options), variables, optimizerOptions);
  const history: EpochMetrics[] = [];
  let pos: TrainingPosition = { epoch: 0, batch: 0, partialLoss: 0, partialImages: 0, partialSeconds: 0 };
  if (args.resume) {
    restoreWeights(variables, args.resume.weights, checkpointDir);
    optimizer.load(args.resume.optimizer.state);
    history.push(...args.resume.meta.history);
    pos = { ...args.resume.meta.position };
  }
  const save = async (position: TrainingPosition) => {
    const state = optimizer.state();
    try {
      await saveCheckpoint(
        checkpointDir,
        { model: model.name, modelConfig: model.config, position, history },
        variables,
        { name: optimizer.name, state },
      );
    } finally {
      tf.dispose(Object.values(state.slots).flat());
    }
  };
  const dims = levelSetDims(data);
  const uniform = uniformNll(dims, model.config.levels);
  // Says which checkpoint is kept only when there is one: a run can fail before its first.
  const kept = () =>
    hasCheckpoint(checkpointDir)
      ? `the last good checkpoint is kept in ${checkpointDir}`
      : 'no checkpoint was saved yet';
  const diverged = (what: string) =>
    new TrainingDivergedError(`${what}: training stopped as diverged; ${kept()}. Lower --lr or set --clip (e.g. 1)`);
  let pool: DataParallelPool | undefined;
  try {
    if (args.parallel) pool = await DataParallelPool.start(args.parallel, variables);
    for (
      ;
      pos.epoch < options.epochs;
      pos = { epoch: pos.epoch + 1, batch: 0, partialLoss: 0, partialImages: 0, partialSeconds: 0 }
    ) {
      const order = epochOrder(data.count, options.seed, pos.epoch);
      for (; pos.batch < batches; pos.batch++) {
        if (args.stop?.interrupted) {
          await save(pos);
          return { outcome: 'interrupted', history };
        }
        const started = performance.now();
        const { x, labels, size } = gatherBatch(data, order, pos.batch, options.batchSize);
        const loss = await (
          pool
            ? pool.step(model, optimizer, x)
            : trainStep(model, optimizer, x, { condition: condition && (() => condition({ x, labels })) })
        ).finally(() => x.dispose());
        if (!Number.isFinite(loss)) {
          throw diverged(`the loss became ${loss} at epoch ${pos.epoch + 1}, batch ${pos.batch + 1}`);
        }
        pos.partialLoss += loss * size;
        pos.partialImages += size;
        pos.partialSeconds += (performance.now() - started) / 1000;
        const nats = pos.partialLoss / pos.partialImages;
        if (pos.partialImages >= DIVERGENCE_MIN_BATCHES * options.batchSize && nats > DIVERGENCE_FACTOR * uniform) {
          throw diverged(
            `the mean training loss reached ${nats.toFixed(1)} nats at epoch ${pos.epoch + 1}, batch ${pos.batch + 1}, over ${DIVERGENCE_FACTOR}x the uniform model's ${uniform.toFixed(1)}`,
          );
        }
        args.onBatch?.({
          epoch: pos.epoch,
          epochs: options.epochs,
          batch: pos.batch + 1,
          batches,
          nats,
          batchNats: loss,
          batchSize: size,
          bitsPerDim: bitsPerDim(nats, dims),
          imagesPerSecond: pos.partialImages / pos.partialSeconds,
          learningRate: learningRateAt(optimizerOptions, optimizer.iterations - 1),
        });
        await yieldToSignals(); // lets signal handlers run between batches
      }
      let val;
      try {
        val = await evaluateNll(model, validation, {
          batchSize: Math.max(options.batchSize, 100),
          condition,
          stop: args.stop,
          batchSum: pool?.nllSum.bind(pool, model), // on every thread, as training
        });
      } catch (e) {
        if (!(e instanceof RunInterrupted)) throw e;
        // Stopped in the validation pass: the epoch's batches are done; resuming redoes only the validation.
        await save(pos);
        return { outcome: 'interrupted', history };
      }
      if (!Number.isFinite(val.nats) || val.nats > DIVERGENCE_FACTOR * uniform) {
        throw diverged(
          `the validation NLL was ${val.nats} nats after epoch ${pos.epoch + 1}, over ${DIVERGENCE_FACTOR}x the uniform model's ${uniform.toFixed(1)}`,
        );
      }
      const trainNats = pos.partialLoss / pos.partialImages;
      const metrics: EpochMetrics = {
        epoch: pos.epoch + 1,
        trainNats,
        trainBitsPerDim: bitsPerDim(trainNats, dims),
        validationNats: val.nats,
        validationBitsPerDim: val.bitsPerDim,
        seconds: pos.partialSeconds,
        imagesPerSecond: pos.partialImages / pos.partialSeconds,
      };
      history.push(metrics);
      const finished = { ...pos, epoch: pos.epoch + 1, batch: 0, partialLoss: 0, partialImages: 0, partialSeconds: 0 };
      await save(finished);
      args.onEpoch?.(metrics, history);
      // A stop that came during the epoch's last steps is kept, not dropped: the checkpoint above is its record.
      if (args.stop?.interrupted) return { outcome: 'interrupted', history };
    }
    return { outcome: 'completed', history };
  } finally {
    await pool?.close(); // on every exit: completed, interrupted, diverged or failed
    optimizer.dispose();
  }
}

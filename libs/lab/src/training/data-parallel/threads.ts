/**
 * How many threads a training run uses. `--threads N` (default: every core) runs data-parallel on wasm, whose
 * backend has one thread in Node; the other backends use their own threads (or the GPU), so there N is 1.
 * Conditional training (a `condition` that closes over the data, or trains an encoder the replicas lack) cannot run
 * data-parallel, nor can experiments that do not name their module (the workers build their replicas from it):
 * those run on one thread, or with an explicit `--threads N` on N XNNPACK threads (`kernelThreadsFor`), which split
 * the convolutions and products XNNPACK still runs. Measured here (2 cores, the main job's model, batch 32): data-
 * parallel trains 1.39-1.45x faster than one thread; XNNPACK threads 0.91-0.92x, since nn's own SIMD kernels (one thread)
 * took over the convolutions and products XNNPACK's threads used to split (before them: 1.04-1.1x, PixelCNN 1.4x).
 * So data-parallel where it can, one thread by default where it cannot.
 */
import os from 'node:os';
import { ConfigError } from '@pixel-models/nn';
import type { BackendInfo } from '../../backend';

export const defaultThreads = (): number => os.availableParallelism();

/** The `--threads` flag of the training runner and the comparisons. */
export const THREADS_FLAG = {
  type: 'int',
  min: 1,
  help:
    'threads on wasm: data-parallel training (worker threads beside this one), default: all cores; where training ' +
    'cannot run data-parallel (conditional models) one thread, or N XNNPACK threads when given',
} as const;

/** The threads a run asks for: `--threads`, or every core; and whether the flag was given. */
export const threadsAsked = (flag: number | undefined): { requested: number; explicit: boolean } => ({
  requested: flag ?? defaultThreads(),
  explicit: flag !== undefined,
});

export function checkThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1)
    throw new ConfigError(`--threads must be a positive integer (1 = no worker threads), got ${threads}`);
  return threads;
}

/**
 * The XNNPACK threads to start wasm with for an experiment: an explicit `--threads` when its training cannot run
 * data-parallel (it names no module), else 1 (its data-parallel workers take the cores; without the flag, one
 * thread was measured faster than XNNPACK's threads).
 */
export const kernelThreadsFor = (experiment: { module?: string }, threadsFlag: number | undefined): number =>
  experiment.module || threadsFlag === undefined ? 1 : checkThreads(threadsFlag);

export interface ThreadsQuestion {
  /** The threads asked for (or the default). */
  requested: number;
  /** Whether --threads was given: only then is a fallback to 1 thread worth a note. */
  explicit: boolean;
  /** The tfjs backend in use. */
  backend: string;
  /** wasm: the XNNPACK threads its backend started with (kernelThreadsFor). */
  kernelThreads?: number;
  /** The experiment, and the condition its training takes (conditional models only). */
  experiment: { name: string; module?: string; condition?: unknown };
}

/** The threads training will use, and a note when fewer than asked for (to print once). */
export function trainingThreads(q: ThreadsQuestion): { threads: number; note?: string } {
  const requested = checkThreads(q.requested);
  if (requested === 1) return { threads: 1 };
  const why =
    q.backend !== 'wasm'
      ? `data-parallel training is for the wasm backend; ${q.backend} is not wasm`
      : q.experiment.condition
        ? `${q.experiment.name} trains a conditional model, whose condition the worker replicas do not have`
        : !q.experiment.module
          ? `${q.experiment.name} does not name its module (module: import.meta.url), from which workers build replicas`
          : undefined;
  if (!why) return { threads: requested };
  const kernel = q.kernelThreads ?? 1;
  if (kernel > 1) return { threads: 1, note: `training on ${kernel} XNNPACK threads in one backend (${why})` };
  return { threads: 1, note: q.explicit ? `--threads ${requested}: training runs on 1 thread (${why})` : undefined };
}

/**
 * The threads a run trains on (trainingThreads), recorded on its backend info (the manifest's `threads`) and
 * printed: the fallback note, or the data-parallel line.
 */
export function useTrainingThreads(q: Omit<ThreadsQuestion, 'backend'>, backend: BackendInfo): number {
  const { threads, note } = trainingThreads({ ...q, backend: backend.name, kernelThreads: backend.kernelThreads });
  backend.threads = threads;
  if (note) console.log(note);
  if (threads > 1) console.log(`training on ${threads} threads (data-parallel: each computes a shard of every batch)`);
  return threads;
}

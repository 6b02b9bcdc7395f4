/**
 * How many threads a training run uses. `--threads N` (default: every core) runs data-parallel on wasm, whose
 * backend has one thread in Node; the other backends use their own threads (or the GPU), so there N is 1.
 * Conditional training (a `condition` that closes over the data, or trains an encoder the replicas lack) cannot run
 * data-parallel, nor can experiments that do not name their module (the workers build their replicas from it):
 * those start wasm with N XNNPACK threads instead (`kernelThreadsFor`), which split each convolution and product.
 * Measured here (2 cores, batch 16-32): data-parallel trains the Gated PixelCNN 1.4-1.55x faster, XNNPACK threads
 * 1.1x (PixelCNN 1.4x); forward passes (scoring) gain 1.6-1.7x from XNNPACK threads, cached sampling loses (its
 * kernels are too small for threads). So data-parallel where it can, XNNPACK threads where it cannot.
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
    'threads on wasm: data-parallel training (worker threads beside this one), or XNNPACK threads where training ' +
    'cannot run data-parallel (conditional models); default: all cores',
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
 * The XNNPACK threads to start wasm with for an experiment: `--threads` (or every core) when its training cannot
 * run data-parallel (it names no module), else 1 (its data-parallel workers take the cores).
 */
export const kernelThreadsFor = (experiment: { module?: string }, threadsFlag: number | undefined): number =>
  experiment.module ? 1 : checkThreads(threadsAsked(threadsFlag).requested);

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

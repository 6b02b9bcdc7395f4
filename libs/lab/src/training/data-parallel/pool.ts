/**
 * Data-parallel training on the wasm backend (one thread per backend in Node): N - 1 worker threads beside the
 * main thread, each with a replica of the model. Each step the batch is split into N contiguous shards; every
 * thread computes its shard's mean NLL and gradients; the main thread combines them as the shard-size-weighted
 * mean (the full batch's mean gradient, up to float summation order) and applies the one optimizer update, with
 * clipping and the non-finite-loss guard as `trainStep` does. The main thread alone holds the weights and the
 * optimizer state (checkpoints are unchanged); it shares the weights with the workers through one
 * SharedArrayBuffer before each step. A scoring pass's batches split the same way (`nllSum`: the validation NLL).
 */
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { AutoregressiveModel, Optimizer } from '@pixel-models/nn';
import type { ReplicaSpec, StepMessage, WorkerReply, WorkerSetup } from './messages';
import { lossAndGradients, nllSum, shardsOf } from './shards';
import { type ParameterLayout, layoutOf, sharedFloats, tensorsOf, writeFlat } from './shared-weights';

/** What training on several threads needs: how many, and how a worker builds its replica. */
export interface DataParallelOptions {
  /** Threads in all, the main one included (> 1). */
  threads: number;
  replica: ReplicaSpec;
}

/** Worker threads alive in this process (for tests: none may be left after a pool closes, however it ended). */
let alive = 0;
export const liveWorkers = (): number => alive;

/** A worker failed: its own error's name and message, its stack in `stack`. */
export class WorkerError extends Error {
  constructor(name: string, message: string, stack?: string) {
    super(message);
    this.name = name;
    if (stack) this.stack = stack;
  }
}

/** One worker thread: at most one request in flight. */
class Replica {
  private pending?: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void };
  private failure?: Error;
  private readonly exited: Promise<void>;

  constructor(
    private readonly worker: Worker,
    readonly grads: Float32Array,
  ) {
    alive++;
    this.exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        alive--;
        this.fail(new Error(`a data-parallel worker exited (code ${code}) in the middle of training`));
        resolve();
      }),
    );
    worker.on('error', (e) => this.fail(e));
    worker.on('messageerror', (e) => this.fail(e));
    worker.on('message', (m: WorkerReply) => {
      if (m.kind === 'error') this.fail(new WorkerError(m.name, m.message, m.stack));
      else this.settle(m);
    });
  }

  /** The next reply (after posting `message`, when given). */
  next(message?: StepMessage): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      if (message) this.worker.postMessage(message);
    });
  }

  private settle(m: WorkerReply): void {
    const p = this.pending;
    this.pending = undefined;
    p?.resolve(m);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(this.failure);
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
    await this.exited;
  }
}

export class DataParallelPool {
  private closed = false;

  private constructor(
    private readonly replicas: Replica[],
    private readonly weights: Float32Array,
    private readonly layout: ParameterLayout,
  ) {}

  get threads(): number {
    return this.replicas.length + 1;
  }

  /** Starts the workers and waits until each has built its replica; on any failure none is left running. */
  static async start(o: DataParallelOptions, variables: tf.Variable[]): Promise<DataParallelPool> {
    if (!Number.isInteger(o.threads) || o.threads < 2)
      throw new Error(`a data-parallel pool needs 2 threads or more, got ${o.threads}`);
    const layout = layoutOf(variables);
    const weights = sharedFloats(layout.size);
    const replicas: Replica[] = [];
    const pool = new DataParallelPool(replicas, weights, layout);
    try {
      for (let i = 1; i < o.threads; i++) {
        const setup: WorkerSetup = { replica: o.replica, layout, weights, grads: sharedFloats(layout.size) };
        const worker = new Worker(new URL('./bootstrap.mjs', import.meta.url), { workerData: setup });
        replicas.push(new Replica(worker, setup.grads));
      }
      await Promise.all(replicas.map((r) => r.next()));
      return pool;
    } catch (e) {
      await pool.close();
      throw e;
    }
  }

  /**
   * Writes the weights as they are now (also after a --resume restore) for the workers, splits `x` into one shard
   * per thread and sends shard i + 1 to worker i as `kind`. Resolves once every request has settled (failures
   * caught, so none is left unhandled), with the shards and each worker's reply (undefined for an empty shard).
   */
  private async scatter(
    kind: StepMessage['kind'],
    variables: tf.Variable[],
    x: tf.Tensor4D,
  ): Promise<{ shards: [number, number][]; replies: Promise<PromiseSettledResult<WorkerReply | undefined>[]> }> {
    if (this.closed) throw new Error('the data-parallel pool is closed');
    const [batch, h, w, c] = x.shape;
    const shards = shardsOf(batch, this.threads);
    await writeFlat(variables, this.weights, this.layout);
    const levels = (await x.data()) as Int32Array;
    const replies = shards.slice(1).map(([start, size], i) =>
      size === 0
        ? Promise.resolve(undefined)
        : this.replicas[i].next({
            kind,
            levels: levels.slice(start * h * w * c, (start + size) * h * w * c),
            shape: [size, h, w, c],
          }),
    );
    return { shards, replies: Promise.allSettled(replies) };
  }

  /** Shard 0 of `x` (this thread's): `x` itself when it is the whole batch, else a slice the caller disposes. */
  private static ownShard(x: tf.Tensor4D, size: number): tf.Tensor4D {
    const [batch, h, w, c] = x.shape;
    return size === batch ? x : tf.slice(x, [0, 0, 0, 0], [size, h, w, c]);
  }

  /** The workers' replies of kind `kind`, or the first failure thrown. */
  private static replied(
    results: PromiseSettledResult<WorkerReply | undefined>[],
    kind: WorkerReply['kind'],
  ): (WorkerReply | undefined)[] {
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return results.map((r) => {
      const value = (r as PromiseFulfilledResult<WorkerReply | undefined>).value;
      if (value && value.kind !== kind) throw new Error(`a data-parallel worker replied ${value.kind} to ${kind}`);
      return value;
    });
  }

  /**
   * One training step on batch `x`, as `trainStep(model, optimizer, x)` on one thread: resolves to the batch's mean
   * loss; a non-finite loss leaves the weights and the optimizer unchanged (the optimizer's guard).
   */
  async step(model: AutoregressiveModel, optimizer: Optimizer, x: tf.Tensor4D): Promise<number> {
    const variables = model.trainableVariables;
    const batch = x.shape[0];
    const { shards, replies } = await this.scatter('step', variables, x);
    // Shard 0, on this thread, while the workers compute theirs.
    const [, size0] = shards[0];
    const x0 = DataParallelPool.ownShard(x, size0);
    const own = lossAndGradients(model, x0, variables);
    if (x0 !== x) x0.dispose();
    let grads: tf.Tensor[] | undefined;
    let loss: tf.Scalar | undefined;
    try {
      const flat = new Float32Array(this.layout.size);
      await writeFlat(own.grads, flat, this.layout);
      const [ownLoss] = await own.value.data();
      const results = DataParallelPool.replied(await replies, 'grads');
      // The shard-size-weighted mean of the shards' mean gradients and losses = the batch's mean.
      let total = (ownLoss * size0) / batch;
      const sum = Float64Array.from(flat, (g) => (g * size0) / batch);
      results.forEach((value, i) => {
        if (value?.kind !== 'grads') return; // an empty shard
        const share = shards[i + 1][1] / batch;
        total += value.loss * share;
        const g = this.replicas[i].grads;
        for (let k = 0; k < sum.length; k++) sum[k] += g[k] * share;
      });
      flat.set(sum);
      grads = tensorsOf(flat, this.layout);
      loss = tf.scalar(total);
      return await optimizer.update(grads, loss);
    } finally {
      tf.dispose([own.value, ...own.grads, ...(grads ?? []), ...(loss ? [loss] : [])]);
    }
  }

  /**
   * The summed NLL (nats) of the images of `x` under the model's current weights, each thread scoring its shard:
   * a scoring pass's batch (validation), equal to one thread's up to float summation order.
   */
  async nllSum(model: AutoregressiveModel, x: tf.Tensor4D): Promise<number> {
    const { shards, replies } = await this.scatter('nll', model.trainableVariables, x);
    const x0 = DataParallelPool.ownShard(x, shards[0][1]);
    const own = await nllSum(model, x0).finally(() => {
      if (x0 !== x) x0.dispose();
    });
    let total = own;
    for (const value of DataParallelPool.replied(await replies, 'nll')) if (value?.kind === 'nll') total += value.sum;
    return total;
  }

  /** Terminates every worker and waits until each has exited. Safe to call more than once. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.replicas.map((r) => r.terminate()));
  }
}

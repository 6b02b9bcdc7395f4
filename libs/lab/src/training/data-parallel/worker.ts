/**
 * A data-parallel training worker (started by pool.ts through bootstrap.mjs): its own wasm backend and a replica of
 * the model, built by the experiment's own `createModel`. Each step it takes the main thread's weights from shared
 * memory, computes the mean NLL and gradients of its shard, writes the gradients to its shared buffer and replies
 * with the loss. It holds no optimizer state: the main thread applies the update.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { type AutoregressiveModel, activateWasm } from '@pixel-models/nn';
import type { ComparisonFactory, ReplicaFactory, StepMessage, WorkerReply, WorkerSetup } from './messages';
import { lossAndGradients, nllSum } from './shards';
import { assignFlat, layoutMismatch, layoutOf, writeFlat } from './shared-weights';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const reply = (m: WorkerReply) => port.postMessage(m);
const replyError = (e: unknown) => {
  const err = e instanceof Error ? e : new Error(String(e));
  reply({ kind: 'error', name: err.name, message: err.message, stack: err.stack });
};

const named = (e: unknown, name: string): e is { name: string } =>
  typeof e === 'object' && e !== null && (e as { name?: unknown }).name === name;
const isFactory = (e: unknown): e is ReplicaFactory => typeof (e as ReplicaFactory).createModel === 'function';
const isComparison = (e: unknown): e is ComparisonFactory => typeof (e as ComparisonFactory).groups === 'function';

/** The replica, built as the main thread built its model (see ReplicaSpec). */
function buildReplica(found: ReplicaFactory | ComparisonFactory, r: WorkerSetup['replica']): AutoregressiveModel {
  if (isFactory(found)) return found.createModel(r.config as never, r.seed, r.variant);
  const c = r.config as { preset: string; cifarDir?: string; group: string; entry: string };
  const entry = found
    .groups({ preset: c.preset, cifarDir: c.cifarDir })
    .find((g) => g.key === c.group)
    ?.entries.find((e) => e.key === c.entry);
  if (!entry || r.channels === undefined || r.levels === undefined)
    throw new Error(`${r.experiment} has no model ${c.group}/${c.entry} to build a replica of`);
  return entry.createModel(r.channels, r.levels, r.seed);
}

async function start() {
  tf.env().set('PROD', true);
  await activateWasm();
  const { replica } = setup;
  const mod = (await import(replica.module)) as Record<string, unknown>;
  const found = Object.values(mod).find(
    (e): e is ReplicaFactory | ComparisonFactory => named(e, replica.experiment) && (isFactory(e) || isComparison(e)),
  );
  if (!found)
    throw new Error(
      `${replica.module} exports no experiment named "${replica.experiment}" with a createModel or groups`,
    );
  const model = buildReplica(found, replica);
  const variables = model.trainableVariables;
  const mismatch = layoutMismatch(setup.layout, layoutOf(variables));
  if (mismatch) throw new Error(`the worker's replica of ${model.name} differs from the main thread's: ${mismatch}`);
  return { model, variables };
}

const started = start();

port.on('message', (m: StepMessage) => {
  void (async () => {
    try {
      const { model, variables } = await started;
      assignFlat(variables, setup.weights, setup.layout);
      const x = tf.tensor4d(m.levels, m.shape, 'int32');
      if (m.kind === 'nll') {
        const sum = await nllSum(model, x).finally(() => x.dispose());
        reply({ kind: 'nll', sum });
        return;
      }
      const { value, grads } = lossAndGradients(model, x, variables);
      x.dispose();
      try {
        const [loss] = await value.data();
        await writeFlat(grads, setup.grads, setup.layout);
        reply({ kind: 'grads', loss });
      } finally {
        tf.dispose([value, ...grads]);
      }
    } catch (e) {
      replyError(e);
    }
  })();
});

started.then(() => reply({ kind: 'ready' }), replyError);

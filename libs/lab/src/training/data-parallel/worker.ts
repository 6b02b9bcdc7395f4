/**
 * A data-parallel training worker (started by pool.ts through bootstrap.mjs): its own wasm backend and a replica of
 * the model, built by the experiment's own `createModel`. Each step it takes the main thread's weights from shared
 * memory, computes the mean NLL and gradients of its shard, writes the gradients to its shared buffer and replies
 * with the loss. It holds no optimizer state: the main thread applies the update.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { activateWasm } from '@pixel-models/nn';
import type { ReplicaFactory, StepMessage, WorkerReply, WorkerSetup } from './messages';
import { lossAndGradients } from './shards';
import { assignFlat, layoutMismatch, layoutOf, writeFlat } from './shared-weights';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const reply = (m: WorkerReply) => port.postMessage(m);
const replyError = (e: unknown) => {
  const err = e instanceof Error ? e : new Error(String(e));
  reply({ kind: 'error', name: err.name, message: err.message, stack: err.stack });
};

const isFactory = (e: unknown, name: string): e is ReplicaFactory =>
  typeof e === 'object' &&
  e !== null &&
  (e as ReplicaFactory).name === name &&
  typeof (e as ReplicaFactory).createModel === 'function';

async function start() {
  tf.env().set('PROD', true);
  await activateWasm();
  const { replica } = setup;
  const mod = (await import(replica.module)) as Record<string, unknown>;
  const factory = Object.values(mod).find((e) => isFactory(e, replica.experiment));
  if (!factory)
    throw new Error(`${replica.module} exports no experiment named "${replica.experiment}" with a createModel`);
  const model = factory.createModel(replica.config as never, replica.seed, replica.variant);
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

/** Exact mean NLL of an image set under a model, in nats per image and bits per dimension. */
import * as tf from '@tensorflow/tfjs';
import {
  bitsPerDim,
  nllPerImage,
  readScalar,
  type AutoregressiveModel,
  type LevelSet,
  batchCount,
  gatherBatch,
  inOrder,
  levelSetDims,
} from '@pixel-models/nn';
import { type StopFlag, stopPoint } from '../signals';

/** Builds the conditioning input of a batch (labels, an encoder's embedding, ...), or nothing. */
export type ConditionFn = (batch: { x: tf.Tensor4D; labels?: Uint8Array }) => tf.Tensor | undefined;

export interface NllResult {
  nats: number;
  bitsPerDim: number;
  images: number;
}

/** The summed NLL (nats) of the images of `x`, a scalar on the device: what a scoring pass adds up per batch. */
export const summedNll = (model: AutoregressiveModel, x: tf.Tensor4D, condition?: tf.Tensor): tf.Scalar =>
  tf.tidy(() => tf.sum(nllPerImage(model.logits(x, condition), x)));

export async function evaluateNll(
  model: AutoregressiveModel,
  set: LevelSet,
  {
    batchSize = 100,
    condition,
    onBatch,
    stop,
    batchSum,
  }: {
    batchSize?: number;
    condition?: ConditionFn;
    onBatch?: (done: number, total: number) => void;
    stop?: StopFlag;
    /** Scores a batch elsewhere (a data-parallel pool's threads): its summed NLL. Unconditional models only. */
    batchSum?: (x: tf.Tensor4D) => Promise<number>;
  } = {},
): Promise<NllResult> {
  if (batchSum && condition) throw new Error('evaluateNll: batchSum scores unconditional models only');
  const order = inOrder(set.count);
  const batches = batchCount(set.count, batchSize);
  // Each batch's sum is read back without waiting for it (the device keeps working); the sums are added in
  // batch order in double precision, as before.
  const sums: Promise<number>[] = [];
  for (let b = 0; b < batches; b++) {
    const { x, labels } = gatherBatch(set, order, b, batchSize);
    if (batchSum) {
      // One batch at a time: the pool's workers take one request each.
      sums.push(Promise.resolve(await batchSum(x).finally(() => x.dispose())));
    } else {
      const sum = tf.tidy(() => summedNll(model, x, condition?.({ x, labels }))); // the tidy frees the condition
      x.dispose();
      sums.push(readAndDispose(sum));
    }
    onBatch?.(b + 1, batches);
    if (stop) {
      // A stop abandons the pass: settle the reads already started so no tensor is left undisposed.
      try {
        await stopPoint(stop);
      } catch (e) {
        await Promise.allSettled(sums);
        throw e;
      }
    }
  }
  let total = 0;
  for (const s of await Promise.all(sums)) total += s;
  const nats = total / set.count;
  return { nats, bitsPerDim: bitsPerDim(nats, levelSetDims(set)), images: set.count };
}

async function readAndDispose(t: tf.Tensor): Promise<number> {
  try {
    return await readScalar(t);
  } finally {
    t.dispose();
  }
}

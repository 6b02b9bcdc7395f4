/** Exact mean NLL of an image set under a model, in nats per image and bits per dimension. */
import * as tf from '@tensorflow/tfjs';
import { bitsPerDim, nllPerImage } from '../metrics';
import type { AutoregressiveModel } from '../model';
import { type LevelSet, batchCount, gatherBatch, inOrder, levelSetDims } from './batches';

/** Builds the conditioning input of a batch (labels, an encoder's embedding, ...), or nothing. */
export type ConditionFn = (batch: { x: tf.Tensor4D; labels?: Uint8Array }) => tf.Tensor | undefined;

export interface NllResult {
  nats: number;
  bitsPerDim: number;
  images: number;
}

export function evaluateNll(
  model: AutoregressiveModel,
  set: LevelSet,
  { batchSize = 100, condition, onBatch }: { batchSize?: number; condition?: ConditionFn; onBatch?: (done: number, total: number) => void } = {},
): NllResult {
  const order = inOrder(set.count);
  const batches = batchCount(set.count, batchSize);
  let total = 0;
  for (let b = 0; b < batches; b++) {
    const { x, labels } = gatherBatch(set, order, b, batchSize);
    total += tf.tidy(() => tf.sum(nllPerImage(model.logits(x, condition?.({ x, labels })), x)).dataSync()[0]);
    x.dispose();
    onBatch?.(b + 1, batches);
  }
  const nats = total / set.count;
  return { nats, bitsPerDim: bitsPerDim(nats, levelSetDims(set)), images: set.count };
}

/** Splitting a batch across threads, and what each thread computes on its part. */
import * as tf from '@tensorflow/tfjs';
import { type AutoregressiveModel, meanNll } from '@pixel-models/nn';
import { summedNll } from '../evaluate';

/**
 * `batch` images in `parts` contiguous shards, as even as can be (the first `batch % parts` get one more); a batch
 * smaller than `parts` leaves the last shards empty. Returns [start, size] per shard.
 */
export function shardsOf(batch: number, parts: number): [number, number][] {
  const base = Math.floor(batch / parts);
  const extra = batch % parts;
  const shards: [number, number][] = [];
  for (let i = 0, start = 0; i < parts; i++) {
    const size = base + (i < extra ? 1 : 0);
    shards.push([start, size]);
    start += size;
  }
  return shards;
}

/**
 * The mean NLL of `x` and its gradients for `variables`, exactly as `trainStep` computes them: the caller disposes
 * both. Every thread computes its shard with this.
 */
export function lossAndGradients(
  model: AutoregressiveModel,
  x: tf.Tensor4D,
  variables: tf.Variable[],
): { value: tf.Scalar; grads: tf.Tensor[] } {
  const { value, grads } = tf.tidy(() => tf.variableGrads(() => meanNll(model.logits(x), x), variables));
  return { value, grads: variables.map((v) => grads[v.name]) };
}

/** The summed NLL of the images of `x` (nats), as a scoring pass adds them: every thread scores its shard with this. */
export async function nllSum(model: AutoregressiveModel, x: tf.Tensor4D): Promise<number> {
  const sum = summedNll(model, x);
  try {
    return (await sum.data())[0];
  } finally {
    sum.dispose();
  }
}

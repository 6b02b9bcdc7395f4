/**
 * Likelihood metrics from the Q-way softmax: exact negative log-likelihood per image in nats, and bits per
 * dimension (nats / (H*W*C * ln 2)), the units of the papers' tables (nats for binarized MNIST, bits/dim for
 * CIFAR-10 and ImageNet).
 */
import * as tf from '@tensorflow/tfjs';

/** -log p(x) per image in nats: logits [B, H, W, C, Q], levels int32 [B, H, W, C] -> [B]. */
export function nllPerImage(logits: tf.Tensor5D, levels: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => {
    const q = logits.shape[4];
    const logp = tf.logSoftmax(logits, -1);
    const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.cast(levels, 'int32'), q)), -1); // [B, H, W, C]
    return tf.neg(tf.sum(picked, [1, 2, 3])) as tf.Tensor1D;
  });
}

/** Mean NLL over the batch in nats: the training loss. */
export function meanNll(logits: tf.Tensor5D, levels: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => tf.mean(nllPerImage(logits, levels)));
}

export function bitsPerDim(natsPerImage: number, dims: number): number {
  return natsPerImage / (dims * Math.LN2);
}

export function natsFromBitsPerDim(bpd: number, dims: number): number {
  return bpd * dims * Math.LN2;
}

/**
 * Likelihood metrics from the Q-way softmax: exact negative log-likelihood per image in nats, and bits per
 * dimension (nats / (H*W*C * ln 2)), the units of the papers' tables (nats for binarized MNIST, bits/dim for
 * CIFAR-10 and ImageNet).
 */
import * as tf from '@tensorflow/tfjs';
import { onWebgpu } from './webgpu/program';
import { softmaxCrossEntropyPerImage } from './webgpu/softmax-xent';

/**
 * -log p(x) per image in nats: logits [B, H, W, C, Q], levels int32 [B, H, W, C] -> [B]. The gradient is the
 * closed form (softmax - onehot) * dy: one pass over the logits instead of the several of tfjs's generic
 * log-softmax and one-hot product gradients (the softmax-CE gradient is among the slow WebGPU backward ops in
 * shared/measurements.md). On webgpu, fused kernels: 2 dispatches forward, 1 backward.
 */
export function nllPerImage(logits: tf.Tensor5D, levels: tf.Tensor4D): tf.Tensor1D {
  if (onWebgpu()) return tf.tidy(() => softmaxCrossEntropyPerImage(logits, tf.cast(levels, 'int32') as tf.Tensor4D));
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.cast(levels, 'int32'), logits.shape[4]); // [B, H, W, C, Q]
    const nll = tf.customGrad(((...args: unknown[]) => {
      const [z, save] = args as [tf.Tensor5D, tf.GradSaveFunc];
      const logp = tf.logSoftmax(z, -1);
      save([logp, onehot]); // saved tensors outlive this tidy; the gradient runs after it
      return {
        value: tf.neg(tf.sum(tf.mul(logp, onehot), [1, 2, 3, 4])),
        gradFunc: (dy: tf.Tensor, [logpSaved, onehotSaved]: tf.Tensor[]) =>
          tf.mul(tf.sub(tf.exp(logpSaved), onehotSaved), tf.reshape(dy, [-1, 1, 1, 1, 1])),
      };
    }) as Parameters<typeof tf.customGrad>[0]) as (z: tf.Tensor5D) => tf.Tensor1D;
    return nll(logits);
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

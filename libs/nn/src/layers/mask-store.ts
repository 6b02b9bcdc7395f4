/** Owns the constant masks of a model (disposed with it). */
import type * as tf from '@tensorflow/tfjs';

export class MaskStore {
  private readonly tensors: tf.Tensor[] = [];

  keep<T extends tf.Tensor>(t: T): T;
  keep<T extends tf.Tensor>(t: T | undefined): T | undefined;
  keep<T extends tf.Tensor>(t: T | undefined): T | undefined {
    if (t) this.tensors.push(t);
    return t;
  }

  dispose(): void {
    for (const t of this.tensors) t.dispose();
    this.tensors.length = 0;
  }
}

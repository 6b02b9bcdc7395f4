/** Class labels as the conditioning vector h of the Gated PixelCNN paper (section 2.3): one-hot encodings. */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@pixel-models/nn';

export function oneHotLabels(labels: ArrayLike<number>, classes: number): tf.Tensor2D {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= classes) {
      throw new ConfigError(`label ${l} (image ${i}) is out of range: labels must be integers 0..${classes - 1}`);
    }
  }
  return tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), classes).toFloat() as tf.Tensor2D);
}

import * as tf from '@tensorflow/tfjs';
import { meanNll } from '../metrics';
import type { AutoregressiveModel } from '../model';
import type { Adam } from './adam';

export interface TrainStepOptions {
  /**
   * Builds the conditioning input for the model's gates (class one-hots, embeddings). Called inside the gradient
   * tape, so a trainable encoder that produces it (the auto-encoder's) gets its gradients too.
   */
  condition?: () => tf.Tensor | undefined;
}

/**
 * One training step on a batch of levels: the mean NLL, its gradients and an Adam update. Returns the loss; a
 * loss that is not finite is returned without updating, so a diverged step never reaches the weights.
 */
export function trainStep(model: AutoregressiveModel, adam: Adam, x: tf.Tensor4D, opts: TrainStepOptions = {}): number {
  const variables = model.trainableVariables;
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => meanNll(model.logits(x, opts.condition?.()), x), variables);
    const loss = value.dataSync()[0];
    if (Number.isFinite(loss)) adam.apply(variables.map((v) => grads[v.name]));
    return loss;
  });
}

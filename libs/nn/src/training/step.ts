import * as tf from '@tensorflow/tfjs';
import { meanNll } from '../metrics';
import type { AutoregressiveModel } from '../model';
import type { Optimizer } from './optimizer';

export interface TrainStepOptions {
  /**
   * Builds the conditioning input for the model's gates (class one-hots, embeddings). Called inside the gradient
   * tape, so a trainable encoder that produces it (the auto-encoder's) gets its gradients too.
   */
  condition?: () => tf.Tensor | undefined;
}

/**
 * One training step on a batch of levels: the mean NLL, its gradients and an optimizer update. Resolves to the
 * loss; a loss that is not finite leaves the weights and the optimizer's state unchanged, so a diverged step
 * never reaches them. The one value read back per step is that loss.
 */
export async function trainStep(
  model: AutoregressiveModel,
  optimizer: Optimizer,
  x: tf.Tensor4D,
  opts: TrainStepOptions = {},
): Promise<number> {
  const variables = model.trainableVariables;
  const { value, grads } = tf.tidy(() =>
    tf.variableGrads(() => meanNll(model.logits(x, opts.condition?.()), x), variables),
  );
  try {
    return await optimizer.update(
      variables.map((v) => grads[v.name]),
      value,
    );
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
}

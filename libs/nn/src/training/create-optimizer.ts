/** Builds the optimizer named in the training options (`--optimizer adam|rmsprop`). */
import type * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import { Adam } from './adam';
import { OPTIMIZER_NAMES, type Optimizer, type OptimizerName, type OptimizerOptions } from './optimizer';
import { RmsProp } from './rmsprop';

export function createOptimizer(name: OptimizerName, variables: tf.Variable[], options: OptimizerOptions): Optimizer {
  switch (name) {
    case 'adam':
      return new Adam(variables, options);
    case 'rmsprop':
      return new RmsProp(variables, options);
    default:
      throw new ConfigError(`unknown optimizer "${String(name)}": use one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
}

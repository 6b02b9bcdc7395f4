/**
 * The Row LSTM's config and layers (row-lstm.ts has the paper's table), in one module that both the forward pass
 * (row-lstm.ts) and the cached sampler (incremental-row-lstm.ts) import, so neither imports the other's types.
 */
import type * as tf from '@tensorflow/tfjs';
import type { OutputHead, Variable1D, Variable4D } from '@pixel-models/nn';
import type { FirstLayer, PixelRnnBaseConfig, RecurrentLayerOutputs } from './common';

export interface RowLstmConfig extends PixelRnnBaseConfig {
  /** Width k of K^is and K^ss (the paper: 3). Odd. */
  kernel: number;
  /** Skip connections (sec 3.3): every layer also feeds the output head through its own 1x1 conv. */
  skip: boolean;
}

export interface RowLstmLayer extends RecurrentLayerOutputs {
  is: { w: Variable4D; b: Variable1D }; // K^is [1, k, 2h, 4h]
  ss: { w: Variable4D }; // K^ss [1, k, h, 4h] (its bias would duplicate K^is's)
}

/** The model's layers and masks (read only outside the model). */
export interface RowLstmLayers {
  first: FirstLayer;
  layers: RowLstmLayer[];
  head: OutputHead;
  isMask: tf.Tensor4D; // K^is, all layers
  outMask: tf.Tensor2D | undefined; // the 1x1 out and skip projections, all layers
}

/**
 * The Diagonal BiLSTM's config and layers (diagonal-bilstm.ts has the paper's table), in one module that both the
 * forward pass (diagonal-bilstm.ts) and the cached sampler (incremental-diagonal-bilstm.ts) import, so neither
 * imports the other's types.
 */
import type * as tf from '@tensorflow/tfjs';
import type { OutputHead, Variable1D, Variable2D } from '@pixel-models/nn';
import type { FirstLayer, PixelRnnBaseConfig, RecurrentLayerOutputs } from './common';

export interface DiagonalBiLstmConfig extends PixelRnnBaseConfig {
  /** Skip connections (sec 3.3): every layer also feeds the output head through its own 1x1 conv. */
  skip: boolean;
}

export interface Direction {
  is: { w: Variable2D; b: Variable1D }; // K^is, 1x1 [2h, 4h]
  ss: { w: Variable2D }; // K^ss, 2 x 1: [2h, 4h], rows 0..h-1 the tap at row r-1, rows h..2h-1 the tap at row r
}

export interface DiagonalLayer extends RecurrentLayerOutputs {
  forward: Direction; // left to right
  backward: Direction; // on the mirror image
}

/** The model's layers and masks (read only outside the model). */
export interface DiagonalBiLstmLayers {
  first: FirstLayer;
  layers: DiagonalLayer[];
  head: OutputHead;
  isMask: tf.Tensor2D | undefined; // K^is, all layers and both directions
  outMask: tf.Tensor2D | undefined; // the 1x1 out and skip projections, all layers
}

/**
 * PixelCNN's config and layers (pixelcnn.ts has the paper's table), in one module that both the forward pass
 * (pixelcnn.ts) and the cached sampler (incremental-pixelcnn.ts) import, so neither imports the other's types.
 */
import type * as tf from '@tensorflow/tfjs';
import type { MaskType, OutputHead, Variable1D, Variable2D, Variable4D } from '@pixel-models/nn';
import type { FirstLayer, PixelRnnBaseConfig } from './common';

export interface PixelCnnConfig extends PixelRnnBaseConfig {
  /** Kernel of the masked convolution inside each residual block (the paper: 3). Odd. */
  kernel: number;
  /** Mask of the first layer: 'A' (correct) or 'B' (ablation: the model sees the pixel it predicts). */
  firstMask: MaskType;
}

/** Residual block l: ReLU - 1x1 down - ReLU - k x k mask B - ReLU - 1x1 up. */
export interface ResidualBlock {
  down: { w: Variable2D; b: Variable1D }; // 1x1, 2h -> h
  conv: { w: Variable4D; b: Variable1D }; // k x k mask B, h -> h
  up: { w: Variable2D; b: Variable1D }; // 1x1, h -> 2h
}

/** The model's layers and masks (read only outside the model). */
export interface PixelCnnLayers {
  first: FirstLayer;
  blocks: ResidualBlock[];
  head: OutputHead;
  downMask: tf.Tensor2D | undefined; // the blocks' masks, shared by all blocks
  convMask: tf.Tensor4D;
  upMask: tf.Tensor2D | undefined;
}

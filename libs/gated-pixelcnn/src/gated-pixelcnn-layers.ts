/**
 * The Gated PixelCNN's config, conditioning interface and layers (gated-pixelcnn.ts has the paper's description),
 * in one module that both the forward pass (gated-pixelcnn.ts) and the cached sampler (incremental.ts) import,
 * so neither imports the other's types.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageModelConfig, OutputHead, Variable1D, Variable2D, Variable4D } from '@pixel-models/nn';

export interface GatedPixelCnnConfig extends ImageModelConfig {
  /** Gated layers, the first included. */
  layers: number;
  /** Features per stack (F); the gates use 2F. A multiple of `channels`. */
  filters: number;
  /** Kernel size n of the first layer (the paper: 7). Odd. */
  firstKernel: number;
  /** Kernel size n of later layers (3). Odd. */
  kernel: number;
  /** Hidden features of the output head (a multiple of `channels`). */
  headFilters: number;
  /** Skip connections from every layer to the output head. */
  skip: boolean;
  /** 'vertical-horizontal': the paper's split stacks; 'masked': gated masked convolutions (blind spot). */
  stacks: 'vertical-horizontal' | 'masked';
  /**
   * Colour groups R -> G -> B at the current pixel (the PixelRNN factorisation). `false` is the ablation: all
   * features form one group, so no channel of the current pixel sees another (each is predicted from earlier
   * pixels only; still a valid model).
   */
  colourGroups: boolean;
}

/**
 * Adds conditioning to the gates: V_f^T h and V_g^T h (or a spatial map through 1x1 convolutions) for one
 * layer and stack: the f and g halves, each broadcastable to [B, H, W, F]. Implemented in libs/conditioning.
 */
export interface GateConditioner {
  /** Names the conditioning in the model's name, e.g. 'vector-conditional'. */
  readonly kind: string;
  gateBias(
    layer: number,
    stack: 'vertical' | 'horizontal',
    condition: tf.Tensor,
    size: [number, number, number],
  ): GatePair;
  readonly variables: tf.Variable[];
  dispose(): void;
}

/** The gate's two halves, tanh(f) ⊙ σ(g): pre-activations [B, H, W, F], or biases broadcastable to them. */
export interface GatePair<T extends tf.Tensor = tf.Tensor> {
  f: T;
  g: T;
}

/** Gated layer l: both stacks (or the masked n x n convolution of the ablation), the 1x1 out and skip. */
export interface GatedLayer {
  vertical?: { w: Variable4D; b: Variable1D }; // [n/2+1, n, Cin, 2F]
  verticalToHorizontal?: { w: Variable2D }; // [2F, 2F]
  horizontal: { w: Variable4D; b: Variable1D; mask: tf.Tensor4D }; // [1, n/2+1, Cin, 2F] (masked: [n, n, Cin, 2F])
  horizontalMaskHalves?: { f: tf.Tensor4D; g: tf.Tensor4D };
  out: { w: Variable2D; b: Variable1D }; // [F, F]
  skip?: { w: Variable2D; b: Variable1D }; // [F, F]
}

/** The model's layers, masks and conditioner (read only outside the model). */
export interface GatedPixelCnnLayers {
  layers: GatedLayer[];
  head: OutputHead;
  outMask: tf.Tensor2D | undefined; // the 1x1 out and skip convolutions, all layers
  conditioner: GateConditioner | undefined;
}

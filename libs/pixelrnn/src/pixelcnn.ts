/**
 * PixelCNN — van den Oord, Kalchbrenner, Kavukcuoglu, "Pixel Recurrent Neural Networks", ICML 2016, sec 3.4,
 * Figure 4 (masks) and Figure 5 / Table 1 (residual block).
 *
 *   7x7 conv, mask A            C  -> 2h
 *   residual blocks (x layers): ReLU - 1x1 conv 2h -> h - ReLU - 3x3 conv h -> h (mask B) - ReLU - 1x1 h -> 2h,
 *                               added to the block's input
 *   2 output layers:            ReLU - 1x1 conv - ReLU - 1x1 conv to C x Q logits (mask B)
 *
 * Features are split into C colour groups; the 1x1 convolutions carry colour mask B too. Stacked masked
 * convolutions grow a triangular receptive field with a blind spot above-right of the current pixel.
 * `firstMask: 'B'` is the ablation that lets every pixel read itself (a leak the autoregressive check catches).
 */
import * as tf from '@tensorflow/tfjs';
import { type AutoregressiveModel, ConfigError, type MaskType, Params, colourGroups, colourMask1x1, conv1x1, levelsToInput, mask, maskedConv2d } from '@pixel-models/nn';
import type { PixelCnnParts } from './incremental-pixelcnn';
import { FirstLayer, MaskStore, OutputHead, type PixelRnnBaseConfig, checkBaseConfig, oddKernel, resolveConfig } from './common';

export interface PixelCnnConfig extends PixelRnnBaseConfig {
  /** Kernel of the masked convolution inside each residual block (the paper: 3). Odd. */
  kernel: number;
  /** Mask of the first layer: 'A' (correct) or 'B' (ablation: the model sees the pixel it predicts). */
  firstMask: MaskType;
}

export const DEFAULT_PIXELCNN_CONFIG: PixelCnnConfig = {
  channels: 1,
  levels: 2,
  layers: 7,
  hidden: 16,
  firstKernel: 7,
  kernel: 3,
  headFilters: 32,
  residual: true,
  firstMask: 'A',
};

interface Block {
  down: { w: tf.Variable; b: tf.Variable }; // 1x1, 2h -> h
  conv: { w: tf.Variable; b: tf.Variable }; // k x k mask B, h -> h
  up: { w: tf.Variable; b: tf.Variable }; // 1x1, h -> 2h
}

export class PixelCnn implements AutoregressiveModel<PixelCnnConfig> {
  readonly name = 'pixelcnn';
  readonly config: PixelCnnConfig;
  readonly params: Params;
  private readonly masks = new MaskStore();
  private readonly first: FirstLayer;
  private readonly blocks: Block[] = [];
  private readonly head: OutputHead;
  private readonly downMask: tf.Tensor2D | undefined;
  private readonly convMask: tf.Tensor4D;
  private readonly upMask: tf.Tensor2D | undefined;

  constructor(config: Partial<PixelCnnConfig>, seed: number) {
    this.config = resolveConfig(DEFAULT_PIXELCNN_CONFIG, config);
    const c = this.config;
    checkBaseConfig(this.name, c);
    oddKernel(this.name, 'kernel', c.kernel);
    if (c.firstMask !== 'A' && c.firstMask !== 'B') throw new ConfigError(`pixelcnn: firstMask must be 'A' or 'B', got ${String(c.firstMask)}`);
    const { channels: C, hidden: h, kernel: k } = c;
    const p = (this.params = new Params(seed));
    this.first = new FirstLayer(p, this.masks, c, c.firstMask);
    for (let l = 1; l <= c.layers; l++) {
      this.blocks.push({
        down: { w: p.weight(`layer${l}.down.w`, [2 * h, h], 2 * h), b: p.bias(`layer${l}.down.b`, h) },
        conv: { w: p.weight(`layer${l}.conv.w`, [k, k, h, h], k * k * h), b: p.bias(`layer${l}.conv.b`, h) },
        up: { w: p.weight(`layer${l}.up.w`, [h, 2 * h], h), b: p.bias(`layer${l}.up.b`, 2 * h) },
      });
    }
    this.head = new OutputHead(p, this.masks, c);
    const groups = colourGroups(h, C);
    this.downMask = this.masks.keep(colourMask1x1(2 * h, h, C));
    this.convMask = this.masks.keep(mask({ kernel: [k, k], type: 'B', inGroups: groups, outGroups: groups }));
    this.upMask = this.masks.keep(colourMask1x1(h, 2 * h, C));
  }

  get trainableVariables(): tf.Variable[] {
    return this.params.variables;
  }

  /** Weights and masks for the incremental sampler (incremental-pixelcnn.ts); read only. */
  incrementalParts(): PixelCnnParts {
    return { config: this.config, first: this.first, blocks: this.blocks, head: this.head, downMask: this.downMask, convMask: this.convMask, upMask: this.upMask };
  }

  logits(x: tf.Tensor4D): tf.Tensor5D {
    return tf.tidy(() => this.logitsFromInput(levelsToInput(x, this.config.levels)));
  }

  logitsFromInput(input: tf.Tensor4D): tf.Tensor5D {
    return tf.tidy(() => {
      let x = this.first.apply(input); // [B, H, W, 2h]
      for (const { down, conv, up } of this.blocks) {
        const a = tf.relu(conv1x1(tf.relu(x), down.w as tf.Tensor2D, down.b as tf.Tensor1D, this.downMask)); // [B, H, W, h]
        const b = tf.relu(maskedConv2d(a, conv.w as tf.Tensor4D, this.convMask, conv.b as tf.Tensor1D)); // [B, H, W, h]
        const y = conv1x1(b, up.w as tf.Tensor2D, up.b as tf.Tensor1D, this.upMask); // [B, H, W, 2h]
        x = this.config.residual ? tf.add(x, y) : y;
      }
      return this.head.apply(x); // [B, H, W, C, Q]
    });
  }

  dispose(): void {
    this.params.dispose();
    this.masks.dispose();
  }
}

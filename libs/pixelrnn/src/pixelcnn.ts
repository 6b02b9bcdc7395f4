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
import {
  type AutoregressiveModel,
  ConfigError,
  type IncrementalSampler,
  MaskStore,
  Params,
  colourGroups,
  colourMask1x1,
  conv1x1,
  levelsToInput,
  mask,
  maskedConv2d,
  oddKernel,
} from '@pixel-models/nn';
import { FirstLayer, checkBaseConfig, outputHead, resolveConfig } from './common';
import { pixelCnnSampler } from './incremental-pixelcnn';
import type { PixelCnnConfig, PixelCnnLayers, ResidualBlock } from './pixelcnn-layers';

export type { PixelCnnConfig } from './pixelcnn-layers';

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

export class PixelCnn implements AutoregressiveModel<PixelCnnConfig> {
  readonly name = 'pixelcnn';
  readonly config: PixelCnnConfig;
  readonly params: Params;
  private readonly masks = new MaskStore();
  private readonly net: PixelCnnLayers;

  constructor(config: Partial<PixelCnnConfig>, seed: number) {
    this.config = resolveConfig(DEFAULT_PIXELCNN_CONFIG, config);
    const c = this.config;
    checkBaseConfig(this.name, c);
    oddKernel(this.name, 'kernel', c.kernel);
    if (c.firstMask !== 'A' && c.firstMask !== 'B')
      throw new ConfigError(`pixelcnn: firstMask must be 'A' or 'B', got ${String(c.firstMask)}`);
    const { channels: C, hidden: h, kernel: k } = c;
    const p = (this.params = new Params(seed));
    const first = new FirstLayer(p, this.masks, c, c.firstMask);
    const blocks: ResidualBlock[] = [];
    for (let l = 1; l <= c.layers; l++) {
      blocks.push({
        down: { w: p.weight(`layer${l}.down.w`, [2 * h, h], 2 * h), b: p.bias(`layer${l}.down.b`, h) },
        conv: { w: p.weight(`layer${l}.conv.w`, [k, k, h, h], k * k * h), b: p.bias(`layer${l}.conv.b`, h) },
        up: { w: p.weight(`layer${l}.up.w`, [h, 2 * h], h), b: p.bias(`layer${l}.up.b`, 2 * h) },
      });
    }
    const head = outputHead(p, this.masks, c);
    const groups = colourGroups(h, C);
    this.net = {
      first,
      blocks,
      head,
      downMask: this.masks.keep(colourMask1x1(2 * h, h, C)),
      convMask: this.masks.keep(mask({ kernel: [k, k], type: 'B', inGroups: groups, outGroups: groups })),
      upMask: this.masks.keep(colourMask1x1(h, 2 * h, C)),
    };
  }

  get trainableVariables(): tf.Variable[] {
    return this.params.variables;
  }

  incrementalSampler(): IncrementalSampler {
    return pixelCnnSampler(this.config, this.net);
  }

  logits(x: tf.Tensor4D): tf.Tensor5D {
    return tf.tidy(() => this.logitsFromInput(levelsToInput(x, this.config.levels)));
  }

  logitsFromInput(input: tf.Tensor4D): tf.Tensor5D {
    const { first, blocks, head, downMask, convMask, upMask } = this.net;
    return tf.tidy(() => {
      let x = first.apply(input); // [B, H, W, 2h]
      for (const { down, conv, up } of blocks) {
        const a = tf.relu(conv1x1(tf.relu(x), down.w, down.b, downMask)); // [B, H, W, h]
        const b = tf.relu(maskedConv2d(a, conv.w, convMask, conv.b)); // [B, H, W, h]
        const y = conv1x1(b, up.w, up.b, upMask); // [B, H, W, 2h]
        x = this.config.residual ? tf.add(x, y) : y;
      }
      return head.apply(x); // [B, H, W, C, Q]
    });
  }

  dispose(): void {
    this.params.dispose();
    this.masks.dispose();
  }
}

/**
 * The output head of the PixelRNN paper (van den Oord et al. 2016, Table 1, "2 output layers"), also used by the
 * Gated PixelCNN: ReLU - 1x1 (inputs -> hidden) - ReLU - 1x1 (hidden -> C*Q), both 1x1 convolutions with colour
 * mask B, so output group c reads hidden groups <= c.
 */
import * as tf from '@tensorflow/tfjs';
import { colourMask1x1, conv1x1 } from '../conv';
import { toLogits } from '../model';
import type { Params, Variable1D, Variable2D } from '../params';
import type { MaskStore } from './mask-store';

export interface OutputHeadConfig {
  /** Features of the head's input. */
  inputs: number;
  /** Features of the hidden layer (a multiple of `groups`). */
  hidden: number;
  channels: number;
  levels: number;
  /** Colour groups of the masks: `channels` (the default), or 1 for none. */
  groups?: number;
}

export class OutputHead {
  private readonly w1: Variable2D;
  private readonly b1: Variable1D;
  private readonly w2: Variable2D;
  private readonly b2: Variable1D;
  private readonly m1: tf.Tensor2D | undefined;
  private readonly m2: tf.Tensor2D | undefined;

  /** Parameters `head.w1`, `head.b1`, `head.w2`, `head.b2`, created in that order. */
  constructor(
    p: Params,
    masks: MaskStore,
    private readonly c: OutputHeadConfig,
  ) {
    const { inputs, hidden: F, channels: C, levels: Q } = c;
    const groups = c.groups ?? C;
    this.w1 = p.weight('head.w1', [inputs, F], inputs);
    this.b1 = p.bias('head.b1', F);
    this.w2 = p.weight('head.w2', [F, C * Q], F);
    this.b2 = p.bias('head.b2', C * Q);
    this.m1 = masks.keep(colourMask1x1(inputs, F, groups));
    this.m2 = masks.keep(colourMask1x1(F, C * Q, groups));
  }

  /** [B, H, W, inputs] -> logits [B, H, W, C, Q] (channel-major c*Q + q). */
  apply(x: tf.Tensor4D): tf.Tensor5D {
    const hidden = tf.relu(conv1x1(tf.relu(x), this.w1, this.b1, this.m1)); // [B, H, W, F]
    const out = conv1x1(hidden, this.w2, this.b2, this.m2); // [B, H, W, C*Q]
    return toLogits(out, this.c.channels, this.c.levels);
  }
}

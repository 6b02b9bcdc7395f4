/**
 * What the three PixelRNN-paper models share (van den Oord et al., "Pixel Recurrent Neural Networks", ICML 2016):
 *  - the first layer, a k x k mask-A convolution from the C colour channels to 2h features (Table 1, sec 3.4);
 *  - the output head, ReLU - 1x1 - ReLU - 1x1 to C x Q logits, both 1x1 convolutions with colour mask B so
 *    output group c reads hidden groups <= c (Table 1, "2 output layers");
 *  - config checks that throw a ConfigError naming the bad field.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, type ImageModelConfig, type MaskType, type Params, checkLevels, colourGroups, colourMask1x1, conv1x1, mask, maskedConv2d, toLogits } from '@pixel-models/nn';

/** Fields every model of this lib has. */
export interface PixelRnnBaseConfig extends ImageModelConfig {
  /** Layers after the first mask-A convolution: residual blocks (PixelCNN) or recurrent layers (LSTMs). */
  layers: number;
  /** h: the residual stream carries 2h features, the LSTM state h. A multiple of `channels`. */
  hidden: number;
  /** Kernel size of the first masked convolution (the paper: 7). Odd. */
  firstKernel: number;
  /** Features of the output head's hidden layer (a multiple of `channels`); defaults to 2h. */
  headFilters: number;
  /** Residual connections (sec 3.3): each layer's output is added to its input. */
  residual: boolean;
}

/** Defaults merged with a partial config; `headFilters` follows `hidden` (2h) unless given. */
export function resolveConfig<T extends PixelRnnBaseConfig>(defaults: T, config: Partial<T>): T {
  const merged = { ...defaults, ...config };
  if (config.headFilters === undefined) merged.headFilters = 2 * merged.hidden;
  return merged;
}

export function positiveInteger(model: string, field: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(`${model}: ${field} must be a positive integer, got ${String(v)}`);
}

export function oddKernel(model: string, field: string, v: unknown): void {
  positiveInteger(model, field, v);
  if ((v as number) % 2 === 0) throw new ConfigError(`${model}: ${field} must be odd (a centred masked kernel), got ${String(v)}`);
}

export function checkBaseConfig(model: string, c: PixelRnnBaseConfig): void {
  checkLevels(c.levels);
  if (c.channels !== 1 && c.channels !== 3) throw new ConfigError(`${model}: channels must be 1 or 3, got ${c.channels}`);
  positiveInteger(model, 'layers', c.layers);
  positiveInteger(model, 'hidden', c.hidden);
  positiveInteger(model, 'headFilters', c.headFilters);
  oddKernel(model, 'firstKernel', c.firstKernel);
  for (const [field, v] of Object.entries({ hidden: c.hidden, headFilters: c.headFilters })) {
    if (v % c.channels !== 0) {
      throw new ConfigError(`${model}: ${field} = ${v} cannot be split into ${c.channels} colour groups: use a multiple of ${c.channels}`);
    }
  }
}

/** Owns the constant masks of a model (disposed with it). */
export class MaskStore {
  private readonly tensors: tf.Tensor[] = [];

  keep<T extends tf.Tensor>(t: T): T;
  keep<T extends tf.Tensor>(t: T | undefined): T | undefined;
  keep<T extends tf.Tensor>(t: T | undefined): T | undefined {
    if (t) this.tensors.push(t);
    return t;
  }

  dispose(): void {
    for (const t of this.tensors) t.dispose();
    this.tensors.length = 0;
  }
}

/** The first layer: a k x k masked convolution C -> 2h (mask A; 'B' only for the leak ablation). */
export class FirstLayer {
  private readonly w: tf.Variable;
  private readonly b: tf.Variable;
  private readonly m: tf.Tensor4D;

  constructor(p: Params, masks: MaskStore, c: PixelRnnBaseConfig, type: MaskType = 'A') {
    const k = c.firstKernel;
    const C = c.channels;
    this.w = p.weight('layer0.conv.w', [k, k, C, 2 * c.hidden], k * k * C);
    this.b = p.bias('layer0.conv.b', 2 * c.hidden);
    this.m = masks.keep(mask({ kernel: [k, k], type, inGroups: colourGroups(C, C), outGroups: colourGroups(2 * c.hidden, C) }));
  }

  /** [B, H, W, C] -> [B, H, W, 2h] */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return maskedConv2d(x, this.w as tf.Tensor4D, this.m, this.b as tf.Tensor1D);
  }
}

/** Output head: ReLU - 1x1 (2h -> headFilters) - ReLU - 1x1 (headFilters -> C*Q), colour mask B on both. */
export class OutputHead {
  private readonly w1: tf.Variable;
  private readonly b1: tf.Variable;
  private readonly w2: tf.Variable;
  private readonly b2: tf.Variable;
  private readonly m1: tf.Tensor2D | undefined;
  private readonly m2: tf.Tensor2D | undefined;

  constructor(p: Params, masks: MaskStore, private readonly c: PixelRnnBaseConfig) {
    const { channels: C, levels: Q, headFilters: F } = c;
    const inF = 2 * c.hidden;
    this.w1 = p.weight('head.w1', [inF, F], inF);
    this.b1 = p.bias('head.b1', F);
    this.w2 = p.weight('head.w2', [F, C * Q], F);
    this.b2 = p.bias('head.b2', C * Q);
    this.m1 = masks.keep(colourMask1x1(inF, F, C));
    this.m2 = masks.keep(colourMask1x1(F, C * Q, C));
  }

  /** [B, H, W, 2h] -> logits [B, H, W, C, Q] (channel-major c*Q + q). */
  apply(x: tf.Tensor4D): tf.Tensor5D {
    const hidden = tf.relu(conv1x1(tf.relu(x), this.w1 as tf.Tensor2D, this.b1 as tf.Tensor1D, this.m1)); // [B, H, W, F]
    const out = conv1x1(hidden, this.w2 as tf.Tensor2D, this.b2 as tf.Tensor1D, this.m2); // [B, H, W, C*Q]
    return toLogits(out, this.c.channels, this.c.levels);
  }
}

/** The 1x1 projections that every recurrent layer ends with: back to 2h features, and optionally to the skip sum. */
export interface RecurrentLayerOutputs {
  out: { w: tf.Variable; b: tf.Variable }; // 1x1 [h, 2h]
  skip?: { w: tf.Variable; b: tf.Variable }; // 1x1 [h, 2h]
}

/** Creates layer l's output projections (after its own weights, so seeded weights follow the layer's order). */
export function recurrentLayerOutputs(p: Params, l: number, h: number, skip: boolean): RecurrentLayerOutputs {
  return {
    out: { w: p.weight(`layer${l}.out.w`, [h, 2 * h], h), b: p.bias(`layer${l}.out.b`, 2 * h) },
    skip: skip ? { w: p.weight(`layer${l}.skip.w`, [h, 2 * h], h), b: p.bias(`layer${l}.skip.b`, 2 * h) } : undefined,
  };
}

/** The residual stream and the skip sum between recurrent layers. */
export interface RecurrentStream {
  x: tf.Tensor4D; // [B, H, W, 2h]
  skips?: tf.Tensor4D; // [B, H, W, 2h], with skip connections
}

/**
 * Adds one layer's state map [B, H, W, h] to the stream (PixelRNN sec. 3.3): projected back to 2h by a 1x1
 * convolution and added to the layer's input (residual) or replacing it, and with skip connections projected into
 * the skip sum. The same for whole maps and for the one pixel the incremental samplers compute.
 */
export function addLayerOutput(stream: RecurrentStream, layer: RecurrentLayerOutputs, hMap: tf.Tensor4D, outMask: tf.Tensor2D | undefined, residual: boolean): RecurrentStream {
  const y = conv1x1(hMap, layer.out.w as tf.Tensor2D, layer.out.b as tf.Tensor1D, outMask); // [B, H, W, 2h]
  const x: tf.Tensor4D = residual ? tf.add(stream.x, y) : y;
  if (!layer.skip) return { x, skips: stream.skips };
  const s = conv1x1(hMap, layer.skip.w as tf.Tensor2D, layer.skip.b as tf.Tensor1D, outMask);
  const skips: tf.Tensor4D = stream.skips ? tf.add(stream.skips, s) : s;
  return { x, skips };
}

/** The head's input: the last layer's output plus the skip sum, when there is one. */
export function streamOutput({ x, skips }: RecurrentStream): tf.Tensor4D {
  return skips ? tf.add(x, skips) : x;
}

/**
 * Stacks recurrent layers (PixelRNN sec. 3.3) with `addLayerOutput`; returns the head's input [B, H, W, 2h].
 */
export function recurrentStack<L extends RecurrentLayerOutputs>(
  input: tf.Tensor4D,
  layers: L[],
  run: (x: tf.Tensor4D, layer: L) => tf.Tensor4D,
  outMask: tf.Tensor2D | undefined,
  residual: boolean,
): tf.Tensor4D {
  let stream: RecurrentStream = { x: input };
  for (const layer of layers) stream = addLayerOutput(stream, layer, run(stream.x, layer), outMask, residual);
  return streamOutput(stream);
}

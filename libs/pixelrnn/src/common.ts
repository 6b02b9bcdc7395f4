/**
 * What the three PixelRNN-paper models share (van den Oord et al., "Pixel Recurrent Neural Networks", ICML 2016):
 *  - the first layer, a k x k mask-A convolution from the C colour channels to 2h features (Table 1, sec 3.4);
 *  - the output head (nn's `OutputHead`) on the 2h features of the residual stream;
 *  - the config checks of their common fields.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type ImageModelConfig,
  type MaskStore,
  type Variable1D,
  type Variable2D,
  type Variable4D,
  type MaskType,
  OutputHead,
  type Params,
  checkLevels,
  colourGroups,
  colourMultiple,
  conv1x1,
  imageChannels,
  mask,
  maskedConv2d,
  oddKernel,
  positiveInteger,
} from '@pixel-models/nn';

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

export function checkBaseConfig(model: string, c: PixelRnnBaseConfig): void {
  checkLevels(c.levels);
  imageChannels(model, c.channels);
  positiveInteger(model, 'layers', c.layers);
  positiveInteger(model, 'hidden', c.hidden);
  positiveInteger(model, 'headFilters', c.headFilters);
  oddKernel(model, 'firstKernel', c.firstKernel);
  colourMultiple(model, 'hidden', c.hidden, c.channels);
  colourMultiple(model, 'headFilters', c.headFilters, c.channels);
}

/** The first layer: a k x k masked convolution C -> 2h (mask A; 'B' only for the leak ablation). */
export class FirstLayer {
  private readonly w: Variable4D;
  private readonly b: Variable1D;
  private readonly m: tf.Tensor4D;

  constructor(p: Params, masks: MaskStore, c: PixelRnnBaseConfig, type: MaskType = 'A') {
    const k = c.firstKernel;
    const C = c.channels;
    this.w = p.weight('layer0.conv.w', [k, k, C, 2 * c.hidden], k * k * C);
    this.b = p.bias('layer0.conv.b', 2 * c.hidden);
    this.m = masks.keep(
      mask({ kernel: [k, k], type, inGroups: colourGroups(C, C), outGroups: colourGroups(2 * c.hidden, C) }),
    );
  }

  /** [B, H, W, C] -> [B, H, W, 2h] */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return maskedConv2d(x, this.w, this.m, this.b);
  }
}

/** The output head on the 2h features of the stream: 1x1 2h -> headFilters, 1x1 headFilters -> C*Q (mask B). */
export function outputHead(p: Params, masks: MaskStore, c: PixelRnnBaseConfig): OutputHead {
  return new OutputHead(p, masks, {
    inputs: 2 * c.hidden,
    hidden: c.headFilters,
    channels: c.channels,
    levels: c.levels,
  });
}

/** The 1x1 projections that every recurrent layer ends with: back to 2h features, and optionally to the skip sum. */
export interface RecurrentLayerOutputs {
  out: { w: Variable2D; b: Variable1D }; // 1x1 [h, 2h]
  skip?: { w: Variable2D; b: Variable1D }; // 1x1 [h, 2h]
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
export function addLayerOutput(
  stream: RecurrentStream,
  layer: RecurrentLayerOutputs,
  hMap: tf.Tensor4D,
  outMask: tf.Tensor2D | undefined,
  residual: boolean,
): RecurrentStream {
  const y = conv1x1(hMap, layer.out.w, layer.out.b, outMask); // [B, H, W, 2h]
  const x: tf.Tensor4D = residual ? tf.add(stream.x, y) : y;
  if (!layer.skip) return { x, skips: stream.skips };
  const s = conv1x1(hMap, layer.skip.w, layer.skip.b, outMask);
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

/**
 * Gated PixelCNN — van den Oord et al., "Conditional Image Generation with PixelCNN Decoders", NeurIPS 2016,
 * section 2.1-2.2 and Figure 2.
 *
 * Two stacks remove the blind spot of masked convolutions:
 *  - the vertical stack (n/2+1 x n kernel, `verticalStackConv`) sees the rows at and above the current one;
 *  - the horizontal stack (1 x (n/2+1) kernel, `horizontalStackConv`) sees the current row up to the current
 *    pixel: the first layer hides the current pixel's own colour group (mask A), later layers show it (mask B).
 * The vertical stack feeds the horizontal one through a 1x1 convolution of its down-shifted output, so the
 * horizontal stack never sees the current row through it. Each stack ends in the gated unit
 * y = tanh(W_f * x) ⊙ σ(W_g * x); the horizontal stack adds a 1x1 convolution and a residual connection, and
 * optionally a skip connection to the output. Output head: ReLU - 1x1 - ReLU - 1x1 to C x Q logits.
 *
 * `stacks: 'masked'` is the ablation without the split: the same gated residual layers on masked k x k
 * convolutions (mask A first, then B), which has the PixelCNN blind spot.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type AutoregressiveModel,
  ConfigError,
  type IncrementalSampler,
  MaskStore,
  OutputHead,
  Params,
  checkLevels,
  colourGroups,
  colourMask1x1,
  colourMultiple,
  conv1x1,
  downShift,
  gatedActivation,
  gatedActivationPacked,
  gateHalves,
  horizontalMask,
  horizontalStackConv,
  imageChannels,
  levelsToInput,
  mask,
  maskedConv2d,
  oddKernel,
  onWebgpu,
  positiveInteger,
  verticalStackConv,
} from '@pixel-models/nn';
import type { GateConditioner, GatedLayer, GatedPixelCnnConfig, GatePair } from './gated-pixelcnn-layers';
import { gatedSampler } from './incremental';

export type { GateConditioner, GatedPixelCnnConfig, GatePair } from './gated-pixelcnn-layers';

export const DEFAULT_GATED_CONFIG: GatedPixelCnnConfig = {
  channels: 1,
  levels: 2,
  layers: 5,
  filters: 32,
  firstKernel: 7,
  kernel: 3,
  headFilters: 32,
  skip: false,
  stacks: 'vertical-horizontal',
  colourGroups: true,
};

/** A layer's vertical-stack output (the next layer's vertical input) and its gated horizontal output, [B, H, W, F]. */
interface LayerOutput {
  v: tf.Tensor4D;
  gated: tf.Tensor4D;
}

function checkConfig(c: GatedPixelCnnConfig): void {
  const model = 'gated-pixelcnn';
  checkLevels(c.levels);
  for (const [k, v] of Object.entries({
    channels: c.channels,
    layers: c.layers,
    filters: c.filters,
    headFilters: c.headFilters,
  }))
    positiveInteger(model, k, v);
  imageChannels(model, c.channels);
  oddKernel(model, 'firstKernel', c.firstKernel);
  oddKernel(model, 'kernel', c.kernel);
  if (c.stacks !== 'vertical-horizontal' && c.stacks !== 'masked')
    throw new ConfigError(`gated-pixelcnn: unknown stacks "${c.stacks}"`);
  colourMultiple(model, 'filters', c.filters, c.channels);
  colourMultiple(model, 'headFilters', c.headFilters, c.channels);
}

export class GatedPixelCnn implements AutoregressiveModel<GatedPixelCnnConfig> {
  readonly name: string;
  readonly config: GatedPixelCnnConfig;
  readonly params: Params;
  private readonly masks = new MaskStore();
  private readonly layers: GatedLayer[] = [];
  private readonly head: OutputHead;
  private readonly outMask: tf.Tensor2D | undefined;

  constructor(
    config: Partial<GatedPixelCnnConfig>,
    seed: number,
    private readonly conditioner?: GateConditioner,
  ) {
    this.config = { ...DEFAULT_GATED_CONFIG, ...config };
    checkConfig(this.config);
    const { channels, filters: F, layers, headFilters, levels } = this.config;
    const C = this.config.colourGroups ? channels : 1; // number of colour groups
    const base = this.config.stacks === 'masked' ? 'gated-pixelcnn-masked' : 'gated-pixelcnn';
    this.name = conditioner ? `${base}-${conditioner.kind}` : base;
    const p = (this.params = new Params(seed));
    const featureGroups = colourGroups(F, C);
    const gateGroups = [...featureGroups, ...featureGroups]; // [f | g] halves share the colour groups
    for (let l = 0; l < layers; l++) {
      const n = l === 0 ? this.config.firstKernel : this.config.kernel;
      const cin = l === 0 ? channels : F;
      const inGroups = l === 0 ? colourGroups(channels, C) : featureGroups;
      const type = l === 0 ? 'A' : 'B';
      const name = `layer${l}`;
      let layer: GatedLayer;
      if (this.config.stacks === 'vertical-horizontal') {
        const half = Math.floor(n / 2);
        const hMask = this.masks.keep(horizontalMask(half + 1, type, inGroups, gateGroups));
        layer = {
          vertical: {
            w: p.weight(`${name}.vertical.w`, [half + 1, n, cin, 2 * F], (half + 1) * n * cin),
            b: p.bias(`${name}.vertical.b`, 2 * F),
          },
          // No bias: the horizontal convolution's bias already enters the same sum.
          verticalToHorizontal: { w: p.weight(`${name}.v2h.w`, [2 * F, 2 * F], 2 * F) },
          horizontal: {
            w: p.weight(`${name}.horizontal.w`, [1, half + 1, cin, 2 * F], (half + 1) * cin),
            b: p.bias(`${name}.horizontal.b`, 2 * F),
            mask: hMask,
          },
          horizontalMaskHalves: this.keepHalves(hMask),
          out: { w: p.weight(`${name}.h2h.w`, [F, F], F), b: p.bias(`${name}.h2h.b`, F) },
        };
      } else {
        const m = this.masks.keep(mask({ kernel: [n, n], type, inGroups, outGroups: gateGroups }));
        layer = {
          horizontal: {
            w: p.weight(`${name}.masked.w`, [n, n, cin, 2 * F], (n * n * cin) / 2),
            b: p.bias(`${name}.masked.b`, 2 * F),
            mask: m,
          },
          out: { w: p.weight(`${name}.out.w`, [F, F], F), b: p.bias(`${name}.out.b`, F) },
        };
      }
      if (this.config.skip) layer.skip = { w: p.weight(`${name}.skip.w`, [F, F], F), b: p.bias(`${name}.skip.b`, F) };
      this.layers.push(layer);
    }
    // The same head as the PixelRNN models, on F features; one colour group without `colourGroups`.
    this.head = new OutputHead(p, this.masks, { inputs: F, hidden: headFilters, channels, levels, groups: C });
    this.outMask = this.masks.keep(colourMask1x1(F, F, C));
  }

  private keepHalves(m: tf.Tensor4D): { f: tf.Tensor4D; g: tf.Tensor4D } {
    const { f, g } = gateHalves(m);
    return { f: this.masks.keep(f), g: this.masks.keep(g) };
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.params.variables, ...(this.conditioner?.variables ?? [])];
  }

  incrementalSampler(): IncrementalSampler {
    return gatedSampler(this.config, {
      layers: this.layers,
      head: this.head,
      outMask: this.outMask,
      conditioner: this.conditioner,
    });
  }

  logits(x: tf.Tensor4D, condition?: tf.Tensor): tf.Tensor5D {
    return tf.tidy(() => this.logitsFromInput(levelsToInput(x, this.config.levels), condition));
  }

  logitsFromInput(input: tf.Tensor4D, condition?: tf.Tensor): tf.Tensor5D {
    return tf.tidy(() => {
      const layerStep = onWebgpu() ? this.packedLayer.bind(this) : this.halvesLayer.bind(this);
      let v = input; // [B, H, W, C] then [B, H, W, F]
      let h = input;
      let skips: tf.Tensor4D | undefined;
      this.layers.forEach((layer, l) => {
        const step = layerStep(layer, l, v, h, condition);
        v = step.v;
        const out = conv1x1(step.gated, layer.out.w, layer.out.b, this.outMask);
        h = l === 0 ? out : tf.add(h, out); // residual connection (the first layer changes width)
        if (layer.skip) {
          const s = conv1x1(step.gated, layer.skip.w, layer.skip.b, this.outMask);
          skips = skips ? tf.add(skips, s) : s;
        }
      });
      // With skip connections the head reads their sum plus the last layer's output, so every weight is used.
      return this.head.apply(skips ? tf.add(h, skips) : h);
    });
  }

  /**
   * One layer on the f and g halves of every weight (the CPU path): two convolutions per stack, the gate on two
   * tensors, because splitting one [.., 2F] activation (and concatenating its gradient) costs more than the
   * convolutions themselves on wasm for small F. Returns the vertical stack's output and the gated horizontal one.
   */
  private halvesLayer(
    layer: GatedLayer,
    l: number,
    v: tf.Tensor4D,
    h: tf.Tensor4D,
    condition?: tf.Tensor,
  ): LayerOutput {
    const [b, hgt, wid] = h.shape;
    const conditioned = (pre: GatePair<tf.Tensor4D>, stack: 'vertical' | 'horizontal'): GatePair<tf.Tensor4D> => {
      if (!this.conditioner || !condition) return pre;
      const bias = this.conditioner.gateBias(l, stack, condition, [b, hgt, wid]); // V_f^T h, V_g^T h
      return { f: tf.add(pre.f, bias.f) as tf.Tensor4D, g: tf.add(pre.g, bias.g) as tf.Tensor4D };
    };
    const wh = gateHalves(layer.horizontal.w);
    const bh = gateHalves(layer.horizontal.b);
    let hPre: GatePair<tf.Tensor4D>; // f and g halves, each [B, H, W, F]
    let vOut = v;
    if (layer.vertical && layer.verticalToHorizontal && layer.horizontalMaskHalves) {
      const wv = gateHalves(layer.vertical.w);
      const bv = gateHalves(layer.vertical.b);
      const vPre = conditioned(
        { f: verticalStackConv(v, wv.f, bv.f), g: verticalStackConv(v, wv.g, bv.g) },
        'vertical',
      );
      // 1x1 link from the vertical to the horizontal stack, shifted down one row so that row i only
      // receives rows < i (a 1x1 product without bias commutes with the shift).
      const link = layer.verticalToHorizontal.w; // [2F, 2F]: rows [f | g] in, columns [f | g] out
      const F = this.config.filters;
      const part = (row: number, col: number) => tf.slice(link, [row * F, col * F], [F, F]) as tf.Tensor2D;
      const linkTo = (col: number) => downShift(tf.add(conv1x1(vPre.f, part(0, col)), conv1x1(vPre.g, part(1, col))));
      const m = layer.horizontalMaskHalves;
      hPre = {
        f: tf.add(horizontalStackConv(h, wh.f, m.f, bh.f), linkTo(0)),
        g: tf.add(horizontalStackConv(h, wh.g, m.g, bh.g), linkTo(1)),
      };
      vOut = gatedActivation(vPre.f, vPre.g); // [B, H, W, F]
    } else {
      const m = gateHalves(layer.horizontal.mask);
      hPre = { f: maskedConv2d(h, wh.f, m.f, bh.f), g: maskedConv2d(h, wh.g, m.g, bh.g) };
    }
    hPre = conditioned(hPre, 'horizontal');
    return { v: vOut, gated: gatedActivation(hPre.f, hPre.g) };
  }

  /**
   * One layer on packed gates, [f | g] along channels (the webgpu path): each stack is one convolution with all
   * 2F output channels and one fused gate kernel, where the halves path runs two convolutions and a split gate.
   * The same weights and the same sums; only the grouping of the products differs.
   */
  private packedLayer(
    layer: GatedLayer,
    l: number,
    v: tf.Tensor4D,
    h: tf.Tensor4D,
    condition?: tf.Tensor,
  ): LayerOutput {
    const [b, hgt, wid] = h.shape;
    const conditioned = (pre: tf.Tensor4D, stack: 'vertical' | 'horizontal'): tf.Tensor4D => {
      if (!this.conditioner || !condition) return pre;
      const bias = this.conditioner.gateBias(l, stack, condition, [b, hgt, wid]);
      return tf.add(pre, tf.concat([bias.f, bias.g], -1));
    };
    const { horizontal } = layer;
    if (!layer.vertical || !layer.verticalToHorizontal) {
      const hPre = maskedConv2d(h, horizontal.w, horizontal.mask, horizontal.b);
      return { v, gated: gatedActivationPacked(conditioned(hPre, 'horizontal')) };
    }
    const vPre = conditioned(verticalStackConv(v, layer.vertical.w, layer.vertical.b), 'vertical'); // [B, H, W, 2F]
    const link = downShift(conv1x1(vPre, layer.verticalToHorizontal.w)); // rows < i only
    const hPre = tf.add(horizontalStackConv(h, horizontal.w, horizontal.mask, horizontal.b), link) as tf.Tensor4D;
    return { v: gatedActivationPacked(vPre), gated: gatedActivationPacked(conditioned(hPre, 'horizontal')) };
  }

  dispose(): void {
    this.params.dispose();
    this.conditioner?.dispose();
    this.masks.dispose();
  }
}

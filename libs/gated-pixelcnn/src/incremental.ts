/**
 * Fast generation for the Gated PixelCNN — Ramachandran et al., "Fast Generation for Convolutional
 * Autoregressive Models", 2017, sec 2 — on the two stacks of van den Oord et al. 2016 (Figure 2):
 *
 *  - vertical stack (row level): once row r is complete, each layer's vertical output for row r is computed from
 *    the cached last n/2+1 rows of its input ([B, n/2+1, W + n-1, F] per layer), and with it the 1x1 link that
 *    the horizontal stack of row r + 1 adds (the down shift of the paper's Figure 2);
 *  - horizontal stack (pixel level): each layer caches its input's current row, one [B, 1, 1, F] column per
 *    pixel; pixel (r, c) computes one column through every layer from the last n/2+1 columns of that row plus
 *    the cached link, then the output head. With `stacks: 'masked'` the n x n masked convolution reads the last
 *    n/2 completed rows of the cache as well.
 *
 * Work per pixel: O(layers) convolutions of one output pixel, instead of a forward pass over the rows so far.
 * The same ops as `GatedPixelCnn.logitsFromInput` on fewer positions, so the logits match it.
 */
import * as tf from '@tensorflow/tfjs';
import {
  FeatureCache,
  type IncrementalRun,
  type IncrementalSampler,
  conv1x1,
  conv2dValid,
  gatedActivation,
  gateHalves,
  levelsToInput,
  pixelLevels,
  pixelOf,
  rowLevels,
  rowOf,
  tidyRead,
} from '@pixel-models/nn';
import type { GatedPixelCnnConfig, GatedPixelCnnLayers } from './gated-pixelcnn-layers';

/** A gate's f and g halves (a type alias, so tf.tidy may return it). */
type Pair = { f: tf.Tensor4D; g: tf.Tensor4D };

/** `GatedPixelCnn.incrementalSampler()`: reads the model's layers, owns only the runs it starts. */
export function gatedSampler(config: GatedPixelCnnConfig, net: GatedPixelCnnLayers): IncrementalSampler {
  return {
    config,
    start: (count, height, width, condition) => new GatedRun(config, net, count, height, width, condition),
  };
}

/** Per-layer constants: masked weight halves (computed once, the same values the forward pass computes). */
type LayerWeights = {
  kernel: number; // n
  h: { f: tf.Tensor4D; g: tf.Tensor4D; bf: tf.Tensor1D; bg: tf.Tensor1D }; // horizontal (or masked n x n) stack
  v?: { f: tf.Tensor4D; g: tf.Tensor4D; bf: tf.Tensor1D; bg: tf.Tensor1D; link: tf.Tensor2D[][] }; // link[row][col]: [F, F]
};

class GatedRun implements IncrementalRun {
  private readonly weights: LayerWeights[];
  private readonly hCache: FeatureCache[]; // input of layer l's horizontal stack (x for l = 0, then h_{l-1})
  private readonly vCache: FeatureCache[]; // input of layer l's vertical stack (x, then v_{l-1})
  private links: (Pair | undefined)[]; // per layer, the link into the current row: [B, 1, W, F] halves
  private readonly bias: { vertical: Pair; horizontal: Pair }[] = []; // conditioning, [B, H, W, F] or [B, 1, 1, F]
  private readonly split: boolean;

  constructor(
    private readonly config: GatedPixelCnnConfig,
    private readonly net: GatedPixelCnnLayers,
    private readonly count: number,
    private readonly height: number,
    private readonly width: number,
    condition?: tf.Tensor,
  ) {
    const { channels, filters: F, firstKernel, kernel, stacks } = config;
    this.split = stacks === 'vertical-horizontal';
    this.weights = net.layers.map((layer, l) =>
      tf.tidy(() => {
        const n = l === 0 ? firstKernel : kernel;
        const half = Math.floor(n / 2);
        const masked = tf.mul(layer.horizontal.w, layer.horizontal.mask) as tf.Tensor4D; // [n/2+1 or n, .., Cin, 2F]
        // The n x n masked kernel reads no row below the centre: keep its top n/2+1 rows.
        const wh = gateHalves(
          this.split ? masked : (tf.slice(masked, [0, 0, 0, 0], [half + 1, n, masked.shape[2], 2 * F]) as tf.Tensor4D),
        );
        const bh = gateHalves(layer.horizontal.b);
        const w: LayerWeights = { kernel: n, h: { f: wh.f, g: wh.g, bf: bh.f, bg: bh.g } };
        if (layer.vertical && layer.verticalToHorizontal) {
          const wv = gateHalves(layer.vertical.w);
          const bv = gateHalves(layer.vertical.b);
          const link = [0, 1].map((row) =>
            [0, 1].map((col) => tf.slice(layer.verticalToHorizontal!.w, [row * F, col * F], [F, F]) as tf.Tensor2D),
          );
          w.v = { f: wv.f, g: wv.g, bf: bv.f, bg: bv.g, link };
        }
        return w; // tf.tidy keeps the tensors it returns
      }),
    );
    this.hCache = this.weights.map(({ kernel: n }, l) => {
      const half = Math.floor(n / 2);
      return new FeatureCache(count, width, l === 0 ? channels : F, this.split ? 0 : half, this.split ? 0 : half);
    });
    this.vCache = this.split
      ? this.weights.map(
          ({ kernel: n }, l) =>
            new FeatureCache(count, width, l === 0 ? channels : F, Math.floor(n / 2) + 1, Math.floor(n / 2)),
        )
      : [];
    this.links = this.weights.map(() => undefined); // row 0: the down-shifted link is zero
    const { conditioner } = net;
    if (conditioner && condition) {
      for (let l = 0; l < net.layers.length; l++) {
        const gate = (stack: 'vertical' | 'horizontal'): Pair =>
          tf.tidy(() => {
            const b = conditioner.gateBias(l, stack, condition, [count, height, width]); // V_f^T h, V_g^T h
            return { f: tf.clone(b.f) as tf.Tensor4D, g: tf.clone(b.g) as tf.Tensor4D };
          });
        this.bias.push({ vertical: gate('vertical'), horizontal: gate('horizontal') });
      }
    }
  }

  pixelLogits(x: Int32Array, r: number, c: number, ch: number): Promise<Float32Array> {
    const { levels } = this.config;
    const { count } = this;
    return tidyRead(() => {
      // Input columns: (r, c) as drawn so far, and (r, c-1), whose last channel was drawn after it was cached.
      if (c > 0) this.setInput(x, r, c - 1);
      this.setInput(x, r, c);
      let h: tf.Tensor4D = this.hCache[0].get(c);
      let skips: tf.Tensor4D | undefined;
      this.net.layers.forEach((layer, l) => {
        const w = this.weights[l];
        const half = Math.floor(w.kernel / 2);
        // Horizontal stack at (r, c): 1 x (n/2+1) window of this row (or the n/2+1 x n masked window).
        const win = this.split ? this.hCache[l].window(c, half, 0) : this.hCache[l].window(c, half, half);
        let pre: Pair = { f: conv2dValid(win, w.h.f, w.h.bf), g: conv2dValid(win, w.h.g, w.h.bg) }; // [B, 1, 1, F]
        const link = this.links[l];
        if (link) pre = { f: tf.add(pre.f, pixelOf(link.f, 0, c)), g: tf.add(pre.g, pixelOf(link.g, 0, c)) };
        const cond = this.bias[l]?.horizontal;
        if (cond) pre = { f: tf.add(pre.f, pixelOf(cond.f, r, c)), g: tf.add(pre.g, pixelOf(cond.g, r, c)) };
        const gated = gatedActivation(pre.f, pre.g); // [B, 1, 1, F]
        const out = conv1x1(gated, layer.out.w, layer.out.b, this.net.outMask);
        h = l === 0 ? out : tf.add(h, out); // residual
        if (layer.skip) {
          const s = conv1x1(gated, layer.skip.w, layer.skip.b, this.net.outMask);
          skips = skips ? tf.add(skips, s) : s;
        }
        if (l + 1 < this.hCache.length) {
          this.hCache[l + 1].set(c, h);
          h = this.hCache[l + 1].get(c);
        }
      });
      // With skip connections the head reads their sum plus the last layer's output, so every weight is used.
      const logits = this.net.head.apply(skips ? tf.add(h, skips) : h); // [B, 1, 1, C, Q]
      return tf.slice(logits, [0, 0, 0, ch, 0], [count, 1, 1, 1, levels]);
    });
  }

  /** Caches the input levels of pixel (r, c): [B, 1, 1, C]. */
  private setInput(x: Int32Array, r: number, c: number): void {
    const { channels, levels } = this.config;
    tf.tidy(() =>
      this.hCache[0].set(c, levelsToInput(pixelLevels(x, this.count, this.height, this.width, channels, r, c), levels)),
    );
  }

  /** Row r is complete: the vertical stack's row r (all layers) and the links into row r + 1. */
  finishRow(x: Int32Array, r: number): void {
    const { channels, levels } = this.config;
    this.setInput(x, r, this.width - 1); // drawn after it was cached
    for (const cache of this.hCache) cache.finishRow();
    if (!this.split) return;
    for (const link of this.links) if (link) tf.dispose([link.f, link.g]);
    this.links = tf.tidy(() => {
      this.vCache[0].pushRow(levelsToInput(rowLevels(x, this.count, this.height, this.width, channels, r), levels)); // [B, 1, W, C]
      return this.weights.map((w, l) => {
        const v = w.v!;
        const stack = this.vCache[l].rows(); // [B, n/2+1, W + n-1, Cin]: rows r-n/2 .. r
        let pre: Pair = { f: conv2dValid(stack, v.f, v.bf), g: conv2dValid(stack, v.g, v.bg) }; // [B, 1, W, F]
        const cond = this.bias[l]?.vertical;
        if (cond) pre = { f: tf.add(pre.f, rowOf(cond.f, r)), g: tf.add(pre.g, rowOf(cond.g, r)) };
        // 1x1 link V -> H (no bias), read by row r + 1.
        const linkTo = (col: number) =>
          tf.add(conv1x1(pre.f, v.link[0][col]), conv1x1(pre.g, v.link[1][col])) as tf.Tensor4D;
        const link: Pair = { f: linkTo(0), g: linkTo(1) };
        if (l + 1 < this.vCache.length) this.vCache[l + 1].pushRow(gatedActivation(pre.f, pre.g)); // v_l row r: [B, 1, W, F]
        return link as Pair | undefined;
      });
    });
  }

  dispose(): void {
    for (const cache of [...this.hCache, ...this.vCache]) cache.dispose();
    for (const link of this.links) if (link) tf.dispose([link.f, link.g]);
    for (const w of this.weights) {
      tf.dispose(Object.values(w.h));
      if (w.v) tf.dispose([w.v.f, w.v.g, w.v.bf, w.v.bg, ...w.v.link.flat()]);
    }
    for (const b of this.bias) tf.dispose([b.vertical.f, b.vertical.g, b.horizontal.f, b.horizontal.g]);
  }
}

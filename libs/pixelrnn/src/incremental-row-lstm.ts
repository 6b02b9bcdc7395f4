/**
 * Fast generation for the Row LSTM (van den Oord et al. 2016, sec 3.1) — Ramachandran et al. 2017, sec 2,
 * applied to a recurrence: the state of row r-1 is carried instead of recomputing the whole map.
 *
 * Cached per layer l: the previous row's cell state c_{r-1} [B, 1, W, h] and K^ss ⊛ h_{r-1} [B, 1, W, 4h]
 * (computed once per row, in `finishRow`); the current row's layer inputs x_l, states h and c, one [B, 1, 1, ·]
 * column per pixel. Pixel (r, c) computes, per layer, K^is at (r, c) from the 1 x k window of x_l (right of the
 * centre masked), one LSTM step with c_{r-1}(c), the 1x1 out and the residual; then the head.
 */
import * as tf from '@tensorflow/tfjs';
import {
  FeatureCache,
  type IncrementalRun,
  type IncrementalSampler,
  conv2dValid,
  pad2d,
  pixelOf,
  tidyRead,
} from '@pixel-models/nn';
import { type RecurrentStream, addLayerOutput, streamOutput } from './common';
import { type RunDims, firstLayerAt, headLogits } from './incremental-common';
import { lstmStep } from './lstm';
import type { RowLstmConfig, RowLstmLayers } from './row-lstm-layers';

/** `RowLstm.incrementalSampler()`: reads the model's layers, owns only the runs it starts. */
export function rowLstmSampler(config: RowLstmConfig, net: RowLstmLayers): IncrementalSampler {
  return {
    config,
    start: (count, height, width) =>
      new RowLstmRun(config, net, { count, height, width, channels: config.channels, levels: config.levels }),
  };
}

interface LayerCache {
  x: FeatureCache; // layer input, current row: [B, 1, 1, 2h] columns
  h: FeatureCache; // h_r columns [B, 1, 1, h]
  c: FeatureCache; // c_r columns [B, 1, 1, h]
  prev?: { c: tf.Tensor4D; ss: tf.Tensor4D }; // row r-1: c_{r-1} [B, 1, W, h], K^ss ⊛ h_{r-1} [B, 1, W, 4h]
}

class RowLstmRun implements IncrementalRun {
  private readonly isW: tf.Tensor4D[]; // masked K^is [1, k, 2h, 4h]
  private readonly caches: LayerCache[];

  constructor(
    private readonly config: RowLstmConfig,
    private readonly net: RowLstmLayers,
    private readonly d: RunDims,
  ) {
    const { hidden: h } = config;
    this.isW = net.layers.map((layer) => tf.tidy(() => tf.mul(layer.is.w, net.isMask) as tf.Tensor4D));
    this.caches = net.layers.map(() => ({
      x: new FeatureCache(d.count, d.width, 2 * h, 0, 0),
      h: new FeatureCache(d.count, d.width, h, 0, 0),
      c: new FeatureCache(d.count, d.width, h, 0, 0),
    }));
  }

  pixelLogits(x: Int32Array, r: number, c: number, ch: number): Promise<Float32Array> {
    const { firstKernel, kernel: k, residual } = this.config;
    const side = (k - 1) / 2;
    return tidyRead(() => {
      let stream: RecurrentStream = { x: firstLayerAt(this.net.first, firstKernel, x, this.d, r, c) }; // [B, 1, 1, 2h]
      this.net.layers.forEach((layer, l) => {
        const cache = this.caches[l];
        cache.x.set(c, stream.x);
        const win = cache.x.window(c, side, side); // [B, 1, k, 2h], zeros right of c
        let pre = conv2dValid(win, this.isW[l], layer.is.b); // K^is ⊛ x at (r, c): [B, 1, 1, 4h]
        if (cache.prev) pre = tf.add(pre, pixelOf(cache.prev.ss, 0, c)); // + K^ss ⊛ h_{r-1}
        const state = lstmStep(pre, cache.prev ? { h: pre, c: pixelOf(cache.prev.c, 0, c) } : undefined); // h, c: [B, 1, 1, h]
        cache.h.set(c, state.h);
        cache.c.set(c, state.c);
        stream = addLayerOutput(stream, layer, state.h, this.net.outMask, residual);
      });
      return headLogits(this.net.head, streamOutput(stream), this.d, ch);
    });
  }

  /** Row r is complete: keep c_r and K^ss ⊛ h_r for row r + 1. */
  finishRow(): void {
    const side = (this.config.kernel - 1) / 2;
    this.caches.forEach((cache, l) => {
      const next = tf.tidy(() => ({
        c: cache.c.currentRow(),
        ss: conv2dValid(pad2d(cache.h.currentRow(), [0, 0, side, side]), this.net.layers[l].ss.w), // [B, 1, W, 4h]
      }));
      if (cache.prev) tf.dispose([cache.prev.c, cache.prev.ss]);
      cache.prev = next;
      for (const f of [cache.x, cache.h, cache.c]) f.finishRow();
    });
  }

  dispose(): void {
    for (const cache of this.caches) {
      for (const f of [cache.x, cache.h, cache.c]) f.dispose();
      if (cache.prev) tf.dispose([cache.prev.c, cache.prev.ss]);
    }
    tf.dispose(this.isW);
  }
}

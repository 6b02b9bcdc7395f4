/**
 * Fast generation for the Diagonal BiLSTM (van den Oord et al. 2016, sec 3.2) — Ramachandran et al. 2017, sec 2.
 *
 * In image coordinates the left-to-right direction's state at (r, c) reads the states at (r, c-1) and (r-1, c)
 * (K^ss taps), the right-to-left one's reads (r, c+1) and (r-1, c), and the layer output at row r adds the
 * right-to-left states of row r-1 (the down shift). The skewed map's padding cells hold exactly zero states, so
 * both recurrences are the same with zero boundaries. Hence:
 *  - forward direction, per pixel: one LSTM step at (r, c) from the cached h(r-1, c) and h, c(r, c-1);
 *  - backward direction, per row (it reads pixels right of c, not drawn yet): when row r is complete, a right-to-
 *    left scan over its W pixels, from the cached backward states of row r-1; row r+1's outputs read its h.
 * Cached per layer: the layer input's current row ([B, 1, 1, 2h] columns), the forward h and c of the current row
 * and h of the previous row, and the backward h and c of the previous row ([B, 1, W, h]).
 */
import * as tf from '@tensorflow/tfjs';
import {
  FeatureCache,
  type IncrementalRun,
  type IncrementalSampler,
  conv1x1,
  matMul2d,
  pixelOf,
  tidyRead,
} from '@pixel-models/nn';
import { type RecurrentStream, addLayerOutput, streamOutput } from './common';
import type { DiagonalBiLstmConfig, DiagonalBiLstmLayers, Direction } from './diagonal-bilstm-layers';
import { type RunDims, firstLayerAt, headLogits } from './incremental-common';
import { type LstmState, lstmStep } from './lstm';

/** `DiagonalBiLstm.incrementalSampler()`: reads the model's layers, owns only the runs it starts. */
export function diagonalBiLstmSampler(config: DiagonalBiLstmConfig, net: DiagonalBiLstmLayers): IncrementalSampler {
  return {
    config,
    start: (count, height, width) =>
      new DiagonalRun(config, net, { count, height, width, channels: config.channels, levels: config.levels }),
  };
}

interface LayerCache {
  x: FeatureCache; // layer input, current row
  h: FeatureCache; // forward h: current row columns, previous row above (rowsAbove 1)
  c: FeatureCache; // forward c, current row
  backward?: tf.Tensor4D; // backward h of the previous row, [B, 1, W, h]
  backwardC?: tf.Tensor4D; // backward c of the previous row
}

/** One LSTM step of one direction at one pixel: taps [B, 1, 1, h] each, or undefined for the first step. */
function step(
  dir: Direction,
  isPre: tf.Tensor4D,
  taps: [tf.Tensor4D, tf.Tensor4D] | undefined,
  prevC: tf.Tensor4D | undefined,
): LstmState<tf.Tensor4D> {
  let pre = isPre; // [B, 1, 1, 4h]
  if (taps) {
    const [b, , , h] = taps[0].shape;
    const ss = matMul2d(tf.reshape(tf.concat(taps, 3), [b, 2 * h]), dir.ss.w); // K^ss ⊛ h: [B, 4h]
    pre = tf.add(pre, tf.reshape(ss, pre.shape)) as tf.Tensor4D;
  }
  return lstmStep(pre, prevC ? { h: pre, c: prevC } : undefined);
}

class DiagonalRun implements IncrementalRun {
  private readonly caches: LayerCache[];

  constructor(
    private readonly config: DiagonalBiLstmConfig,
    private readonly net: DiagonalBiLstmLayers,
    private readonly d: RunDims,
  ) {
    const { hidden: h } = config;
    this.caches = net.layers.map(() => ({
      x: new FeatureCache(d.count, d.width, 2 * h, 0, 0),
      h: new FeatureCache(d.count, d.width, h, 1, 0),
      c: new FeatureCache(d.count, d.width, h, 0, 0),
    }));
  }

  pixelLogits(x: Int32Array, r: number, c: number, ch: number): Promise<Float32Array> {
    const { firstKernel, residual } = this.config;
    return tidyRead(() => {
      let stream: RecurrentStream = { x: firstLayerAt(this.net.first, firstKernel, x, this.d, r, c) }; // [B, 1, 1, 2h]
      this.net.layers.forEach((layer, l) => {
        const cache = this.caches[l];
        cache.x.set(c, stream.x);
        const isPre = conv1x1(stream.x, layer.forward.is.w, layer.forward.is.b, this.net.isMask); // K^is ⊛ x: [B, 1, 1, 4h]
        const first = r === 0 && c === 0; // the recurrence's first step has no previous state
        const above = pixelOf(cache.h.rows(), 0, c); // h(r-1, c), zeros on row 0
        const state = step(
          layer.forward,
          isPre,
          first ? undefined : [above, cache.h.get(c - 1)],
          first ? undefined : cache.c.get(c - 1),
        );
        cache.h.set(c, state.h);
        cache.c.set(c, state.c);
        // + the backward states of row r-1 (down shift; zero on row 0)
        const hMap: tf.Tensor4D = cache.backward ? tf.add(state.h, pixelOf(cache.backward, 0, c)) : state.h; // [B, 1, 1, h]
        stream = addLayerOutput(stream, layer, hMap, this.net.outMask, residual);
      });
      return headLogits(this.net.head, streamOutput(stream), this.d, ch);
    });
  }

  /** Row r is complete: the backward direction's right-to-left scan over row r, per layer. */
  finishRow(_x: Int32Array, r: number): void {
    const { count: b, width } = this.d;
    const h = this.config.hidden;
    this.caches.forEach((cache, l) => {
      const dir = this.net.layers[l].backward;
      const next = tf.tidy(() => {
        const isRow = conv1x1(cache.x.currentRow(), dir.is.w, dir.is.b, this.net.isMask); // [B, 1, W, 4h]
        const zero = tf.zeros([b, 1, 1, h]) as tf.Tensor4D;
        const hs: tf.Tensor4D[] = new Array<tf.Tensor4D>(width);
        const cs: tf.Tensor4D[] = new Array<tf.Tensor4D>(width);
        for (let c = width - 1; c >= 0; c--) {
          const first = r === 0 && c === width - 1;
          const above = cache.backward ? pixelOf(cache.backward, 0, c) : zero; // h_b(r-1, c)
          const right = c + 1 < width ? hs[c + 1] : zero; // h_b(r, c+1)
          const rightC = c + 1 < width ? cs[c + 1] : zero;
          const s = step(dir, pixelOf(isRow, 0, c), first ? undefined : [above, right], first ? undefined : rightC);
          hs[c] = s.h;
          cs[c] = s.c;
        }
        return { h: tf.concat(hs, 2) as tf.Tensor4D, c: tf.concat(cs, 2) as tf.Tensor4D }; // [B, 1, W, h]
      });
      tf.dispose([cache.backward, cache.backwardC].filter((t): t is tf.Tensor4D => t !== undefined));
      cache.backward = next.h;
      cache.backwardC = next.c;
      for (const f of [cache.x, cache.h, cache.c]) f.finishRow();
    });
  }

  dispose(): void {
    for (const cache of this.caches) {
      for (const f of [cache.x, cache.h, cache.c]) f.dispose();
      tf.dispose([cache.backward, cache.backwardC].filter((t): t is tf.Tensor4D => t !== undefined));
    }
  }
}

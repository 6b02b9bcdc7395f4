/**
 * Diagonal BiLSTM — van den Oord, Kalchbrenner, Kavukcuoglu, "Pixel Recurrent Neural Networks", ICML 2016,
 * sec 3.2 (Figure 3, Figure 4 right), with residual and skip connections (sec 3.3) and the layers of Table 1:
 *
 *   7x7 conv, mask A                          C -> 2h
 *   Diagonal BiLSTM layers (x layers):        skew the map (row r shifted right by r: width W + H - 1), so the
 *                                             diagonals become columns;
 *                                             input-to-state K^is: 1x1 conv, mask B, 2h -> 4h
 *                                             state-to-state K^ss: 2 x 1 conv of the previous column's state
 *                                             (rows r-1 and r), h -> 4h; recurrence left to right over columns;
 *                                             unskew; the same on the left-right mirror image (own weights),
 *                                             mirrored back and shifted down one row; the two maps added;
 *                                             1x1 conv h -> 2h added to the layer's input (residual)
 *   2 output layers:                          ReLU - 1x1 - ReLU - 1x1 to C x Q logits (mask B)
 *
 * In image coordinates a state at (r, c) reads the states at (r, c-1) and (r-1, c): the left-to-right direction
 * covers everything above-left, the mirrored one everything above-right, and its down shift keeps it from
 * reading row r itself (which includes later pixels). So one layer covers the whole context, except for one
 * edge effect: the last pixel of row r-1 reaches (r, c) only through the first layer's kernel (no feature of
 * row r-1 reads it), so it is missed when c + firstKernel/2 < W-1.
 *
 * The mirror image is never built (reversing a map costs more than the whole recurrence on wasm): running the
 * recurrence right to left on the "anti-skewed" map (row r shifted right by H-1-r), where the state at column j
 * reads column j+1 at rows r-1 and r, is the same computation. Both directions run together as one batch of 2B:
 * step t takes column t of the skewed map and column W+H-2-t of the anti-skewed one; each step processes every
 * row of a column at once.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type AutoregressiveModel,
  type IncrementalSampler,
  MaskStore,
  Params,
  colourGroups,
  colourMask1x1,
  conv1x1,
  downShift,
  levelsToInput,
  mask,
  matMul2d,
  onWebgpu,
  pad2d,
} from '@pixel-models/nn';
import {
  FirstLayer,
  checkBaseConfig,
  outputHead,
  recurrentLayerOutputs,
  recurrentStack,
  resolveConfig,
} from './common';
import type { DiagonalBiLstmConfig, DiagonalBiLstmLayers, DiagonalLayer, Direction } from './diagonal-bilstm-layers';
import { diagonalBiLstmSampler } from './incremental-diagonal-bilstm';
import { type LstmState, gateGroups, lstmStep } from './lstm';

export type { DiagonalBiLstmConfig } from './diagonal-bilstm-layers';

export const DEFAULT_DIAGONAL_BILSTM_CONFIG: DiagonalBiLstmConfig = {
  channels: 1,
  levels: 2,
  layers: 7,
  hidden: 16,
  firstKernel: 7,
  headFilters: 32,
  residual: true,
  skip: true,
};

/**
 * Skew: row r shifted right by r. [B, H, W, F] -> [B, H, W + H - 1, F], zeros elsewhere. No per-row loop: pad
 * each row to length L = W + H, flatten, drop the last H entries and read the result back with rows of L - 1:
 * entry r*L + c lands in row r, column r + c.
 */
export function skew(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, f] = x.shape;
    const flat = tf.reshape(pad2d(x, [0, 0, 0, h]), [b, h * (w + h), f]); // [B, H*(W+H), F]
    return tf.reshape(tf.slice(flat, [0, 0, 0], [b, h * (w + h - 1), f]), [b, h, w + h - 1, f]);
  });
}

/**
 * Anti-skew: row r shifted right by H-1-r. [B, H, W, F] -> [B, H, W + H - 1, F]. Pad each row on the left to
 * L = W + H - 1, flatten, append H zeros and read back with rows of L + 1: entry r*L + c' lands in column c' - r.
 */
export function antiSkew(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, f] = x.shape;
    const l = w + h - 1;
    const flat = tf.pad(tf.reshape(pad2d(x, [0, 0, h - 1, 0]), [b, h * l, f]), [
      [0, 0],
      [0, h],
      [0, 0],
    ]); // [B, H*(L+1), F]
    return tf.slice(tf.reshape(flat, [b, h, l + 1, f]) as tf.Tensor4D, [0, 0, 0, 0], [b, h, l, f]);
  });
}

/** The inverse of `antiSkew`, [B, H, W + H - 1, F] -> [B, H, W, F] for the given W. */
export function antiUnskew(x: tf.Tensor4D, width: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, l, f] = x.shape;
    const flat = tf.reshape(pad2d(x, [0, 0, 0, 1]), [b, h * (l + 1), f]); // [B, H*(L+1), F]
    const rows = tf.reshape(tf.slice(flat, [0, 0, 0], [b, h * l, f]), [b, h, l, f]) as tf.Tensor4D;
    return tf.slice(rows, [0, 0, h - 1, 0], [b, h, width, f]);
  });
}

/** Unskew: the inverse of `skew`, [B, H, W + H - 1, F] -> [B, H, W, F] for the given W. */
export function unskew(x: tf.Tensor4D, width: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, ws, f] = x.shape;
    const flat = tf.pad(tf.reshape(x, [b, h * ws, f]), [
      [0, 0],
      [0, h],
      [0, 0],
    ]); // [B, H*(W+H), F]
    return tf.slice(tf.reshape(flat, [b, h, ws + 1, f]) as tf.Tensor4D, [0, 0, 0, 0], [b, h, width, f]);
  });
}

export class DiagonalBiLstm implements AutoregressiveModel<DiagonalBiLstmConfig> {
  readonly name = 'diagonal-bilstm';
  readonly config: DiagonalBiLstmConfig;
  readonly params: Params;
  private readonly masks = new MaskStore();
  private readonly net: DiagonalBiLstmLayers;

  constructor(config: Partial<DiagonalBiLstmConfig>, seed: number) {
    this.config = resolveConfig(DEFAULT_DIAGONAL_BILSTM_CONFIG, config);
    const c = this.config;
    checkBaseConfig(this.name, c);
    const { channels: C, hidden: h } = c;
    const p = (this.params = new Params(seed));
    const first = new FirstLayer(p, this.masks, c);
    const direction = (name: string): Direction => ({
      is: { w: p.weight(`${name}.is.w`, [2 * h, 4 * h], 2 * h), b: p.bias(`${name}.is.b`, 4 * h) },
      ss: { w: p.weight(`${name}.ss.w`, [2 * h, 4 * h], 2 * h) },
    });
    const layers: DiagonalLayer[] = [];
    for (let l = 1; l <= c.layers; l++) {
      layers.push({
        forward: direction(`layer${l}.forward`),
        backward: direction(`layer${l}.backward`),
        ...recurrentLayerOutputs(p, l, h, c.skip),
      });
    }
    const head = outputHead(p, this.masks, c);
    this.net = {
      first,
      layers,
      head,
      // K^is [2h, 4h]: colour mask B per gate group.
      isMask:
        C === 1
          ? undefined
          : this.masks.keep(
              tf.tidy(() =>
                tf.reshape(
                  mask({ kernel: [1, 1], type: 'B', inGroups: colourGroups(2 * h, C), outGroups: gateGroups(h, C) }),
                  [2 * h, 4 * h],
                ),
              ),
            ),
      outMask: this.masks.keep(colourMask1x1(h, 2 * h, C)),
    };
  }

  get trainableVariables(): tf.Variable[] {
    return this.params.variables;
  }

  incrementalSampler(): IncrementalSampler {
    return diagonalBiLstmSampler(this.config, this.net);
  }

  logits(x: tf.Tensor4D): tf.Tensor5D {
    return tf.tidy(() => this.logitsFromInput(levelsToInput(x, this.config.levels)));
  }

  logitsFromInput(input: tf.Tensor4D): tf.Tensor5D {
    return tf.tidy(() => {
      const x = this.net.first.apply(input); // [B, H, W, 2h]
      const layerFn = onWebgpu() ? this.diagonalBiLstmFewerKernels.bind(this) : this.diagonalBiLstm.bind(this);
      const top = recurrentStack(x, this.net.layers, layerFn, this.net.outMask, this.config.residual);
      return this.net.head.apply(top); // [B, H, W, C, Q]
    });
  }

  /** One Diagonal BiLSTM layer: [B, H, W, 2h] -> the sum of both directions' states [B, H, W, h]. */
  private diagonalBiLstm(x: tf.Tensor4D, layer: DiagonalLayer): tf.Tensor4D {
    const [batch, height, width] = x.shape;
    const { forward: fw, backward: bw } = layer;
    // K^is ⊛ x for each direction (a 1x1 conv commutes with the skew): [B, H, W, 4h] each, then the columns of
    // the skewed (left to right) and anti-skewed (right to left) maps: (W + H - 1) x [B, H, 4h] each.
    const columnsOf = (m: tf.Tensor4D) => tf.unstack(tf.transpose(m, [2, 0, 1, 3])) as tf.Tensor3D[];
    const forwardColumns = columnsOf(skew(conv1x1(x, fw.is.w, fw.is.b, this.net.isMask)));
    const backwardColumns = columnsOf(antiSkew(conv1x1(x, bw.is.w, bw.is.b, this.net.isMask)));
    const steps = forwardColumns.length;
    const forwardStates: tf.Tensor3D[] = [];
    const backwardStates: tf.Tensor3D[] = new Array<tf.Tensor3D>(steps);
    let state: LstmState<tf.Tensor3D> | undefined;
    for (let t = 0; t < steps; t++) {
      let pre = tf.concat([forwardColumns[t], backwardColumns[steps - 1 - t]], 0) as tf.Tensor3D; // [2B, H, 4h]
      if (state) {
        // K^ss ⊛ h: the 2 x 1 column convolution over the previous column's state, taps at rows r-1 and r.
        const above = tf.slice(
          tf.pad(state.h, [
            [0, 0],
            [1, 0],
            [0, 0],
          ]),
          [0, 0, 0],
          state.h.shape,
        ); // row r holds r-1
        const taps = tf.reshape(tf.concat([above, state.h], 2), [2, batch * height, -1]); // [2, B*H, 2h]
        const [tf0, tb0] = tf.unstack(taps) as tf.Tensor2D[];
        const ss = tf.concat([matMul2d(tf0, fw.ss.w), matMul2d(tb0, bw.ss.w)], 0); // [2B*H, 4h]
        pre = tf.add(pre, tf.reshape(ss, pre.shape));
      }
      state = lstmStep(pre, state); // [2B, H, h]
      const [hf, hb] = tf.split(state.h, 2, 0) as tf.Tensor3D[];
      forwardStates.push(hf);
      backwardStates[steps - 1 - t] = hb;
    }
    const forward = unskew(tf.stack(forwardStates, 2) as tf.Tensor4D, width); // [B, H, W, h]
    const backward = antiUnskew(tf.stack(backwardStates, 2) as tf.Tensor4D, width); // [B, H, W, h]
    // Shift the right-to-left states down one row, so row r only sees rows < r of that pass.
    return tf.add(forward, downShift(backward)) as tf.Tensor4D;
  }

  /**
   * The same layer with fewer kernels per column step, for webgpu where each is a dispatch: both directions'
   * columns come from one unstack (the right-to-left map reversed once), the two K^ss products are one batched
   * product, and the states are stacked once after the loop instead of split at every step. 8 ops a step
   * instead of 13; the same sums.
   */
  private diagonalBiLstmFewerKernels(x: tf.Tensor4D, layer: DiagonalLayer): tf.Tensor4D {
    const [batch, height, width] = x.shape;
    const { forward: fw, backward: bw } = layer;
    const forwardMap = skew(conv1x1(x, fw.is.w, fw.is.b, this.net.isMask)); // [B, H, L, 4h]
    const backwardMap = tf.reverse(antiSkew(conv1x1(x, bw.is.w, bw.is.b, this.net.isMask)), 2);
    const columns = tf.unstack(tf.concat([forwardMap, backwardMap], 0), 2) as tf.Tensor3D[]; // L x [2B, H, 4h]
    const ss = tf.stack([fw.ss.w, bw.ss.w]) as tf.Tensor3D; // [2, 2h, 4h]: forward, backward
    const states: tf.Tensor3D[] = [];
    let state: LstmState<tf.Tensor3D> | undefined;
    for (const column of columns) {
      let pre = column;
      if (state) {
        const above = tf.slice(
          tf.pad(state.h, [
            [0, 0],
            [1, 0],
            [0, 0],
          ]),
          [0, 0, 0],
          state.h.shape,
        ); // row r holds r-1
        const taps = tf.reshape(tf.concat([above, state.h], 2), [2, batch * height, -1]); // [2, B*H, 2h]
        pre = tf.add(pre, tf.reshape(tf.matMul(taps, ss), pre.shape));
      }
      state = lstmStep(pre, state); // [2B, H, h]
      states.push(state.h);
    }
    const all = tf.stack(states, 2) as tf.Tensor4D; // [2B, H, L, h]
    const [forwardStates, backwardStates] = tf.split(all, 2, 0) as tf.Tensor4D[];
    const forward = unskew(forwardStates, width); // [B, H, W, h]
    const backward = antiUnskew(tf.reverse(backwardStates, 2), width); // [B, H, W, h]
    return tf.add(forward, downShift(backward)) as tf.Tensor4D;
  }

  dispose(): void {
    this.params.dispose();
    this.masks.dispose();
  }
}

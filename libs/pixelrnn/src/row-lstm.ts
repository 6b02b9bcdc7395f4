/**
 * Row LSTM — van den Oord, Kalchbrenner, Kavukcuoglu, "Pixel Recurrent Neural Networks", ICML 2016, sec 3.1
 * (Figure 4, centre), with residual and skip connections (sec 3.3) and the layers of Table 1:
 *
 *   7x7 conv, mask A                  C -> 2h
 *   Row LSTM layers (x layers):       input-to-state K^is: 1 x k conv along the row, mask B, 2h -> 4h
 *                                     state-to-state K^ss: 1 x k conv of the previous row's state, h -> 4h
 *                                     1x1 conv h -> 2h, added to the layer's input (residual)
 *   2 output layers:                  ReLU - 1x1 - ReLU - 1x1 to C x Q logits (mask B)
 *
 * The recurrence runs top to bottom one row at a time; each step processes the whole batch and the whole row:
 *   [o, f, i, g]_i = σ(K^ss ⊛ h_{i-1} + K^is ⊛ x_i),  c_i = f ⊙ c_{i-1} + i ⊙ g,  h_i = o ⊙ tanh(c_i).
 * K^is ⊛ x is computed for the whole map first (it only reads the current row). K^ss reads the previous row
 * only, so it needs no mask. The receptive field is a triangle above the pixel: it misses part of the context.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type AutoregressiveModel,
  type IncrementalSampler,
  MaskStore,
  Params,
  colourGroups,
  colourMask1x1,
  paddedConv2d,
  levelsToInput,
  mask,
  maskedConv2d,
  oddKernel,
} from '@pixel-models/nn';
import {
  FirstLayer,
  checkBaseConfig,
  outputHead,
  recurrentLayerOutputs,
  recurrentStack,
  resolveConfig,
} from './common';
import { rowLstmSampler } from './incremental-row-lstm';
import { type LstmState, gateGroups, lstmStep } from './lstm';
import type { RowLstmConfig, RowLstmLayer, RowLstmLayers } from './row-lstm-layers';

export type { RowLstmConfig } from './row-lstm-layers';

export const DEFAULT_ROW_LSTM_CONFIG: RowLstmConfig = {
  channels: 1,
  levels: 2,
  layers: 7,
  hidden: 16,
  firstKernel: 7,
  kernel: 3,
  headFilters: 32,
  residual: true,
  skip: true,
};

export class RowLstm implements AutoregressiveModel<RowLstmConfig> {
  readonly name = 'row-lstm';
  readonly config: RowLstmConfig;
  readonly params: Params;
  private readonly masks = new MaskStore();
  private readonly net: RowLstmLayers;

  constructor(config: Partial<RowLstmConfig>, seed: number) {
    this.config = resolveConfig(DEFAULT_ROW_LSTM_CONFIG, config);
    const c = this.config;
    checkBaseConfig(this.name, c);
    oddKernel(this.name, 'kernel', c.kernel);
    const { channels: C, hidden: h, kernel: k } = c;
    const p = (this.params = new Params(seed));
    const first = new FirstLayer(p, this.masks, c);
    const layers: RowLstmLayer[] = [];
    for (let l = 1; l <= c.layers; l++) {
      layers.push({
        is: { w: p.weight(`layer${l}.is.w`, [1, k, 2 * h, 4 * h], k * 2 * h), b: p.bias(`layer${l}.is.b`, 4 * h) },
        ss: { w: p.weight(`layer${l}.ss.w`, [1, k, h, 4 * h], k * h) },
        ...recurrentLayerOutputs(p, l, h, c.skip),
      });
    }
    const head = outputHead(p, this.masks, c);
    this.net = {
      first,
      layers,
      head,
      // K^is: taps left of the centre are open, the centre obeys colour mask B (gate group c reads input groups <= c).
      isMask: this.masks.keep(
        mask({ kernel: [1, k], type: 'B', inGroups: colourGroups(2 * h, C), outGroups: gateGroups(h, C) }),
      ),
      outMask: this.masks.keep(colourMask1x1(h, 2 * h, C)),
    };
  }

  get trainableVariables(): tf.Variable[] {
    return this.params.variables;
  }

  incrementalSampler(): IncrementalSampler {
    return rowLstmSampler(this.config, this.net);
  }

  logits(x: tf.Tensor4D): tf.Tensor5D {
    return tf.tidy(() => this.logitsFromInput(levelsToInput(x, this.config.levels)));
  }

  logitsFromInput(input: tf.Tensor4D): tf.Tensor5D {
    return tf.tidy(() => {
      const x = this.net.first.apply(input); // [B, H, W, 2h]
      const top = recurrentStack(
        x,
        this.net.layers,
        (xi, layer) => this.rowLstm(xi, layer),
        this.net.outMask,
        this.config.residual,
      );
      return this.net.head.apply(top); // [B, H, W, C, Q]
    });
  }

  /** One Row LSTM layer: [B, H, W, 2h] -> hidden states [B, H, W, h], row by row. */
  private rowLstm(x: tf.Tensor4D, layer: RowLstmLayer): tf.Tensor4D {
    const [, height] = x.shape;
    const k = this.config.kernel;
    const side = (k - 1) / 2;
    const inputToState = maskedConv2d(x, layer.is.w, this.net.isMask, layer.is.b); // K^is ⊛ x: [B, H, W, 4h]
    const rows = tf.split(inputToState, height, 1) as tf.Tensor4D[]; // H x [B, 1, W, 4h]
    const hidden: tf.Tensor4D[] = [];
    let state: LstmState<tf.Tensor4D> | undefined;
    for (let r = 0; r < height; r++) {
      // K^ss ⊛ h_{i-1}: a 1 x k convolution of the previous row's state (zero-padded at both ends), [B, 1, W, 4h].
      const pre: tf.Tensor4D = state ? tf.add(rows[r], paddedConv2d(state.h, layer.ss.w, [0, 0, side, side])) : rows[r];
      state = lstmStep(pre, state); // h_i, c_i: [B, 1, W, h]
      hidden.push(state.h);
    }
    return tf.concat(hidden, 1); // [B, H, W, h]
  }

  dispose(): void {
    this.params.dispose();
    this.masks.dispose();
  }
}

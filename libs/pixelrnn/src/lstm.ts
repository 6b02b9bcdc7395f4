/**
 * The LSTM pieces shared by the Row LSTM and the Diagonal BiLSTM (PixelRNN paper, sec 3.1, eq. 3):
 *
 *   [o, f, i, g] = σ(K^ss ⊛ h_{i-1} + K^is ⊛ x_i)     (σ = sigmoid for o, f, i and tanh for g)
 *   c_i = f ⊙ c_{i-1} + i ⊙ g
 *   h_i = o ⊙ tanh(c_i)
 *
 * The 4h gate features are laid out [o | f | i | g], h each, and each gate is split into C contiguous colour
 * groups (`gateGroups`), so the hidden group c is computed from gate groups c only.
 */
import * as tf from '@tensorflow/tfjs';
import { colourGroups, lstmCell } from '@pixel-models/nn';

/** Colour group of each of the 4h gate features: [o | f | i | g], each gate split into C groups. */
export function gateGroups(hidden: number, channels: number): number[] {
  const g = colourGroups(hidden, channels);
  return [...g, ...g, ...g, ...g];
}

export interface LstmState<T extends tf.Tensor> {
  h: T;
  c: T;
}

/**
 * One LSTM step on a whole row or column at once: `pre` holds the 4h gate pre-activations [..., 4h];
 * `previous` is undefined at the first step (c_{-1} = 0). Returns h_i and c_i, [..., h].
 */
export function lstmStep<T extends tf.Tensor>(pre: T, previous: LstmState<T> | undefined): LstmState<T> {
  // On webgpu one fused cell: 2 dispatches forward and 2 backward instead of ~10 elementwise ops each way.
  if (tf.getBackend() === 'webgpu') return lstmCell(pre, previous?.c) as LstmState<T>;
  const hidden = pre.shape[pre.rank - 1] / 4;
  const [ofi, gPre] = tf.split(pre, [3 * hidden, hidden], -1);
  const [o, f, i] = tf.split(tf.sigmoid(ofi), 3, -1); // output, forget, input gates
  const g = tf.tanh(gPre); // content gate
  const c = (previous ? tf.add(tf.mul(f, previous.c), tf.mul(i, g)) : tf.mul(i, g)) as T; // c_i = f ⊙ c_{i-1} + i ⊙ g
  const h = tf.mul(o, tf.tanh(c)) as T; // h_i = o ⊙ tanh(c_i)
  return { h, c };
}

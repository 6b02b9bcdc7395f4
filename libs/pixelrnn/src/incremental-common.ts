/**
 * What the incremental samplers of the PixelRNN-paper models share (fast generation: Ramachandran et al. 2017,
 * sec 2): the first k x k mask-A layer computed at one pixel from a window of the levels drawn so far, and the
 * output head on one pixel.
 */
import * as tf from '@tensorflow/tfjs';
import { type OutputHead, levelsToInput } from '@pixel-models/nn';
import type { FirstLayer } from './common';

/** Sizes of the batch being generated. */
export interface RunDims {
  count: number;
  height: number;
  width: number;
  channels: number;
  levels: number;
}

/**
 * The first layer at pixel (r, c): [B, 1, 1, 2h]. Its input window (rows r-k/2 .. r, columns c-k/2 .. c+k/2 of
 * the levels drawn so far, zeros outside the image) is built from `x` on every call, so it never goes stale; the
 * layer runs on the window and the centre output is kept (the same products as on the whole image).
 */
export function firstLayerAt(
  first: FirstLayer,
  k: number,
  x: Int32Array,
  d: RunDims,
  r: number,
  c: number,
): tf.Tensor4D {
  const half = Math.floor(k / 2);
  const rows = half + 1;
  const win = new Int32Array(d.count * rows * k * d.channels); // [B, k/2+1, k, C]
  for (let n = 0; n < d.count; n++) {
    for (let i = 0; i < rows; i++) {
      const rr = r - half + i;
      if (rr < 0) continue;
      for (let j = 0; j < k; j++) {
        const cc = c - half + j;
        if (cc < 0 || cc >= d.width) continue;
        for (let ch = 0; ch < d.channels; ch++)
          win[((n * rows + i) * k + j) * d.channels + ch] = x[((n * d.height + rr) * d.width + cc) * d.channels + ch];
      }
    }
  }
  return tf.tidy(() => {
    const out = first.apply(levelsToInput(tf.tensor4d(win, [d.count, rows, k, d.channels], 'int32'), d.levels)); // [B, k/2+1, k, 2h]
    return tf.slice(out, [0, half, half, 0], [d.count, 1, 1, out.shape[3]]);
  });
}

/** The output head at one pixel, channel `ch`: logits [B, 1, 1, 1, Q]. */
export function headLogits(head: OutputHead, top: tf.Tensor4D, d: RunDims, ch: number): tf.Tensor {
  return tf.slice(head.apply(top), [0, 0, 0, ch, 0], [d.count, 1, 1, 1, d.levels]);
}

/**
 * The per-layer activation cache of fast generation (Ramachandran et al. 2017, sec 2, "cache queues"): for one
 * feature map [B, H, W, F] it keeps
 *  - the last `rowsAbove` completed rows, zero-padded by `pad` columns each side: [B, rowsAbove, W + 2 pad, F]
 *    (zeros before row 0, like the convolutions' zero padding);
 *  - the current row, one [B, 1, 1, F] tensor per column computed so far.
 * `window` assembles exactly the inputs a causal kernel reads at (r, c), so one output pixel can be computed
 * with a 'valid' convolution.
 */
import * as tf from '@tensorflow/tfjs';

export class FeatureCache {
  private above: tf.Tensor4D; // [B, rowsAbove, W + 2 pad, F]
  private readonly columns: (tf.Tensor4D | undefined)[];
  private readonly zero: tf.Tensor4D; // [B, 1, 1, F]

  constructor(
    readonly batch: number,
    readonly width: number,
    readonly features: number,
    readonly rowsAbove: number,
    readonly pad: number,
  ) {
    // Kept: a cache may be created or updated inside a caller's tf.tidy.
    this.above = tf.keep(tf.zeros([batch, rowsAbove, width + 2 * pad, features]));
    this.columns = new Array<tf.Tensor4D | undefined>(width);
    this.zero = tf.keep(tf.zeros([batch, 1, 1, features]));
  }

  /** Stores column c of the current row, [B, 1, 1, F] (the cache takes ownership). */
  set(c: number, t: tf.Tensor4D): void {
    this.columns[c]?.dispose();
    this.columns[c] = tf.keep(t);
  }

  /** Column c of the current row, [B, 1, 1, F] (zeros outside the image or not yet computed). */
  get(c: number): tf.Tensor4D {
    return this.columns[c] ?? this.zero;
  }

  /** The completed rows kept, [B, rowsAbove, W + 2 pad, F]. */
  rows(): tf.Tensor4D {
    return this.above;
  }

  /**
   * [B, rowsAbove + 1, left + 1 + right, F]: columns c-left .. c+right of the rows above, then the current row's
   * columns c-left .. c with zeros for c+1 .. c+right (not generated yet; causal masks give them zero weight).
   */
  window(c: number, left: number, right: number): tf.Tensor4D {
    return tf.tidy(() => {
      const cols: tf.Tensor4D[] = [];
      for (let j = c - left; j <= c + right; j++) cols.push(j <= c && j >= 0 ? this.get(j) : this.zero);
      const current = cols.length === 1 ? cols[0] : tf.concat(cols, 2);
      if (this.rowsAbove === 0) return tf.clone(current);
      const above = tf.slice(
        this.above,
        [0, 0, this.pad + c - left, 0],
        [this.batch, this.rowsAbove, left + 1 + right, this.features],
      );
      return tf.concat([above, current], 1);
    });
  }

  /** The current row, [B, 1, W, F]. */
  currentRow(): tf.Tensor4D {
    return tf.concat(
      Array.from({ length: this.width }, (_, c) => this.get(c)),
      2,
    );
  }

  /** Appends a completed row [B, 1, W, F] (the oldest kept row drops out) and clears the current row. */
  pushRow(row: tf.Tensor4D): void {
    if (this.rowsAbove > 0) {
      const next = tf.tidy(() => {
        const padded = tf.pad(row, [
          [0, 0],
          [0, 0],
          [this.pad, this.pad],
          [0, 0],
        ]);
        const kept = tf.slice(
          this.above,
          [0, 1, 0, 0],
          [this.batch, this.rowsAbove - 1, this.width + 2 * this.pad, this.features],
        );
        return tf.concat([kept, padded], 1) as tf.Tensor4D;
      });
      this.above.dispose();
      this.above = tf.keep(next);
    }
    this.clearColumns();
  }

  /** The current row is complete: it becomes the newest row above. */
  finishRow(): void {
    if (this.rowsAbove === 0) return this.clearColumns();
    const row = this.currentRow();
    this.pushRow(row);
    row.dispose();
  }

  private clearColumns(): void {
    for (let c = 0; c < this.width; c++) {
      this.columns[c]?.dispose();
      this.columns[c] = undefined;
    }
  }

  dispose(): void {
    this.clearColumns();
    this.above.dispose();
    this.zero.dispose();
  }
}

/** Levels of pixel (r, c), all channels, of every image: [count, 1, 1, C] int32. */
export function pixelLevels(
  x: Int32Array,
  count: number,
  height: number,
  width: number,
  channels: number,
  r: number,
  c: number,
): tf.Tensor4D {
  const out = new Int32Array(count * channels);
  for (let n = 0; n < count; n++)
    out.set(
      x.subarray(((n * height + r) * width + c) * channels, ((n * height + r) * width + c + 1) * channels),
      n * channels,
    );
  return tf.tensor4d(out, [count, 1, 1, channels], 'int32');
}

/** Levels of row r of every image: [count, 1, W, C] int32. */
export function rowLevels(
  x: Int32Array,
  count: number,
  height: number,
  width: number,
  channels: number,
  r: number,
): tf.Tensor4D {
  const size = width * channels;
  const out = new Int32Array(count * size);
  for (let n = 0; n < count; n++) out.set(x.subarray((n * height + r) * size, (n * height + r + 1) * size), n * size);
  return tf.tensor4d(out, [count, 1, width, channels], 'int32');
}

/** Pixel (r, c) of a map that is either full-size [B, H, W, F] or broadcast [B, 1, 1, F]: [B, 1, 1, F]. */
export function pixelOf(t: tf.Tensor4D, r: number, c: number): tf.Tensor4D {
  const [b, h, w, f] = t.shape;
  return tf.slice(t, [0, h === 1 ? 0 : r, w === 1 ? 0 : c, 0], [b, 1, 1, f]);
}

/** Row r of a map [B, H, W, F] or [B, 1, 1, F] (kept broadcastable): [B, 1, W or 1, F]. */
export function rowOf(t: tf.Tensor4D, r: number): tf.Tensor4D {
  const [b, h, w, f] = t.shape;
  return tf.slice(t, [0, h === 1 ? 0 : r, 0, 0], [b, 1, w, f]);
}

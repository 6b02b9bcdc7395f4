/**
 * Masks for masked convolutions (PixelRNN paper, section 3.4, Figure 2; Gated PixelCNN paper, section 2.1).
 *
 * A k_h x k_w kernel with its centre tap at (centerRow, centerCol) may read every tap strictly before the centre
 * in raster order. At the centre tap the colour-group rule applies: features are split into C groups (R, G, B for
 * C = 3), and an output feature of group g reads input features of group g' < g (mask A) or g' <= g (mask B).
 * With C = 1 mask A blocks the centre and mask B opens it.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from './errors';

export type MaskType = 'A' | 'B';

/** Colour group of each of `features` features for `channels` colour channels: contiguous blocks R..., G..., B.... */
export function colourGroups(features: number, channels: number): number[] {
  if (features % channels !== 0) {
    throw new ConfigError(
      `${features} features cannot be split into ${channels} colour groups: use a multiple of ${channels}`,
    );
  }
  const per = features / channels;
  return Array.from({ length: features }, (_, f) => Math.floor(f / per));
}

/** Whether output group `outGroup` may read input group `inGroup` at the centre tap. */
export function centreTapAllowed(type: MaskType, inGroup: number, outGroup: number): boolean {
  return type === 'A' ? inGroup < outGroup : inGroup <= outGroup;
}

export interface MaskSpec {
  kernel: [number, number];
  /** Centre tap; defaults to the kernel's middle (the standard PixelCNN mask). */
  center?: [number, number];
  type: MaskType;
  inGroups: number[];
  outGroups: number[];
}

/** The mask as a flat array in [k_h, k_w, C_in, C_out] order (1 = weight kept, 0 = weight removed). */
export function maskValues(spec: MaskSpec): Float32Array {
  const [kh, kw] = spec.kernel;
  const [cr, cc] = spec.center ?? [Math.floor(kh / 2), Math.floor(kw / 2)];
  const { inGroups, outGroups } = spec;
  const cin = inGroups.length;
  const cout = outGroups.length;
  const values = new Float32Array(kh * kw * cin * cout);
  for (let r = 0; r < kh; r++) {
    for (let c = 0; c < kw; c++) {
      const before = r < cr || (r === cr && c < cc);
      const centre = r === cr && c === cc;
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) {
          const keep = before || (centre && centreTapAllowed(spec.type, inGroups[i], outGroups[o]));
          values[((r * kw + c) * cin + i) * cout + o] = keep ? 1 : 0;
        }
      }
    }
  }
  return values;
}

export function mask(spec: MaskSpec): tf.Tensor4D {
  const [kh, kw] = spec.kernel;
  return tf.tensor4d(maskValues(spec), [kh, kw, spec.inGroups.length, spec.outGroups.length]);
}

/**
 * Mask A (first layer: the current pixel's own value is hidden) for a k x k kernel from `cin` to `cout` features
 * with `channels` colour channels.
 */
export function maskA(k: number, cin: number, cout: number, channels = 1): tf.Tensor4D {
  return mask({
    kernel: [k, k],
    type: 'A',
    inGroups: colourGroups(cin, channels),
    outGroups: colourGroups(cout, channels),
  });
}

/** Mask B (later layers: a feature may read its own colour group at the current pixel). */
export function maskB(k: number, cin: number, cout: number, channels = 1): tf.Tensor4D {
  return mask({
    kernel: [k, k],
    type: 'B',
    inGroups: colourGroups(cin, channels),
    outGroups: colourGroups(cout, channels),
  });
}

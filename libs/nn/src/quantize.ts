/**
 * Pixel quantization: 8-bit values <-> Q levels (2..256), model inputs in [0, 1], and binarization.
 * Level q of Q covers the 8-bit bin [q*256/Q, (q+1)*256/Q), the same uniform bins as the seed code.
 */
import { ConfigError } from './errors';
import type { Rng } from './seed';

export function checkLevels(levels: number): number {
  if (!Number.isInteger(levels) || levels < 2 || levels > 256) {
    throw new ConfigError(`levels must be an integer from 2 to 256, got ${levels}`);
  }
  return levels;
}

/** 8-bit pixel values -> levels 0..Q-1. */
export function quantize(pixels: Uint8Array, levels: number): Int32Array {
  checkLevels(levels);
  const out = new Int32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = Math.floor((pixels[i] * levels) / 256);
  return out;
}

/**
 * Levels 0..Q-1 -> 8-bit values for display: 0 -> 0 and Q-1 -> 255, evenly spaced between, each kept inside its
 * level's own bin so that `quantize(dequantize(q)) = q` (without the clamp, e.g. Q = 100 sent level 2 to 5, which
 * is in bin 1; powers of two never needed it).
 */
export function dequantize(levelValues: Int32Array, levels: number): Uint8Array {
  checkLevels(levels);
  const out = new Uint8Array(levelValues.length);
  for (let i = 0; i < levelValues.length; i++) {
    const q = levelValues[i];
    const lo = Math.ceil((q * 256) / levels); // first 8-bit value of bin q
    const hi = Math.ceil(((q + 1) * 256) / levels) - 1; // last 8-bit value of bin q
    out[i] = Math.min(hi, Math.max(lo, Math.round((q * 255) / (levels - 1))));
  }
  return out;
}

/** The model-input scaling of a level: q / (Q-1), in [0, 1]. */
export function levelToUnit(level: number, levels: number): number {
  return level / (levels - 1);
}

/** Binarize by threshold: 1 where pixel/255 > threshold. */
export function binarizeThreshold(pixels: Uint8Array, threshold = 0.5): Int32Array {
  if (!(threshold >= 0 && threshold < 1)) throw new ConfigError(`threshold must be in [0, 1), got ${threshold}`);
  const out = new Int32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] / 255 > threshold ? 1 : 0;
  return out;
}

/** Stochastic binarization: 1 with probability pixel/255, drawn from a seeded generator. */
export function binarizeStochastic(pixels: Uint8Array, rng: Rng): Int32Array {
  const out = new Int32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = rng.next() < pixels[i] / 255 ? 1 : 0;
  return out;
}

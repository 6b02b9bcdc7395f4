/**
 * A colour dataset derived from MNIST for the colour-mask ablation: each digit is painted in one of six hues
 * (chosen per image with the fixed data seed) on black, so R, G and B of a pixel are strongly related and the
 * R -> G -> B factorisation inside a pixel has something to gain.
 */
import { createRng, type ImageSet } from '@pixel-models/nn';

const HUES: [number, number, number][] = [
  [1, 0.2, 0.2],
  [0.2, 1, 0.2],
  [0.3, 0.4, 1],
  [1, 1, 0.2],
  [1, 0.3, 1],
  [0.2, 1, 1],
];

export function colourizeMnist(set: ImageSet, seed: number, purpose: string): ImageSet {
  const rng = createRng(seed, `colourize:${purpose}`);
  const size = set.height * set.width;
  const pixels = new Uint8Array(set.count * size * 3);
  for (let n = 0; n < set.count; n++) {
    const hue = HUES[Math.floor(rng.next() * HUES.length)];
    for (let i = 0; i < size; i++) {
      const v = set.pixels[n * size + i];
      for (let c = 0; c < 3; c++) pixels[(n * size + i) * 3 + c] = Math.round(v * hue[c]);
    }
  }
  return { ...set, pixels, channels: 3 };
}

/**
 * Multiply-add counts of a Gated PixelCNN training step, for effective GFLOP/s. Counts the convolutions and
 * 1x1 products (2 FLOPs per multiply-add); a step is taken as 3x the forward pass (forward, input gradient,
 * weight gradient), the usual convention.
 */
import type { GatedPixelCnnConfig } from '@pixel-models/gated-pixelcnn';

export function gatedForwardFlops(
  c: Omit<GatedPixelCnnConfig, 'stacks' | 'skip'> & { height: number; width: number; skip?: boolean },
): number {
  const pixels = c.height * c.width;
  const F = c.filters;
  let macs = 0;
  for (let l = 0; l < c.layers; l++) {
    const n = l === 0 ? c.firstKernel : c.kernel;
    const cin = l === 0 ? c.channels : F;
    const half = Math.floor(n / 2);
    macs += (half + 1) * n * cin * 2 * F; // vertical stack
    macs += (half + 1) * cin * 2 * F; // horizontal stack
    macs += 2 * F * 2 * F; // vertical -> horizontal link
    macs += F * F; // 1x1 after the gate
    if (c.skip) macs += F * F;
  }
  macs += F * c.headFilters + c.headFilters * c.channels * c.levels;
  return 2 * macs * pixels;
}

export const gatedStepFlops = (c: Parameters<typeof gatedForwardFlops>[0]): number => 3 * gatedForwardFlops(c);

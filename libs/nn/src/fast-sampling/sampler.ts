/**
 * Fast generation — Ramachandran et al., "Fast Generation for Convolutional Autoregressive Models", ICLR 2017
 * workshop, sec 2 (Algorithm 1): instead of a full forward pass per pixel, every layer keeps a cache of the
 * activations that later pixels will read, and each new pixel computes only its own column of activations
 * (O(layers) work). What is cached is model specific: a model that has a cached form returns it from its
 * `incrementalSampler()` (the contract's `IncrementalSampler`, model.ts).
 *
 * `sampleFast` and nn's naive `sampleImages` share one raster loop (`drawImages`): the same seeded stream,
 * pixels in raster order, channels R, G, B. So for the same seed and the same logits they return the same levels.
 */
import type { IncrementalSampler } from '../model';
import { drawImages, type SampleOptions } from '../sampling';

/** Samples `count` images with cached activations; the same result as `sampleImages` for the same options. */
export function sampleFast(sampler: IncrementalSampler, opts: SampleOptions): Promise<Int32Array> {
  return drawImages(() => sampler.start(opts.count, opts.height, opts.width, opts.condition), sampler.config, opts);
}

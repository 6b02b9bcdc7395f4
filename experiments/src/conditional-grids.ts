/** Sample grids for the conditional experiments: images drawn under given conditions, shown beside their sources. */
import * as tf from '@tensorflow/tfjs';
import { type IncrementalSampler, dequantize, sampleFast, type LevelSet, gatherImages } from '@pixel-models/nn';
import { type ReportSection, encodePng, imageGrid } from '@pixel-models/lab';

/** The levels of the images at `indices`, NHWC. */
function levelsAt(set: LevelSet, indices: number[]): Int32Array {
  return gatherImages(set, indices).levels;
}

/** The images at `indices` as an int32 batch. */
export function gatherLevels(set: LevelSet, indices: number[]): tf.Tensor4D {
  return tf.tensor4d(levelsAt(set, indices), [indices.length, set.height, set.width, set.channels], 'int32');
}

/** Samples one image per row of `conditions` (cached activations) and returns a PNG grid with `columns` columns (base64). */
export async function sampleGridBase64(
  sampler: IncrementalSampler,
  conditions: tf.Tensor,
  set: LevelSet,
  opts: { columns: number; seed: number },
): Promise<string> {
  const count = conditions.shape[0];
  const levels = await sampleFast(sampler, {
    count,
    height: set.height,
    width: set.width,
    seed: opts.seed,
    condition: conditions,
  });
  return encodePng(
    imageGrid(dequantize(levels, sampler.config.levels), {
      count,
      height: set.height,
      width: set.width,
      channels: 1,
      columns: opts.columns,
      padding: 2,
      scale: 3,
    }),
  ).toString('base64');
}

export function imageSection(title: string, pngBase64: string, caption: string): ReportSection {
  return { kind: 'image', title, pngBase64, alt: title, caption };
}

/** The source images themselves, as a grid (base64 PNG). */
export function sourcesBase64(set: LevelSet, indices: number[], levels: number): string {
  const pixels = dequantize(levelsAt(set, indices), levels);
  return encodePng(
    imageGrid(pixels, {
      count: indices.length,
      height: set.height,
      width: set.width,
      channels: 1,
      columns: indices.length,
      padding: 2,
      scale: 3,
    }),
  ).toString('base64');
}

/**
 * Named Gated PixelCNN configurations: plain data, overriding the defaults. Every size here is chosen for this
 * repo: the Conditional PixelCNN paper (van den Oord et al., NeurIPS 2016) has no MNIST model, and its CIFAR-10
 * model (20 layers of 384 units with 5x5 filters, per secondary sources) is not among them.
 */
import type { GatedPixelCnnConfig } from './gated-pixelcnn';

export const GATED_PRESETS = {
  /** Seconds on a CPU: for tests and CI. */
  smoke: { layers: 2, filters: 8, headFilters: 8 },
  /**
   * The CPU size of the conditional experiments and the comparisons; the main job (mnist-gated) takes it 11 layers
   * deep, which scores better in its 15 minutes on 2 CPU cores.
   */
  default: { layers: 5, filters: 16, headFilters: 32 },
  /** A larger model for a GPU: 15 layers, 128 features, skip connections (formerly `paper`; from neither paper). */
  gpu: { layers: 15, filters: 128, headFilters: 256, skip: true },
} satisfies Record<string, Partial<GatedPixelCnnConfig>>;

export type GatedPresetName = keyof typeof GATED_PRESETS;

/** Where each preset's size comes from, for labels next to paper numbers. */
export const GATED_PRESET_SOURCES: Record<GatedPresetName, string> = {
  smoke: 'chosen: seconds on a CPU, for tests',
  default: 'chosen: 15 minutes on 2 CPU cores',
  gpu: 'chosen for a GPU, not from either paper',
};

/** Old preset names and what they are called now (they claimed a paper's model that they are not). */
export const RENAMED_GATED_PRESETS: Record<string, GatedPresetName> = { paper: 'gpu' };

/** Named Gated PixelCNN configurations: plain data, overriding the defaults. */
import type { GatedPixelCnnConfig } from './gated-pixelcnn';

export const GATED_PRESETS = {
  /** Seconds on a CPU: for tests and CI. */
  smoke: { layers: 2, filters: 8, headFilters: 8 },
  /** The main job's default: the best binarized-MNIST NLL that 15 minutes on 2 CPU cores allow. */
  default: { layers: 5, filters: 16, headFilters: 32 },
  /** The paper-scale model (for a GPU): 15 layers, 128 features, skip connections. */
  paper: { layers: 15, filters: 128, headFilters: 256, skip: true },
} satisfies Record<string, Partial<GatedPixelCnnConfig>>;

export type GatedPresetName = keyof typeof GATED_PRESETS;

/**
 * What determines a training run, saved as its config.json: the runner (run-training.ts) resolves it from the
 * flags and the report (training-report.ts) reads it, so it lives here, apart from both.
 */
import type { TrainOptions } from '../training/trainer';

/** Everything that determines a run, saved as config.json (and read back by --resume). */
export interface RunConfig<ModelConfig = unknown> {
  experiment: string;
  preset: string;
  /** The `--model` choice, for experiments with several models. */
  variant?: string;
  seed: number;
  model: Partial<ModelConfig> & { channels: number; levels: number };
  train: TrainOptions;
  data: {
    dataDir?: string;
    /** `--binarized-mnist`: the folder with the fixed binarization's .amat files (absolute). */
    binarizedMnistDir?: string;
    /** Which binarization the NLLs are measured on (2 levels only): FIXED_BINARIZATION or the stochastic one. */
    binarization?: string;
    levels: number;
    trainImages?: number;
    validationImages?: number;
    testImages?: number;
  };
  samples: number;
  temperature: number;
}

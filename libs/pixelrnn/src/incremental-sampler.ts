/** The incremental (fast-generation) form of any PixelRNN-paper model, for core's `sampleFast`. */
import { ConfigError, type AutoregressiveModel, type IncrementalSampler } from '@pixel-models/nn';
import { DiagonalBiLstm } from './diagonal-bilstm';
import { diagonalBiLstmIncremental } from './incremental-diagonal-bilstm';
import { pixelCnnIncremental } from './incremental-pixelcnn';
import { rowLstmIncremental } from './incremental-row-lstm';
import { PixelCnn } from './pixelcnn';
import { RowLstm } from './row-lstm';

export function pixelRnnIncremental(model: AutoregressiveModel): IncrementalSampler {
  if (model instanceof PixelCnn) return pixelCnnIncremental(model);
  if (model instanceof RowLstm) return rowLstmIncremental(model);
  if (model instanceof DiagonalBiLstm) return diagonalBiLstmIncremental(model);
  throw new ConfigError(`no incremental sampler for model "${model.name}": use pixelcnn, row-lstm or diagonal-bilstm`);
}

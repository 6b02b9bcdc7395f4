/**
 * Every model an experiment can pick by kind, in one place: its name in reports, its colour in plots, and how to
 * build it from a size and a seed. A new model touches its own lib and this file: receptive-fields, speed,
 * profile-step, mnist-pixelrnn and the comparisons build their models here. (It lives in experiments because the
 * lab may not import the model libs.)
 *
 * Sizes are said in one vocabulary (`ModelSize`): `layers` and the kernels as each model's config names them,
 * `hidden` for the width of a layer (PixelRNN h; the Gated PixelCNN's F). Any other field of the kind's own config
 * (e.g. `residual`, `firstMask`, `colourGroups`) may be given beside them.
 *
 * The conditional models (CONDITIONAL_MODELS) are built from the Gated PixelCNN's own config and what their
 * conditioning needs (classes, the embedding network, the code); their experiments use what each adds (the
 * embedding network f, the encoder), so `create` returns the model's own type.
 */
import type { AutoregressiveModel } from '@pixel-models/nn';
import { DEFAULT_GATED_CONFIG, GatedPixelCnn, type GatedPixelCnnConfig } from '@pixel-models/gated-pixelcnn';
import {
  type AutoencoderConfig,
  EmbeddingConditionalModel,
  PixelCnnAutoencoder,
  VectorConditioner,
} from '@pixel-models/conditioning';
import {
  DiagonalBiLstm,
  type DiagonalBiLstmConfig,
  PixelCnn,
  type PixelCnnConfig,
  RowLstm,
  type RowLstmConfig,
} from '@pixel-models/pixelrnn';

/** The kinds, in the order the reports list them. */
export const MODEL_KINDS = ['pixelcnn', 'row-lstm', 'diagonal-bilstm', 'gated-pixelcnn', 'gated-masked'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** A model's size in the words every kind understands; unset fields take the kind's defaults. */
export interface ModelSize {
  channels: number;
  levels: number;
  /** The kind's own `layers`: after the first masked convolution (PixelRNN), or the gated layers, the first included. */
  layers?: number;
  /** Width of a layer: PixelRNN h (its residual stream carries 2h features), the Gated PixelCNN's F. */
  hidden?: number;
  /** Kernel size of the first masked convolution. */
  firstKernel?: number;
  /** Kernel size of later layers (the Diagonal BiLSTM has none to set: its column convolution is fixed). */
  kernel?: number;
  /** Features of the output head's hidden layer (default 2 x hidden). */
  headFilters?: number;
}

export interface ModelEntry<Config = object> {
  /** The model's name in reports (legends, tables, console lines). */
  label: string;
  /** Its colour in plots. */
  colour: string;
  /**
   * Its `layers` for depth d: the first masked convolution plus d further layers. PixelRNN models count the layers
   * after the first convolution (d); the Gated PixelCNN's first gated layer holds it (d + 1).
   */
  layersAtDepth(depth: number): number;
  /** Feature maps between layers per unit of `hidden`: 2 for PixelRNN models (2h), 1 for the Gated PixelCNN (F). */
  featuresPerHidden: number;
  create(config: ModelSize & Partial<Config>, seed: number): AutoregressiveModel;
}

/** The object without its undefined fields: an explicit `undefined` would replace a model's default. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The Gated PixelCNN from the shared size: F = hidden, head 2F unless given. */
const gated =
  (stacks: GatedPixelCnnConfig['stacks']) =>
  ({ hidden, ...config }: ModelSize & Partial<GatedPixelCnnConfig>, seed: number) =>
    new GatedPixelCnn(
      defined({
        ...config,
        filters: config.filters ?? hidden,
        headFilters: config.headFilters ?? (hidden === undefined ? undefined : 2 * hidden),
        stacks,
      }),
      seed,
    );

const pixelRnn = { layersAtDepth: (depth: number) => depth, featuresPerHidden: 2 };
const gatedDepth = { layersAtDepth: (depth: number) => depth + 1, featuresPerHidden: 1 };

export const MODELS: { readonly [K in ModelKind]: ModelEntry<ModelConfigs[K]> } = {
  pixelcnn: {
    label: 'PixelCNN',
    colour: '#1f77b4',
    ...pixelRnn,
    create: (config, seed) => new PixelCnn(defined(config), seed),
  },
  'row-lstm': {
    label: 'Row LSTM',
    colour: '#ff7f0e',
    ...pixelRnn,
    create: (config, seed) => new RowLstm(defined(config), seed),
  },
  'diagonal-bilstm': {
    label: 'Diagonal BiLSTM',
    colour: '#2ca02c',
    ...pixelRnn,
    create: ({ kernel: _fixed, ...config }, seed) => new DiagonalBiLstm(defined(config), seed),
  },
  'gated-pixelcnn': { label: 'Gated PixelCNN', colour: '#d62728', ...gatedDepth, create: gated('vertical-horizontal') },
  'gated-masked': { label: 'Gated, no stack split', colour: '#9467bd', ...gatedDepth, create: gated('masked') },
};

/** Each kind's own config (the fields beyond `ModelSize` it accepts). */
export interface ModelConfigs {
  pixelcnn: PixelCnnConfig;
  'row-lstm': RowLstmConfig;
  'diagonal-bilstm': DiagonalBiLstmConfig;
  'gated-pixelcnn': GatedPixelCnnConfig;
  'gated-masked': GatedPixelCnnConfig;
}

/** A model of `kind` from a size and a seed for every weight. */
export function createModel(kind: ModelKind, size: ModelSize, seed: number): AutoregressiveModel {
  return (MODELS[kind] as ModelEntry).create(size, seed);
}

/** A conditional model: its name in reports, its colour in plots, and how to build it from a config and a seed. */
export interface ConditionalModelEntry<Config, Model extends AutoregressiveModel> {
  label: string;
  colour: string;
  create(config: Config, seed: number): Model;
}

/** The Gated PixelCNN's config as the conditional experiments give it: unset fields take its defaults. */
type GatedSize = Partial<GatedPixelCnnConfig> & { channels: number; levels: number };

const conditional = <Config, Model extends AutoregressiveModel>(e: ConditionalModelEntry<Config, Model>) => e;

export const CONDITIONAL_MODELS = {
  /** Section 2.3: the one-hot class label h enters every gate as V^T h. */
  'class-conditional': conditional({
    label: 'Class-conditional Gated PixelCNN',
    colour: '#8c564b',
    create: ({ classes, ...config }: GatedSize & { classes: number }, seed: number) => {
      const full = { ...DEFAULT_GATED_CONFIG, ...config };
      return new GatedPixelCnn(
        full,
        seed,
        new VectorConditioner({ size: classes, layers: full.layers, filters: full.filters }, seed + 1000),
      );
    },
  }),
  /** Section 3.3: conditioned on f(x), the embedding of an image by a triplet-trained network f. */
  'embedding-conditional': conditional({
    label: 'Embedding-conditional Gated PixelCNN',
    colour: '#e377c2',
    create: (
      {
        height,
        width,
        embedding,
        encoderHidden,
        ...config
      }: GatedSize & { height: number; width: number; embedding: number; encoderHidden: number },
      seed: number,
    ) =>
      new EmbeddingConditionalModel({ ...DEFAULT_GATED_CONFIG, ...config }, seed, {
        height,
        width,
        hidden: encoderHidden,
        size: embedding,
      }),
  }),
  /** Section 3.4: an encoder's code of the image conditions the decoder; trained end to end. */
  autoencoder: conditional({
    label: 'PixelCNN auto-encoder',
    colour: '#7f7f7f',
    create: (
      config: GatedSize & Pick<AutoencoderConfig, 'height' | 'width' | 'code' | 'encoderHidden'>,
      seed: number,
    ) => new PixelCnnAutoencoder({ ...DEFAULT_GATED_CONFIG, ...config }, seed),
  }),
};

export type ConditionalModelKind = keyof typeof CONDITIONAL_MODELS;
export const CONDITIONAL_KINDS = Object.keys(CONDITIONAL_MODELS) as ConditionalModelKind[];

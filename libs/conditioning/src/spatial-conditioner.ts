/**
 * Location-dependent conditioning (Gated PixelCNN paper, eq. 5): a spatial map s = m(h) made from h by a
 * learned upsampling network enters the gates through 1x1 convolutions:
 *   y = tanh(W_f * x + V_f * s) ⊙ σ(W_g * x + V_g * s).
 * m: a dense layer to a coarse map of a quarter of the image size, then twice (nearest-neighbour upsampling,
 * 3x3 convolution, ReLU) up to the image size.
 */
import * as tf from '@tensorflow/tfjs';
import {
  ConfigError,
  Params,
  type Variable1D,
  type Variable2D,
  type Variable4D,
  conv1x1,
  matMul2d,
  paddedConv2d,
} from '@pixel-models/nn';
import type { GateConditioner, GatePair } from '@pixel-models/gated-pixelcnn';

export interface SpatialConditionerConfig {
  size: number;
  layers: number;
  filters: number;
  height: number;
  width: number;
  /** Features of the map s. */
  mapFeatures: number;
}

/** One upsampling step of m: a 3x3 convolution and its bias. */
interface UpLayer {
  w: Variable4D;
  b: Variable1D;
}

export class SpatialConditioner implements GateConditioner {
  readonly kind = 'spatial-conditional';
  private readonly params: Params;
  private readonly coarse: [number, number];
  /** m's dense layer to the coarse map: [size, coarse H x coarse W x S] and its bias. */
  private readonly dense: { w: Variable2D; b: Variable1D };
  /** m's two upsampling steps. */
  private readonly up: UpLayer[] = [];
  /** V of each layer and stack, keyed `layer.stack`: [S, 2F]. */
  private readonly v = new Map<string, Variable2D>();
  private cache?: { id: number; map: tf.Tensor4D };

  constructor(
    readonly config: SpatialConditionerConfig,
    seed: number,
  ) {
    const p = (this.params = new Params(seed));
    const { size, mapFeatures: S } = config;
    this.coarse = [Math.ceil(config.height / 4), Math.ceil(config.width / 4)];
    this.dense = {
      w: p.weight('m.dense.w', [size, this.coarse[0] * this.coarse[1] * S], size),
      b: p.bias('m.dense.b', this.coarse[0] * this.coarse[1] * S),
    };
    for (const k of [1, 2])
      this.up.push({ w: p.weight(`m.up${k}.w`, [3, 3, S, S], 9 * S), b: p.bias(`m.up${k}.b`, S) });
    for (let l = 0; l < config.layers; l++) {
      for (const stack of ['vertical', 'horizontal'] as const)
        this.v.set(`${l}.${stack}`, p.weight(`cond.layer${l}.${stack}.V`, [S, 2 * config.filters], S, 0.5));
    }
  }

  get variables(): tf.Variable[] {
    return this.params.variables;
  }

  /** s = m(h): [B, size] -> [B, H, W, S]. */
  map(h: tf.Tensor2D): tf.Tensor4D {
    const { height, width, mapFeatures: S, size } = this.config;
    if (h.rank !== 2 || h.shape[1] !== size)
      throw new ConfigError(`conditioning vector has shape [${h.shape}], expected [batch, ${size}]`);
    const b = h.shape[0];
    let s = tf.reshape<tf.Rank.R4>(tf.add(matMul2d(h, this.dense.w), this.dense.b), [b, ...this.coarse, S]);
    const sizes: [number, number][] = [
      [Math.ceil(height / 2), Math.ceil(width / 2)],
      [height, width],
    ];
    sizes.forEach((hw, k) => {
      const up = tf.image.resizeNearestNeighbor(s, hw);
      s = tf.relu(tf.add(paddedConv2d(up, this.up[k].w, [1, 1, 1, 1]), this.up[k].b));
    });
    return s;
  }

  gateBias(
    layer: number,
    stack: 'vertical' | 'horizontal',
    condition: tf.Tensor,
    [batch, height, width]: [number, number, number],
  ): GatePair {
    if (condition.shape[0] !== batch)
      throw new ConfigError(`conditioning batch ${condition.shape[0]} does not match the image batch ${batch}`);
    // m(h) is computed once per forward pass and shared by every layer.
    if (!this.cache || this.cache.id !== condition.id || this.cache.map.isDisposed)
      this.cache = { id: condition.id, map: this.map(condition as tf.Tensor2D) };
    let s = this.cache.map;
    if (height !== s.shape[1] || width !== s.shape[2])
      s = tf.slice(s, [0, 0, 0, 0], [batch, height, width, s.shape[3]]); // sampling runs on the rows so far
    const F = this.config.filters;
    const vs = conv1x1(s, this.v.get(`${layer}.${stack}`)!); // [B, H, W, 2F]
    return {
      f: tf.slice(vs, [0, 0, 0, 0], [batch, height, width, F]),
      g: tf.slice(vs, [0, 0, 0, F], [batch, height, width, F]),
    };
  }

  dispose(): void {
    this.params.dispose();
  }
}

/**
 * Fast generation for PixelCNN (van den Oord et al. 2016, sec 3.4) — Ramachandran et al. 2017, sec 2.
 *
 * Cached per residual block l: the block's convolution input a_l = ReLU(1x1 down(ReLU(x_l))) — the last k/2
 * completed rows ([B, k/2, W + k-1, h], zero-padded) and the current row's columns ([B, 1, 1, h] each). Pixel
 * (r, c) computes one column: the first layer from a window of levels, then per block a_l(r, c), the k x k mask-B
 * convolution at (r, c) from the window of a_l (only its top k/2+1 kernel rows: the rest are masked), the 1x1 up
 * and the residual; then the head. O(layers) one-pixel convolutions per pixel.
 */
import * as tf from '@tensorflow/tfjs';
import {
  FeatureCache,
  type IncrementalRun,
  type IncrementalSampler,
  conv1x1,
  conv2dValid,
  tidyRead,
} from '@pixel-models/nn';
import { type RunDims, firstLayerAt, headLogits } from './incremental-common';
import type { PixelCnnConfig, PixelCnnLayers } from './pixelcnn-layers';

/** `PixelCnn.incrementalSampler()`: reads the model's layers, owns only the runs it starts. */
export function pixelCnnSampler(config: PixelCnnConfig, net: PixelCnnLayers): IncrementalSampler {
  return {
    config,
    start: (count, height, width) =>
      new PixelCnnRun(config, net, { count, height, width, channels: config.channels, levels: config.levels }),
  };
}

class PixelCnnRun implements IncrementalRun {
  private readonly convW: tf.Tensor4D[]; // masked kernels, top k/2+1 rows: [k/2+1, k, h, h]
  private readonly a: FeatureCache[]; // per block: a_l

  constructor(
    private readonly config: PixelCnnConfig,
    private readonly net: PixelCnnLayers,
    private readonly d: RunDims,
  ) {
    const { kernel: k, hidden: h } = config;
    const half = Math.floor(k / 2);
    this.convW = net.blocks.map(({ conv }) =>
      tf.tidy(() => tf.slice(tf.mul(conv.w, net.convMask), [0, 0, 0, 0], [half + 1, k, h, h]) as tf.Tensor4D),
    );
    this.a = net.blocks.map(() => new FeatureCache(d.count, d.width, h, half, half));
  }

  pixelLogits(x: Int32Array, r: number, c: number, ch: number): Promise<Float32Array> {
    const { firstKernel, kernel: k, residual } = this.config;
    const half = Math.floor(k / 2);
    return tidyRead(() => {
      let xl = firstLayerAt(this.net.first, firstKernel, x, this.d, r, c); // [B, 1, 1, 2h]
      this.net.blocks.forEach(({ down, conv, up }, l) => {
        this.a[l].set(c, tf.relu(conv1x1(tf.relu(xl), down.w, down.b, this.net.downMask))); // a_l(r, c): [B, 1, 1, h]
        const win = this.a[l].window(c, half, half); // [B, k/2+1, k, h]
        const b = tf.relu(conv2dValid(win, this.convW[l], conv.b)); // [B, 1, 1, h]
        const y = conv1x1(b, up.w, up.b, this.net.upMask); // [B, 1, 1, 2h]
        xl = residual ? tf.add(xl, y) : y;
      });
      return headLogits(this.net.head, xl, this.d, ch);
    });
  }

  finishRow(): void {
    for (const cache of this.a) cache.finishRow();
  }

  dispose(): void {
    for (const cache of this.a) cache.dispose();
    tf.dispose(this.convW);
  }
}

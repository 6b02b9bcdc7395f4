/**
 * The convolutions every model is built from. One `conv2dValid` with a hand-written gradient (both gradients are
 * forward convolutions, so they run on wasm, which has no Conv2DBackpropFilter kernel, and avoid the pure-JS cpu
 * backend's very slow backprop kernels), and on top of it the causal variants:
 *  - `maskedConv2d`: PixelCNN's masked k x k convolution (mask A or B, colour groups);
 *  - `verticalStackConv`: Gated PixelCNN's vertical stack, rows at and above the current one;
 *  - `horizontalStackConv`: the 1 x k horizontal stack, the current row up to the current pixel;
 *  - `downShift` / `rightShift`: move a feature map one row down / one column right (zeros enter).
 * Tensors are NHWC; weights are [k_h, k_w, C_in, C_out].
 *
 * On webgpu the zero padding is folded into the convolution (explicit padding) and both gradients come from
 * tfjs-webgpu's own backprop kernels: 1 dispatch forward and 2 backward, where the CPU path's pads, slices and
 * per-tap products would each be a dispatch of their own. Same values; the CPU path stays as measured fastest there.
 */
import * as tf from '@tensorflow/tfjs';
import { mask, type MaskType, colourGroups } from './masks';
import { onWebgpu } from './webgpu/program';

/**
 * Inputs at least this wide take the per-tap filter gradient; narrower ones the batch-as-channels convolution.
 * Measured on wasm (28x28, 2x3 kernel): 64 -> 64 channels, batch 16, taps 33 ms vs conv 36-49 ms (1x1: 5 vs 12 ms);
 * 16 -> 16 channels, batch 32, taps 13 ms vs conv 7 ms.
 */
export const FILTER_GRAD_TAPS_MIN_CHANNELS = 32;

/**
 * dL/dw of a stride-1 'valid' convolution, [k_h, k_w, C_in, C_out], from its input `x` and output gradient `dy`.
 *  - 'taps': one matrix product per kernel tap, x[:, i:, j:, :]^T dy: large products XNNPACK runs near its
 *    matmul peak, and `dy` is the same right-hand operand for every tap.
 *  - 'conv': correlate x with dy, batch playing the role of channels ([C_in, H, W, B] * [H', W', B, C_out]):
 *    one call, better when C_in is small.
 */
export function convFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  [kh, kw]: [number, number],
  method: 'taps' | 'conv',
): tf.Tensor4D {
  const [b, oh, ow, cout] = dy.shape;
  const cin = x.shape[3];
  if (method === 'conv') {
    const xT = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D;
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    return tf.transpose(tf.conv2d(xT, dyT, 1, 'valid'), [1, 2, 0, 3]);
  }
  const dy2 = tf.reshape(dy, [b * oh * ow, cout]);
  const taps: tf.Tensor2D[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const window = tf.reshape(tf.slice(x, [0, i, j, 0], [b, oh, ow, cin]), [b * oh * ow, cin]);
      taps.push(tf.matMul(tf.transpose(window), dy2)); // [C_in, C_out]
    }
  }
  return tf.reshape(taps.length === 1 ? taps[0] : tf.stack(taps), [kh, kw, cin, cout]);
}

/**
 * Stride-1 'valid' 2-D convolution. On CPU backends its gradients are written as forward convolutions and matrix
 * products (wasm has no Conv2DBackpropFilter); on webgpu tfjs's own conv2d and its backprop kernels are used.
 */
export function conv2dValid(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return onWebgpu() ? tf.conv2d(x, w, 1, 'valid') : conv2dValidCpu(x, w);
}

/**
 * A kernel of this library's own: the backend's `base` kernel with fixed `attrs`, and a gradient per input, as
 * tfjs's own kernels have, so the engine computes an input's gradient only when something needs it. (A
 * tf.customGrad computes every input's gradient on every backward pass: for a first layer that is dL/d(image), a
 * "full" convolution nobody reads, 15-20 ms of a CPU-default step; the receptive-field tool, which
 * differentiates with respect to the image, still gets it.) Registered for a backend on its first use there.
 */
function ownKernel(
  name: string,
  base: string,
  attrs: tf.NamedAttrMap,
  inputsToSave: string[],
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>,
): (inputs: tf.NamedTensorMap) => tf.Tensor {
  // A second copy of this module (tests) finds the gradient registered already; tfjs would warn on overriding it.
  if (!tf.getGradient(name))
    tf.registerGradient({ kernelName: name, inputsToSave, gradFunc: (dy, saved) => gradFunc(dy as tf.Tensor, saved) });
  return (inputs) => {
    const backendName = tf.getBackend();
    if (!tf.getKernel(name, backendName)) {
      const baseKernel = tf.getKernel(base, backendName);
      if (!baseKernel) throw new Error(`backend ${backendName} has no ${base} kernel`);
      tf.registerKernel({
        kernelName: name,
        backendName,
        kernelFunc: (args) => baseKernel.kernelFunc({ ...args, attrs }),
      });
    }
    return tf.engine().runKernel(name, inputs, {}) as tf.Tensor;
  };
}

const conv2dValidKernel = ownKernel(
  'PixelModelsConv2DValid',
  'Conv2D',
  { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 },
  ['x', 'filter'],
  (dy, saved) => {
    const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
    const [kh, kw, cin] = ws.shape;
    return {
      // dL/dx: "full" convolution of dy with the spatially flipped, in/out-transposed filter.
      x: () => {
        const dyPadded = pad2d(dy as tf.Tensor4D, [kh - 1, kh - 1, kw - 1, kw - 1]);
        const flipped = tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
        return tf.conv2d(dyPadded, flipped, 1, 'valid');
      },
      filter: () =>
        convFilterGrad(xs, dy as tf.Tensor4D, [kh, kw], cin >= FILTER_GRAD_TAPS_MIN_CHANNELS ? 'taps' : 'conv'),
    };
  },
);

const conv2dValidCpu = (x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D =>
  conv2dValidKernel({ x, filter: w }) as tf.Tensor4D;

/**
 * Stride-1 convolution of `x` zero-padded by [top, bottom, left, right]: one native convolution on webgpu, the
 * explicit pad and `conv2dValid` elsewhere.
 */
export function paddedConv2d(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  [top, bottom, left, right]: [number, number, number, number],
): tf.Tensor4D {
  if (!onWebgpu()) return conv2dValid(pad2d(x, [top, bottom, left, right]), w);
  return tf.conv2d(x, w, 1, [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ]);
}

/** Zero-pads rows/columns: [top, bottom, left, right]. */
export function pad2d(x: tf.Tensor4D, [top, bottom, left, right]: [number, number, number, number]): tf.Tensor4D {
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return x;
  return tf.pad(x, [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ]);
}

/**
 * Adds a per-output-channel bias (the last axis). On CPU backends the bias gradient, the sum of dy over every
 * position, is one matrix product ones[1, N] x dy[N, C]: tfjs's own gradient sums over the leading axes, which
 * wasm's Sum does by first transposing all of dy (measured: 0.47 ms per [16, 28, 28, 16] map, 9.4 ms of a
 * CPU-default Gated PixelCNN step).
 */
export function addBias<T extends tf.Tensor>(y: T, bias?: tf.Tensor1D): T {
  if (!bias) return y;
  return (onWebgpu() ? tf.add(y, bias) : addBiasKernel({ a: y, b: bias })) as T;
}

const addBiasKernel = ownKernel('PixelModelsAddBias', 'Add', {}, [], (dy) => ({
  a: () => dy,
  b: () => {
    const c = dy.shape[dy.rank - 1];
    const rows = tf.reshape(dy, [-1, c]) as tf.Tensor2D;
    return tf.reshape(tf.matMul(tf.ones([1, rows.shape[0]]), rows), [c]);
  },
}));

/** Same-size masked convolution: the weights are multiplied by a fixed mask before convolving. */
export function maskedConv2d(x: tf.Tensor4D, w: tf.Tensor4D, weightMask: tf.Tensor4D, bias?: tf.Tensor1D): tf.Tensor4D {
  const [kh, kw] = w.shape;
  const pads: [number, number, number, number] = [
    Math.floor(kh / 2),
    kh - 1 - Math.floor(kh / 2),
    Math.floor(kw / 2),
    kw - 1 - Math.floor(kw / 2),
  ];
  return addBias(paddedConv2d(x, tf.mul(w, weightMask) as tf.Tensor4D, pads), bias);
}

/**
 * Vertical stack: output (i, j) reads rows i-k_h+1 .. i and columns j-(k_w-1)/2 .. j+(k_w-1)/2 (k_w odd).
 * It sees the current row, including pixels to the right, so it may only reach the horizontal stack through
 * `downShift`.
 */
export function verticalStackConv(x: tf.Tensor4D, w: tf.Tensor4D, bias?: tf.Tensor1D): tf.Tensor4D {
  const [kh, kw] = w.shape;
  const side = (kw - 1) / 2;
  return addBias(paddedConv2d(x, w, [kh - 1, 0, side, side]), bias);
}

/**
 * Horizontal stack: output (i, j) reads row i, columns j-k_w+1 .. j. The last tap is the current pixel, masked
 * by colour group: `centre = 'A'` hides the current pixel's own group (first layer), 'B' shows it.
 */
export function horizontalStackConv(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  centreMask: tf.Tensor4D | undefined,
  bias?: tf.Tensor1D,
): tf.Tensor4D {
  const kw = w.shape[1];
  const weights: tf.Tensor4D = centreMask ? tf.mul(w, centreMask) : w;
  return addBias(paddedConv2d(x, weights, [0, 0, kw - 1, 0]), bias);
}

/** The mask for `horizontalStackConv`: taps left of the centre are open, the centre obeys the colour groups. */
export function horizontalMask(kw: number, type: MaskType, inGroups: number[], outGroups: number[]): tf.Tensor4D {
  return mask({ kernel: [1, kw], center: [0, kw - 1], type, inGroups, outGroups });
}

/** Shifts a feature map `rows` rows down: row i of the result holds row i-rows (zeros at the top). */
export function downShift(x: tf.Tensor4D, rows = 1): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  return tf.slice(pad2d(x, [rows, 0, 0, 0]), [0, 0, 0, 0], [b, h, w, c]) as tf.Tensor4D;
}

/** Shifts a feature map `cols` columns right: column j of the result holds column j-cols (zeros at the left). */
export function rightShift(x: tf.Tensor4D, cols = 1): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  return tf.slice(pad2d(x, [0, 0, cols, 0]), [0, 0, 0, 0], [b, h, w, c]) as tf.Tensor4D;
}

/**
 * Matrix product [N, K] x [K, M]. On CPU backends its gradients use explicitly transposed operands: tfjs's own
 * gradient calls matMul with transposeA/transposeB, which the wasm backend runs about 9x slower than a transpose
 * and a plain product (measured: 90 ms vs 10 ms for [25088, 64]^T x [25088, 64]). On webgpu the transposed
 * product is one kernel, so tfjs's own gradient is used (2 dispatches instead of 4).
 */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return onWebgpu() ? tf.matMul(a, b) : matMul2dCpu(a, b);
}

const matMul2dKernel = ownKernel(
  'PixelModelsMatMul2d',
  'BatchMatMul',
  { transposeA: false, transposeB: false },
  ['a', 'b'],
  (dy, saved) => {
    const [as, bs] = saved as [tf.Tensor2D, tf.Tensor2D];
    return {
      a: () => tf.matMul(dy as tf.Tensor2D, tf.transpose(bs)),
      b: () => tf.matMul(tf.transpose(as), dy as tf.Tensor2D),
    };
  },
);

const matMul2dCpu = (a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D => matMul2dKernel({ a, b }) as tf.Tensor2D;

/**
 * 1x1 convolution as a matrix product: [B, H, W, C_in] x [C_in, C_out]. With `weightMask` (mask B for colour
 * groups) output group g reads input groups <= g.
 */
export function conv1x1(x: tf.Tensor4D, w: tf.Tensor2D, bias?: tf.Tensor1D, weightMask?: tf.Tensor2D): tf.Tensor4D {
  const [b, h, wd, c] = x.shape;
  const weights: tf.Tensor2D = weightMask ? tf.mul(w, weightMask) : w;
  const y = matMul2d(tf.reshape(x, [b * h * wd, c]), weights);
  return tf.reshape(addBias(y, bias), [b, h, wd, w.shape[1]]);
}

/** Mask B for a 1x1 convolution between colour-grouped features, or undefined when there is one channel. */
export function colourMask1x1(cin: number, cout: number, channels: number): tf.Tensor2D | undefined {
  if (channels === 1) return undefined;
  const m = mask({
    kernel: [1, 1],
    type: 'B',
    inGroups: colourGroups(cin, channels),
    outGroups: colourGroups(cout, channels),
  });
  return tf.reshape(m, [cin, cout]);
}

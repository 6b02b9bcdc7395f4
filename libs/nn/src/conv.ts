/**
 * The convolutions every model is built from. One `paddedConv2d` (zero padding and bias inside the convolution)
 * with a hand-written gradient (the input gradient is a forward convolution, the filter gradient `convFilterGrad`,
 * so they run on wasm, which has no Conv2DBackpropFilter kernel, and avoid the pure-JS cpu backend's very slow
 * backprop kernels), and on top of it the causal variants:
 *  - `maskedConv2d`: PixelCNN's masked k x k convolution (mask A or B, colour groups);
 *  - `verticalStackConv`: Gated PixelCNN's vertical stack, rows at and above the current one;
 *  - `horizontalStackConv`: the 1 x k horizontal stack, the current row up to the current pixel;
 *  - `downShift` / `rightShift`: move a feature map one row down / one column right (zeros enter).
 * Tensors are NHWC; weights are [k_h, k_w, C_in, C_out].
 *
 * On wasm the convolutions, products and filter gradients run this library's own SIMD kernels (wasm-simd/) where
 * they take the shapes, XNNPACK elsewhere. On webgpu both gradients come from tfjs-webgpu's own backprop kernels:
 * 1 dispatch forward and 2 backward, where the CPU path's transposes and per-tap products would each be a dispatch
 * of their own. Same values; the CPU path stays as measured fastest there.
 */
import * as tf from '@tensorflow/tfjs';
import { mask, type MaskType, colourGroups } from './masks';
import { onWebgpu } from './webgpu/program';
import { CHANNEL_SUMS_KERNEL, SHIFT_KERNEL } from './wasm-kernels';
import { CONV_SIMD_KERNEL, FILTER_GRAD_KERNEL, MATMUL_SIMD_KERNEL } from './wasm-simd/kernels';
import { wholeVectors } from './wasm-simd/encoder';

/**
 * Without the SIMD kernel (C_out not a multiple of 4, or the cpu backend): inputs at least this wide take the
 * per-tap filter gradient; narrower ones the batch-as-channels convolution. Measured on wasm (28x28, 2x3 kernel):
 * 64 -> 64 channels, batch 16, taps 33 ms vs conv 36-49 ms (1x1: 5 vs 12 ms); 16 -> 16 channels, batch 32, taps
 * 13 ms vs conv 7 ms.
 */
export const FILTER_GRAD_TAPS_MIN_CHANNELS = 32;

/** Zero padding of a map's rows and columns: [top, bottom, left, right]. */
export type Pads = [number, number, number, number];

/** tfjs's explicit NHWC padding for `pads`. */
const explicitPad = ([top, bottom, left, right]: Pads): tf.backend_util.ExplicitPadding => [
  [0, 0],
  [top, bottom],
  [left, right],
  [0, 0],
];

/** How `convFilterGrad` computes a filter gradient. */
export type FilterGradMethod = 'simd' | 'taps' | 'conv';

/**
 * The fastest filter-gradient method the backend has for these channel counts: wasm's SIMD kernel where it is
 * registered and C_out is a multiple of 4 (measured on a [16, 28, 28, 16] map: 2x3 kernel 1.1 ms, against 6-8 ms
 * by convolution and 12-14 ms by taps; 1x1 0.2 ms against 1.3-1.7 ms by product), else by `cin`.
 */
export function filterGradMethod(cin: number, cout: number): FilterGradMethod {
  if (wholeVectors(cout) && tf.getKernel(FILTER_GRAD_KERNEL, tf.getBackend())) return 'simd';
  return cin >= FILTER_GRAD_TAPS_MIN_CHANNELS ? 'taps' : 'conv';
}

/**
 * dL/dw of a stride-1 convolution of `x` zero-padded by `pads`, [k_h, k_w, C_in, C_out], from `x` and the output
 * gradient `dy`.
 *  - 'simd': wasm's `PixelModelsFilterGrad`, one pass over the positions per tap, the padding never copied.
 *  - 'taps': one matrix product per kernel tap, x[:, i:, j:, :]^T dy: large products XNNPACK runs near its
 *    matmul peak, and `dy` is the same right-hand operand for every tap.
 *  - 'conv': correlate x with dy, batch playing the role of channels ([C_in, H, W, B] * [H', W', B, C_out]):
 *    one call, better when C_in is small; the padding stays inside the convolution.
 */
export function convFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  [kh, kw]: [number, number],
  method: FilterGradMethod,
  pads: Pads = [0, 0, 0, 0],
): tf.Tensor4D {
  const [b, oh, ow, cout] = dy.shape;
  const cin = x.shape[3];
  if (method === 'simd')
    return tf.engine().runKernel(FILTER_GRAD_KERNEL, { x, dy }, { kh, kw, top: pads[0], left: pads[2] }) as tf.Tensor4D;
  if (method === 'conv') {
    const xT = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D;
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    return tf.transpose(tf.conv2d(xT, dyT, 1, explicitPad(pads)), [1, 2, 0, 3]);
  }
  const padded = pad2d(x, pads);
  const dy2 = tf.reshape(dy, [b * oh * ow, cout]);
  const taps: tf.Tensor2D[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const window = tf.reshape(tf.slice(padded, [0, i, j, 0], [b, oh, ow, cin]), [b * oh * ow, cin]);
      taps.push(tf.matMul(tf.transpose(window), dy2)); // [C_in, C_out]
    }
  }
  return tf.reshape(taps.length === 1 ? taps[0] : tf.stack(taps), [kh, kw, cin, cout]);
}

/**
 * Stride-1 'valid' 2-D convolution. On CPU backends its gradients are written as forward convolutions and matrix
 * products (wasm has no Conv2DBackpropFilter); on webgpu tfjs's own conv2d and its backprop kernels are used.
 */
export function conv2dValid(x: tf.Tensor4D, w: tf.Tensor4D, bias?: tf.Tensor1D): tf.Tensor4D {
  return paddedConv2d(x, w, [0, 0, 0, 0], bias);
}

/**
 * A kernel of this library's own: the backend's first kernel of `bases` with fixed `attrs` (plus those of each
 * call), and a gradient per input, as tfjs's own kernels have, so the engine computes an input's gradient only when
 * something needs it. (A tf.customGrad computes every input's gradient on every backward pass: for a first layer that is
 * dL/d(image), a "full" convolution nobody reads, 15-20 ms of a CPU-default step; the receptive-field tool, which
 * differentiates with respect to the image, still gets it.) Registered for a backend on its first use there.
 */
function ownKernel(
  name: string,
  bases: string[],
  attrs: tf.NamedAttrMap,
  inputsToSave: string[],
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap) => Record<string, () => tf.Tensor>,
): (inputs: tf.NamedTensorMap, callAttrs?: tf.NamedAttrMap) => tf.Tensor {
  // A second copy of this module (tests) finds the gradient registered already; tfjs would warn on overriding it.
  if (!tf.getGradient(name))
    tf.registerGradient({
      kernelName: name,
      inputsToSave,
      gradFunc: (dy, saved, callAttrs) => gradFunc(dy as tf.Tensor, saved, callAttrs),
    });
  return (inputs, callAttrs = {}) => {
    const backendName = tf.getBackend();
    if (!tf.getKernel(name, backendName)) {
      const baseKernel = bases.map((base) => tf.getKernel(base, backendName)).find((k) => k);
      if (!baseKernel) throw new Error(`backend ${backendName} has no ${bases.join(' or ')} kernel`);
      tf.registerKernel({
        kernelName: name,
        backendName,
        kernelFunc: (args) => baseKernel.kernelFunc({ ...args, attrs: { ...attrs, ...args.attrs } }),
      });
    }
    return tf.engine().runKernel(name, inputs, callAttrs) as tf.Tensor;
  };
}

/**
 * Convolution with the zero padding and the bias inside one kernel (wasm's SIMD convolution, or the backend's
 * fused one: both pad as they read their input), so neither a padded copy of the input nor a bias pass over the
 * output is made; its input gradient is the same kernel padded the other way, its filter gradient
 * `convFilterGrad`.
 */
const paddedConvKernel = ownKernel(
  'PixelModelsConv2D',
  [CONV_SIMD_KERNEL, 'FusedConv2D'],
  { strides: 1, dataFormat: 'NHWC', dilations: 1, activation: 'linear' },
  ['x', 'filter'],
  (dy, saved, attrs) => {
    const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
    const [kh, kw, cin, cout] = ws.shape;
    const [, [top, bottom], [left, right]] = attrs.pad as tf.backend_util.ExplicitPadding;
    const method = filterGradMethod(cin, cout);
    return {
      // dL/dx: dy correlated with the spatially flipped, in/out-transposed filter, padded to a "full" convolution
      // less the forward padding (the padded border has no gradient).
      x: () => {
        const flipped = tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
        const back: Pads = [kh - 1 - top, kh - 1 - bottom, kw - 1 - left, kw - 1 - right];
        return paddedConvKernel({ x: dy, filter: flipped }, { pad: explicitPad(back) });
      },
      filter: () => convFilterGrad(xs, dy as tf.Tensor4D, [kh, kw], method, [top, bottom, left, right]),
      bias: () => channelSums(dy),
    };
  },
);

/**
 * Stride-1 convolution of `x` zero-padded by [top, bottom, left, right], plus an optional per-channel bias: one
 * native convolution on every backend. On CPU backends each padding must be at most the kernel's extent less one
 * (every causal convolution's is); larger ones are padded first.
 */
export function paddedConv2d(x: tf.Tensor4D, w: tf.Tensor4D, pads: Pads, bias?: tf.Tensor1D): tf.Tensor4D {
  if (onWebgpu()) return addBias(tf.conv2d(x, w, 1, pads.some((p) => p > 0) ? explicitPad(pads) : 'valid'), bias);
  const [kh, kw] = w.shape;
  const [top, bottom, left, right] = pads;
  if (Math.max(top, bottom) >= kh || Math.max(left, right) >= kw)
    return paddedConv2d(pad2d(x, pads), w, [0, 0, 0, 0], bias);
  const inputs: tf.NamedTensorMap = bias ? { x, filter: w, bias } : { x, filter: w };
  return paddedConvKernel(inputs, { pad: explicitPad(pads) }) as tf.Tensor4D;
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
 * Adds a per-output-channel bias (the last axis). On CPU backends the bias gradient is `channelSums`: tfjs's own
 * gradient sums over the leading axes, which wasm's Sum does by first transposing all of dy.
 */
export function addBias<T extends tf.Tensor>(y: T, bias?: tf.Tensor1D): T {
  if (!bias) return y;
  return (onWebgpu() ? tf.add(y, bias) : addBiasKernel({ a: y, b: bias })) as T;
}

const addBiasKernel = ownKernel('PixelModelsAddBias', ['Add'], {}, [], (dy) => ({
  a: () => dy,
  b: () => channelSums(dy),
}));

/**
 * The sum over every axis but the last, [C]: a bias gradient. wasm runs `useFastWasmKernels`' one pass over the
 * map; elsewhere tf.sum.
 */
export function channelSums(dy: tf.Tensor): tf.Tensor1D {
  if (tf.getKernel(CHANNEL_SUMS_KERNEL, tf.getBackend()))
    return tf.engine().runKernel(CHANNEL_SUMS_KERNEL, { x: dy }, {}) as tf.Tensor1D;
  return tf.sum(tf.reshape(dy, [-1, dy.shape[dy.rank - 1]]), 0);
}

/**
 * Same-size masked convolution: the weights are multiplied by a fixed mask before convolving. Masks A and B are
 * zero below the centre row, so on CPU backends only the rows down to the centre are convolved (a 3x3 kernel
 * becomes 2x3: a third fewer multiply-adds each way); a mask with weights below the centre is not supported.
 */
export function maskedConv2d(x: tf.Tensor4D, w: tf.Tensor4D, weightMask: tf.Tensor4D, bias?: tf.Tensor1D): tf.Tensor4D {
  const [kh, kw, cin, cout] = w.shape;
  const centre = Math.floor(kh / 2);
  const left = Math.floor(kw / 2);
  const masked = tf.mul(w, weightMask) as tf.Tensor4D;
  if (onWebgpu()) return paddedConv2d(x, masked, [centre, kh - 1 - centre, left, kw - 1 - left], bias);
  const upper = centre + 1 < kh ? tf.slice(masked, [0, 0, 0, 0], [centre + 1, kw, cin, cout]) : masked;
  return paddedConv2d(x, upper, [centre, 0, left, kw - 1 - left], bias);
}

/**
 * Vertical stack: output (i, j) reads rows i-k_h+1 .. i and columns j-(k_w-1)/2 .. j+(k_w-1)/2 (k_w odd).
 * It sees the current row, including pixels to the right, so it may only reach the horizontal stack through
 * `downShift`.
 */
export function verticalStackConv(x: tf.Tensor4D, w: tf.Tensor4D, bias?: tf.Tensor1D): tf.Tensor4D {
  const [kh, kw] = w.shape;
  const side = (kw - 1) / 2;
  return paddedConv2d(x, w, [kh - 1, 0, side, side], bias);
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
  return paddedConv2d(x, weights, [0, 0, kw - 1, 0], bias);
}

/** The mask for `horizontalStackConv`: taps left of the centre are open, the centre obeys the colour groups. */
export function horizontalMask(kw: number, type: MaskType, inGroups: number[], outGroups: number[]): tf.Tensor4D {
  return mask({ kernel: [1, kw], center: [0, kw - 1], type, inGroups, outGroups });
}

/** Shifts a feature map `rows` rows down: row i of the result holds row i-rows (zeros at the top). */
export function downShift(x: tf.Tensor4D, rows = 1): tf.Tensor4D {
  return shift2d(x, rows, 0);
}

/** Shifts a feature map `cols` columns right: column j of the result holds column j-cols (zeros at the left). */
export function rightShift(x: tf.Tensor4D, cols = 1): tf.Tensor4D {
  return shift2d(x, 0, cols);
}

/**
 * Moves a map `rows` down and `cols` right (negative: up / left), zeros entering: one pass on wasm
 * (`useFastWasmKernels`), a pad and a slice elsewhere. Its gradient is the opposite shift.
 */
function shift2d(x: tf.Tensor4D, rows: number, cols: number): tf.Tensor4D {
  if (rows === 0 && cols === 0) return x;
  if (tf.getKernel(SHIFT_KERNEL, tf.getBackend()))
    return tf.engine().runKernel(SHIFT_KERNEL, { x }, { rows, cols }) as tf.Tensor4D;
  const [b, h, w, c] = x.shape;
  const padded = pad2d(x, [Math.max(rows, 0), Math.max(-rows, 0), Math.max(cols, 0), Math.max(-cols, 0)]);
  return tf.slice(padded, [0, Math.max(-rows, 0), Math.max(-cols, 0), 0], [b, h, w, c]);
}

if (!tf.getGradient(SHIFT_KERNEL))
  tf.registerGradient({
    kernelName: SHIFT_KERNEL,
    gradFunc: (dy, _saved, attrs) => {
      const { rows, cols } = attrs as { rows: number; cols: number };
      return { x: () => shift2d(dy as tf.Tensor4D, -rows, -cols) };
    },
  });

/**
 * Matrix product [N, K] x [K, M], plus an optional bias [M] added to every row (inside the product's own kernel on
 * CPU backends: wasm's SIMD product where M is a multiple of 4, else the backend's fused one). On CPU backends its
 * gradients use explicitly transposed operands: tfjs's own gradient calls matMul with transposeA/transposeB, which
 * the wasm backend runs about 9x slower than a transpose and a plain product (measured: 90 ms vs 10 ms for
 * [25088, 64]^T x [25088, 64]). On webgpu the transposed product is one kernel, so tfjs's own gradient is used
 * (2 dispatches instead of 4).
 */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  if (onWebgpu()) return addBias(tf.matMul(a, b), bias);
  // The fused kernel takes rank-3 operands (a batch of one), as tf.fused.matMul passes them.
  const a3 = tf.reshape(a, [1, ...a.shape]);
  const b3 = tf.reshape(b, [1, ...b.shape]);
  const y = matMul2dKernel(bias ? { a: a3, b: b3, bias } : { a: a3, b: b3 });
  return tf.reshape(y, [a.shape[0], b.shape[1]]);
}

const matMul2dKernel = ownKernel(
  'PixelModelsMatMul2d',
  [MATMUL_SIMD_KERNEL, '_FusedMatMul'],
  { transposeA: false, transposeB: false, activation: 'linear' },
  ['a', 'b'],
  (dy, saved) => {
    // Saved and incoming tensors are rank 3, a batch of one: the products run on the matrices.
    const matrix = (t: tf.Tensor): tf.Tensor2D => tf.reshape(t, [t.shape[1] as number, t.shape[2] as number]);
    const [as, bs, dy2] = [matrix(saved[0]), matrix(saved[1]), matrix(dy)];
    return {
      a: () => tf.reshape(matMul2d(dy2, tf.transpose(bs)), [1, ...as.shape]),
      b: () => tf.reshape(productTransposedA(as, dy2), [1, ...bs.shape]),
      bias: () => channelSums(dy),
    };
  },
);

/**
 * a^T b for tall a [N, K] and b [N, M] (a weight gradient). On wasm with M a multiple of 4 it is a 1x1 filter
 * gradient (the SIMD kernel); otherwise XNNPACK, which packs the right-hand operand on every call, costing more than
 * the product here, so the narrower of the two is packed: (b^T a)^T when b is wider.
 */
export function productTransposedA(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const [n, k] = a.shape;
  const m = b.shape[1];
  if (filterGradMethod(k, m) === 'simd') {
    // One row of n columns: the kernel runs along a row without stopping.
    const w = convFilterGrad(tf.reshape(a, [1, 1, n, k]), tf.reshape(b, [1, 1, n, m]), [1, 1], 'simd');
    return tf.reshape(w, [k, m]);
  }
  if (b.shape[1] <= a.shape[1]) return tf.matMul(tf.transpose(a), b);
  return tf.transpose(tf.matMul(tf.transpose(b), a));
}

/**
 * 1x1 convolution as a matrix product: [B, H, W, C_in] x [C_in, C_out]. With `weightMask` (mask B for colour
 * groups) output group g reads input groups <= g.
 */
export function conv1x1(x: tf.Tensor4D, w: tf.Tensor2D, bias?: tf.Tensor1D, weightMask?: tf.Tensor2D): tf.Tensor4D {
  const [b, h, wd, c] = x.shape;
  const weights: tf.Tensor2D = weightMask ? tf.mul(w, weightMask) : w;
  return tf.reshape(matMul2d(tf.reshape(x, [b * h * wd, c]), weights, bias), [b, h, wd, w.shape[1]]);
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

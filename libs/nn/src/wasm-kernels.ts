/**
 * Faster kernels for the tfjs wasm backend (4.22), installed by `initBackend('wasm')`:
 *  - `Identity` shares its input's buffer (reference-counted, as wasm's own Reshape and tfjs cpu's Identity do).
 *    The stock kernel copies it, and the engine clones every tensor a gradient saves through Identity: ~360
 *    full-size copies per Gated PixelCNN training step, 5% of its time at the CPU default size.
 *  - `Slice`: the stock kernel starts with `backend.readSync(x.dataId)`, which copies the whole input out of the
 *    wasm heap, so every slice costs the size of its input, not of its output: splitting a [32, 28, 55, 64] map
 *    into its 55 columns took ~400 ms. This one reads the input through a view of the heap (no copy); the rest is
 *    the stock kernel. `SplitV` (tf.split) and `Unpack` (tf.unstack) call the stock slice directly, so they are
 *    replaced too.
 * Strings fall back to the stock kernels. Tests compare every kernel with the cpu backend's, values and gradients.
 *
 * And kernels of this library's own, plain loops over the heap where chains of stock kernels copy whole maps:
 *  - `PixelModelsChannelSums`: the sum over every axis but the last (a bias gradient). A product with ones
 *    re-packs the whole map as XNNPACK weights on every call (0.7 ms per [16, 28, 28, 16]); wasm's Sum transposes
 *    it first. The loop reads it once (a SIMD one, wasm-simd/channel-sums.ts, for channels in vectors of 4).
 *  - `PixelModelsShift`: moves a map `rows` down and `cols` right (negative: up / left), zeros entering; one copy
 *    where a pad and a slice make two, in each direction.
 *  - `PixelModelsAdam`: one variable's Adam update (new weights, m and v) in one pass, where tf ops launch twelve
 *    kernels per variable (~480 per Gated PixelCNN step, each with the engine's ~10 us of overhead), and
 *    `PixelModelsSumOfSquares`, the squared norm of all gradients (for clipping) in one pass instead of two
 *    kernels per gradient.
 *  - `PixelModelsFilterGrad`: a convolution's filter gradient (and a product's weight gradient, a 1x1 one) as a
 *    WebAssembly SIMD loop of this library's own (wasm-simd/filter-grad.ts), 5-10x faster than the transposes and
 *    convolution tfjs would run; `PixelModelsConvSimd` and `PixelModelsMatMulSimd`, convolutions (padding and bias
 *    inside) and products the same way (wasm-simd/conv.ts), 15-30% faster than XNNPACK at 16-32 channels.
 */
import * as tf from '@tensorflow/tfjs';
import { type KernelArgs, type WasmBackendLike, type WasmTensorInfo } from './wasm-backend';
import { SIMD_KERNELS, simdChannelSums, simdCompiles } from './wasm-simd/kernels';

const stock = new Map<string, tf.KernelConfig>();

const runStock = (name: string, args: KernelArgs) =>
  (stock.get(name) as tf.KernelConfig).kernelFunc(args as Parameters<tf.KernelFunc>[0]);

function sliceOf(x: WasmTensorInfo, begin: number[], size: number[], backend: WasmBackendLike): WasmTensorInfo {
  const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size);
  const out = backend.makeOutput(s, x.dtype);
  // Views after makeOutput: allocating may grow (and so detach) the heap.
  const xVals = backend.typedArrayFromHeap(x);
  const outVals = backend.typedArrayFromHeap(out);
  const strides = tf.util.computeStrides(x.shape);
  if (tf.slice_util.isSliceContinous(x.shape, b, s)) {
    const offset = tf.slice_util.computeFlatOffset(b, strides);
    outVals.set(xVals.subarray(offset, offset + tf.util.sizeFromShape(s)));
    return out;
  }
  // Copy contiguous runs and iterate over the axes before them. A run spans the innermost axis the slice cuts
  // and every axis after it (taken whole): cropping rows of [16, 29, 28, 16] copies 16 runs of 28 x 28 x 16,
  // not 12,544 runs of 16 (a subarray per run made that slice ~1 ms).
  let inner = x.shape.length - 1;
  while (inner > 0 && s[inner] === x.shape[inner]) inner--;
  const unit = inner + 1 < x.shape.length ? strides[inner] : 1; // elements per step along `inner`
  const run = s[inner] * unit;
  const lead = s.slice(0, inner);
  const count = tf.util.sizeFromShape(lead);
  const index = new Array<number>(inner).fill(0);
  for (let n = 0, o = 0; n < count; n++, o += run) {
    let offset = b[inner] * unit;
    for (let a = 0; a < inner; a++) offset += (b[a] + index[a]) * strides[a];
    outVals.set(xVals.subarray(offset, offset + run), o);
    for (let a = inner - 1; a >= 0; a--) {
      if (++index[a] < lead[a]) break;
      index[a] = 0;
    }
  }
  return out;
}

function slice(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as WasmTensorInfo;
  if (x.dtype === 'string') return runStock('Slice', args);
  const { begin, size } = args.attrs as { begin: number[]; size: number[] };
  return sliceOf(x, begin, size, args.backend as WasmBackendLike);
}

function splitV(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as WasmTensorInfo;
  if (x.dtype === 'string') return runStock('SplitV', args);
  const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
  const a = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, a);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((n) => {
    const size = [...x.shape];
    size[a] = n;
    const out = sliceOf(x, [...begin], size, args.backend as WasmBackendLike);
    begin[a] += n;
    return out;
  });
}

function unpack(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.value as WasmTensorInfo;
  if (x.dtype === 'string') return runStock('Unpack', args);
  const a = tf.util.parseAxisParam((args.attrs as { axis: number }).axis, x.shape)[0];
  const outShape = x.shape.filter((_, i) => i !== a);
  const size = [...x.shape];
  size[a] = 1;
  return Array.from({ length: x.shape[a] }, (_, i) => {
    const begin = new Array<number>(x.shape.length).fill(0);
    begin[a] = i;
    const { dataId, dtype } = sliceOf(x, begin, size, args.backend as WasmBackendLike);
    return { dataId, dtype, shape: outShape };
  });
}

function identity(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as WasmTensorInfo;
  if (x.dtype === 'string') return runStock('Identity', args);
  (args.backend as WasmBackendLike).incRef(x.dataId); // tensors never write their buffers: sharing is safe
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Name of the channel-sum kernel (`channelSums` in conv.ts runs it where the backend has it). */
export const CHANNEL_SUMS_KERNEL = 'PixelModelsChannelSums';
/** Name of the shift kernel (`shift2d` in conv.ts), attrs `{ rows, cols }`. */
export const SHIFT_KERNEL = 'PixelModelsShift';

function channelSums(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs.x as WasmTensorInfo;
  const backend = args.backend as WasmBackendLike;
  const c = x.shape[x.shape.length - 1];
  const out = backend.makeOutput([c], 'float32');
  // The SIMD loop where it takes the shape: 6x faster than the one below (0.06 vs 0.38 ms for [16, 28, 28, 16]),
  // summing in float32 as XNNPACK would.
  if (simdReady && simdChannelSums(backend, x, out)) return out;
  const xVals = backend.typedArrayFromHeap(x);
  // Column by column with four running sums (rows r, r+1, r+2, r+3): 2.5x faster in V8 than adding each row into
  // an accumulator array. float64 sums keep float32's precision over ~10^5 terms.
  const acc = new Float64Array(c);
  const end = xVals.length - 3 * c;
  for (let k = 0; k < c; k++) {
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0,
      i = k;
    for (; i < end; i += 4 * c) {
      s0 += xVals[i];
      s1 += xVals[i + c];
      s2 += xVals[i + 2 * c];
      s3 += xVals[i + 3 * c];
    }
    for (; i < xVals.length; i += c) s0 += xVals[i];
    acc[k] = s0 + s1 + s2 + s3;
  }
  backend.typedArrayFromHeap(out).set(acc);
  return out;
}

function shift(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs.x as WasmTensorInfo;
  const backend = args.backend as WasmBackendLike;
  const { rows, cols } = args.attrs as { rows: number; cols: number };
  const [b, h, w, c] = x.shape;
  const out = backend.makeOutput(x.shape, x.dtype);
  const xVals = backend.typedArrayFromHeap(x);
  const outVals = backend.typedArrayFromHeap(out);
  outVals.fill(0);
  const keepRows = h - Math.abs(rows);
  const keepCols = w - Math.abs(cols);
  if (keepRows <= 0 || keepCols <= 0) return out;
  const rowLen = w * c;
  const fromRow = Math.max(0, -rows); // first input row that lands in the output
  const fromCol = Math.max(0, -cols) * c;
  const toCol = Math.max(0, cols) * c;
  for (let n = 0; n < b; n++) {
    const image = n * h * rowLen;
    if (cols === 0) {
      // Whole rows: one contiguous block per image.
      const src = image + fromRow * rowLen;
      outVals.set(xVals.subarray(src, src + keepRows * rowLen), image + (fromRow + rows) * rowLen);
      continue;
    }
    for (let i = 0; i < keepRows; i++) {
      const src = image + (fromRow + i) * rowLen + fromCol;
      outVals.set(xVals.subarray(src, src + keepCols * c), image + (fromRow + i + rows) * rowLen + toCol);
    }
  }
  return out;
}

/** Name of the Adam-update kernel: inputs x, m, v, g; attrs beta1, beta2, lrT, epsilon, scale; outputs x, m, v. */
export const ADAM_KERNEL = 'PixelModelsAdam';

/** Adam's update of one variable, with the learning rate's bias corrections folded into `lrT`. */
function adam(args: KernelArgs): tf.TensorInfo[] {
  const { x, m, v, g } = args.inputs as Record<string, WasmTensorInfo>;
  const backend = args.backend as WasmBackendLike;
  const { beta1, beta2, lrT, epsilon, scale } = args.attrs as Record<string, number>;
  const outs = [x, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  const [xv, mv, vv, gv] = [x, m, v, g].map((t) => backend.typedArrayFromHeap(t)); // after makeOutput (heap growth)
  const [xo, mo, vo] = outs.map((t) => backend.typedArrayFromHeap(t));
  for (let i = 0; i < xv.length; i++) {
    const gi = gv[i] * scale;
    const mi = beta1 * mv[i] + (1 - beta1) * gi;
    const vi = beta2 * vv[i] + (1 - beta2) * gi * gi;
    mo[i] = mi;
    vo[i] = vi;
    xo[i] = xv[i] - (lrT * mi) / (Math.sqrt(vi) + epsilon);
  }
  return outs;
}

/** Name of the kernel summing the squares of all its inputs (any names) into a float32 scalar. */
export const SUM_OF_SQUARES_KERNEL = 'PixelModelsSumOfSquares';

function sumOfSquares(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const out = backend.makeOutput([], 'float32');
  let total = 0;
  for (const t of Object.values(args.inputs) as WasmTensorInfo[]) {
    const vals = backend.typedArrayFromHeap(t);
    for (let i = 0; i < vals.length; i++) total += vals[i] * vals[i];
  }
  backend.typedArrayFromHeap(out)[0] = total;
  return out;
}

/** Kernels that exist only here (registered under new names, not replacing the backend's). */
const ownKernels: Record<string, (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]> = {
  [CHANNEL_SUMS_KERNEL]: channelSums,
  [SHIFT_KERNEL]: shift,
  [ADAM_KERNEL]: adam,
  [SUM_OF_SQUARES_KERNEL]: sumOfSquares,
};

/** Whether the SIMD kernels compiled (`useFastWasmKernels`); the channel sums take them where they fit. */
let simdReady = false;

const replacements: Record<string, (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]> = {
  Identity: identity,
  Slice: slice,
  SplitV: splitV,
  Unpack: unpack,
};

/**
 * Replaces the wasm backend's Identity, Slice, SplitV and Unpack kernels and adds the channel-sum, shift, Adam and
 * filter-gradient kernels (idempotent); `initBackend('wasm')` calls it.
 */
export function useFastWasmKernels(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  simdReady = simdCompiles();
  const kernels = simdReady ? { ...ownKernels, ...SIMD_KERNELS } : ownKernels;
  for (const [name, kernelFunc] of Object.entries(kernels))
    if (!tf.getKernel(name, 'wasm'))
      tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
  for (const [name, kernelFunc] of Object.entries(replacements)) {
    const current = tf.getKernel(name, 'wasm');
    if (!current || current.kernelFunc === (kernelFunc as unknown)) continue;
    stock.set(name, current);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
  }
  return true;
}

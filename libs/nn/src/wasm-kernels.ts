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
 */
import * as tf from '@tensorflow/tfjs';

interface WasmTensorInfo {
  dataId: object;
  shape: number[];
  dtype: tf.DataType;
}
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): WasmTensorInfo;
  typedArrayFromHeap(t: WasmTensorInfo): tf.TypedArray;
  incRef(dataId: object): void;
}

const stock = new Map<string, tf.KernelConfig>();
type Args = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };

const runStock = (name: string, args: Args) =>
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

function slice(args: Args): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as WasmTensorInfo;
  if (x.dtype === 'string') return runStock('Slice', args);
  const { begin, size } = args.attrs as { begin: number[]; size: number[] };
  return sliceOf(x, begin, size, args.backend as WasmBackendLike);
}

function splitV(args: Args): tf.TensorInfo | tf.TensorInfo[] {
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

function unpack(args: Args): tf.TensorInfo | tf.TensorInfo[] {
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

function identity(args: Args): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as WasmTensorInfo;
  if (x.dtype === 'string') return runStock('Identity', args);
  (args.backend as WasmBackendLike).incRef(x.dataId); // tensors never write their buffers: sharing is safe
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

const replacements: Record<string, (args: Args) => tf.TensorInfo | tf.TensorInfo[]> = {
  Identity: identity,
  Slice: slice,
  SplitV: splitV,
  Unpack: unpack,
};

/** Replaces the wasm backend's Identity, Slice, SplitV and Unpack kernels (idempotent); `initBackend('wasm')` calls it. */
export function useFastWasmKernels(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  for (const [name, kernelFunc] of Object.entries(replacements)) {
    const current = tf.getKernel(name, 'wasm');
    if (!current || current.kernelFunc === (kernelFunc as unknown)) continue;
    stock.set(name, current);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
  }
  return true;
}

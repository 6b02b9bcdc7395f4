/**
 * The tfjs kernels around this library's WebAssembly SIMD code (filter-grad.ts, conv.ts, channel-sums.ts): they
 * read their inputs and write their outputs in the wasm backend's heap, where the tensors are. `useFastWasmKernels`
 * registers them where SIMD compiles.
 */
import * as tf from '@tensorflow/tfjs';
import { heapAddress, heapOf, type KernelArgs, type WasmBackendLike, type WasmTensorInfo } from '../wasm-backend';
import { channelSumsOnHeap } from './channel-sums';
import { convOnHeap } from './conv';
import { wholeVectors } from './encoder';
import { filterGradTap, runFilterGrad } from './filter-grad';

/**
 * Name of the filter-gradient kernel: inputs x [B, H, W, C_in], dy [B, OH, OW, C_out] (C_out a multiple of 4);
 * attrs kh, kw and the forward convolution's top and left padding; output dL/dw [kh, kw, C_in, C_out].
 * Registered only where WebAssembly SIMD compiles.
 */
export const FILTER_GRAD_KERNEL = 'PixelModelsFilterGrad';

function filterGrad(args: KernelArgs): tf.TensorInfo {
  const { x, dy } = args.inputs as Record<string, WasmTensorInfo>;
  const backend = args.backend as WasmBackendLike;
  const { kh, kw, top, left } = args.attrs as Record<string, number>;
  const [b, h, w, cin] = x.shape;
  const [, oh, ow, cout] = dy.shape;
  if (!wholeVectors(cout)) throw new Error(`${FILTER_GRAD_KERNEL}: ${cout} output channels, not a multiple of 4`);
  const out = backend.makeOutput([kh, kw, cin, cout], 'float32');
  backend.typedArrayFromHeap(out).fill(0); // the taps add into it
  const at = (t: WasmTensorInfo) => heapAddress(backend, t);
  const tap = filterGradTap(heapOf(backend));
  runFilterGrad(tap, at(x), at(dy), at(out), { b, h, w, cin, oh, ow, cout, kh, kw, top, left });
  return out;
}

/** Name of the SIMD convolution kernel: FusedConv2D's inputs and attrs (stride 1, explicit padding, no activation). */
export const CONV_SIMD_KERNEL = 'PixelModelsConvSimd';
/** Name of the SIMD product kernel: _FusedMatMul's inputs and attrs (one matrix each side, no transposes). */
export const MATMUL_SIMD_KERNEL = 'PixelModelsMatMulSimd';

/** The wasm backend's own kernel `name` (one this module does not replace). */
const runWasmKernel = (name: string, args: KernelArgs) =>
  (tf.getKernel(name, 'wasm') as tf.KernelConfig).kernelFunc(args as Parameters<tf.KernelFunc>[0]);

function convSimd(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { x, filter, bias } = args.inputs as Record<string, WasmTensorInfo | undefined>;
  const { strides, dilations, pad, activation, dataFormat } = args.attrs as Record<string, unknown>;
  const [b, h, w, cin] = (x as WasmTensorInfo).shape;
  const [kh, kw, , cout] = (filter as WasmTensorInfo).shape;
  const plain = [strides, dilations].every((v) => v === 1 || (Array.isArray(v) && v.every((e) => e === 1)));
  if (
    !plain ||
    !Array.isArray(pad) ||
    (activation ?? 'linear') !== 'linear' ||
    (dataFormat ?? 'NHWC') !== 'NHWC' ||
    !wholeVectors(cout) ||
    (bias && bias.shape.length !== 1)
  )
    return runWasmKernel('FusedConv2D', args);
  const [, [top, bottom], [left, right]] = pad as number[][];
  const backend = args.backend as WasmBackendLike;
  const [oh, ow] = [h + top + bottom - kh + 1, w + left + right - kw + 1];
  const out = backend.makeOutput([b, oh, ow, cout], 'float32');
  const at = (t: WasmTensorInfo | undefined) => heapAddress(backend, t);
  convOnHeap(heapOf(backend))(at(x), at(filter), at(bias), at(out), b, oh, ow, h, w, cin, cout, kh, kw, top, left);
  return out;
}

function matMulSimd(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { a, b, bias } = args.inputs as Record<string, WasmTensorInfo | undefined>;
  const { transposeA, transposeB, activation } = args.attrs as Record<string, unknown>;
  const [batch, n, k] = (a as WasmTensorInfo).shape;
  const [batchB, , m] = (b as WasmTensorInfo).shape;
  if (
    transposeA ||
    transposeB ||
    (activation ?? 'linear') !== 'linear' ||
    batch !== 1 ||
    batchB !== 1 ||
    !wholeVectors(m) ||
    (bias && bias.shape.length !== 1)
  )
    return runWasmKernel('_FusedMatMul', args);
  const backend = args.backend as WasmBackendLike;
  const out = backend.makeOutput([1, n, m], 'float32');
  const at = (t: WasmTensorInfo | undefined) => heapAddress(backend, t);
  // A 1x1 convolution over one row of n positions.
  convOnHeap(heapOf(backend))(at(a), at(b), at(bias), at(out), 1, 1, n, 1, n, k, m, 1, 1, 0, 0);
  return out;
}

/** Whether this JavaScript engine compiles the WebAssembly SIMD kernels (every current browser and Node does). */
export function simdCompiles(): boolean {
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    filterGradTap(memory);
    convOnHeap(memory);
    channelSumsOnHeap(memory);
    return true;
  } catch {
    return false;
  }
}

/** Kernels of WebAssembly SIMD code of this library's own, by name. */
export const SIMD_KERNELS: Record<string, (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]> = {
  [FILTER_GRAD_KERNEL]: filterGrad,
  [CONV_SIMD_KERNEL]: convSimd,
  [MATMUL_SIMD_KERNEL]: matMulSimd,
};

/** Sums x [.., C] over every axis but the last into out [C] when C is a multiple of 4; false (nothing done) if not. */
export function simdChannelSums(backend: WasmBackendLike, x: WasmTensorInfo, out: WasmTensorInfo): boolean {
  const c = x.shape[x.shape.length - 1];
  if (!wholeVectors(c)) return false;
  const rows = tf.util.sizeFromShape(x.shape) / c;
  channelSumsOnHeap(heapOf(backend))(heapAddress(backend, x), heapAddress(backend, out), rows, c);
  return true;
}

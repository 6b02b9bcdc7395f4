/**
 * A child process for wasm-threads.test.ts (a process starts its wasm backend once): starts wasm with the XNNPACK
 * threads given as the first argument, runs a convolution, a matrix product and one training step's gradients of a
 * small masked network, and prints one JSON line with the threads started and the values. A second argument, a
 * path, becomes the temp folder first (a regular file there: the worker script cannot be written).
 */
import * as tf from '@tensorflow/tfjs';
import { conv1x1, maskB, maskedConv2d } from '@pixel-models/nn';
import { initBackend } from '../backend';

if (process.argv[3]) process.env.TMPDIR = process.argv[3];
const info = await initBackend('wasm', { kernelThreads: Number(process.argv[2]) });
const ramp = (shape: number[]) =>
  tf.tensor(
    Float32Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) => Math.sin(i)),
    shape,
  );
const x = ramp([4, 12, 12, 16]) as tf.Tensor4D;
const w = tf.variable(ramp([3, 3, 16, 16]) as tf.Tensor4D);
const v = tf.variable(ramp([16, 8]) as tf.Tensor2D);
const m = maskB(3, 16, 16);
const loss = () => tf.sum(tf.square(conv1x1(maskedConv2d(x, w, m), v))) as tf.Scalar;
const { value, grads } = tf.variableGrads(loss, [w, v]);
const outputs = [value, grads[w.name], grads[v.name], tf.matMul(ramp([300, 16]), ramp([16, 24]))];
const values = await Promise.all(outputs.map(async (t) => Array.from(await t.data())));
console.log(JSON.stringify({ kernelThreads: info.kernelThreads ?? 1, device: info.device, values }));

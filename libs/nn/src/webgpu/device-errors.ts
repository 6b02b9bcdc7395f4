/**
 * WebGPU reports a kernel that cannot run (a shader that does not compile, an invalid pipeline) as an
 * "uncaptured error" event and carries on: the kernel's output is left as garbage and nothing throws. Found the
 * hard way: tfjs-webgpu 4.22's Pad program does not compile for rank-5 tensors, and a receptive field computed
 * through it silently said that every pixel saw the future. So the backend's device is watched from the start,
 * and every read-back (`tidyRead`, training steps, scoring, checkpoints) checks it before trusting a value.
 */
import { BackendError } from '../errors';

interface ErrorEventTarget {
  addEventListener(type: 'uncapturederror', listener: (event: { error?: { message?: string } }) => void): void;
}

let firstError: string | undefined;

/** Records the first uncaptured error of `device` (the webgpu backend's GPUDevice). */
export function watchWebgpuErrors(device: ErrorEventTarget): void {
  device.addEventListener('uncapturederror', (event) => {
    firstError ??= String(event.error?.message ?? 'unknown WebGPU error');
  });
}

/** Throws a BackendError when WebGPU has reported an error since the backend started. */
export function throwIfWebgpuFailed(): void {
  if (firstError === undefined) return;
  const line = firstError.split('\n').find((l) => l.trim() !== '') ?? firstError;
  throw new BackendError(
    `WebGPU reported an error, so values computed on it since are garbage: ${line.trim()}. ` +
      'Rerun with --backend wasm to check the run, and report the error with the command that caused it',
  );
}

/** For tests: forget a recorded error. */
export function clearWebgpuErrors(): void {
  firstError = undefined;
}

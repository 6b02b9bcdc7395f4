/**
 * Backend selection: `auto | tensorflow | webgpu | wasm | cpu`.
 * `auto` prefers native TensorFlow (tfjs-node-gpu / tfjs-node, when a user installed one), then WebGPU when Dawn
 * finds a hardware GPU adapter, then wasm. A software adapter (SwiftShader, llvmpipe/lavapipe: a CPU emulation of a
 * GPU) is never what `auto` picks, since wasm is faster on the same CPU; `--backend webgpu` accepts one, for
 * testing the WebGPU path, and says so. Backends are imported lazily: importing the wasm backend makes it the
 * highest-priority backend, so it must only happen when it is chosen.
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { BackendError, ConfigError, activateBackend, activateWasm, watchWebgpuErrors } from '@pixel-models/nn';
import { startThreadedWasm } from './wasm-threads';

export const BACKEND_NAMES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendInfo {
  requested: BackendName;
  /** tfjs backend name actually in use (`tensorflow`, `webgpu`, `wasm`, `cpu`). */
  name: string;
  /** Human-readable device: GPU adapter or CPU model. */
  device: string;
  tfjsVersion: string;
  /** Why each preferred backend was skipped under `auto`. */
  skipped: string[];
  /** For webgpu on a software adapter: its name (e.g. "SwiftShader"). Such a device says nothing about speed. */
  softwareAdapter?: string;
  /** Threads training runs on (wasm: data-parallel, one backend each; set by the training runner). */
  threads?: number;
  /** wasm: the threads XNNPACK runs each convolution and matrix product on (1 unless asked for). */
  kernelThreads?: number;
}

export interface BackendOptions {
  /** wasm: XNNPACK threads (default 1). Fixed once the backend has started in a process. */
  kernelThreads?: number;
}

/** What Dawn tells about an adapter (GPUAdapter.info and isFallbackAdapter). */
export interface AdapterFacts {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  isFallbackAdapter?: boolean;
}

/** The name of the software renderer behind an adapter, or undefined for a hardware GPU. */
export function softwareAdapterName(adapter: AdapterFacts): string | undefined {
  // Named fields: Dawn's GPUAdapterInfo exposes them as prototype getters, which Object.values does not see.
  const { vendor, architecture, device, description } = adapter.info ?? {};
  const text = [vendor, architecture, device, description].join(' ').toLowerCase();
  for (const [needle, name] of [
    ['swiftshader', 'SwiftShader'],
    ['llvmpipe', 'llvmpipe'],
    ['lavapipe', 'lavapipe'],
    ['warp', 'WARP'],
  ]) {
    if (text.includes(needle)) return name;
  }
  return adapter.isFallbackAdapter ? 'a fallback (software) adapter' : undefined;
}

export function parseBackendName(value: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new ConfigError(`unknown backend "${value}": use one of ${BACKEND_NAMES.join(', ')}`);
}

const cpuDevice = () => `${os.cpus()[0]?.model.trim() ?? 'unknown CPU'} (${os.cpus().length} cores)`;

async function useTensorflow(): Promise<string> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(/* @vite-ignore */ pkg);
      await activateBackend('tensorflow');
      return `${pkg} (${cpuDevice()})`;
    } catch (e) {
      if (!isModuleMissing(e))
        throw new BackendError(`${pkg} is installed but failed to load: ${(e as Error).message}`);
    }
  }
  throw new BackendError(
    'backend "tensorflow" needs @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node (CPU): ' +
      'run `npm install @tensorflow/tfjs-node@4.22.0` (it downloads libtensorflow at install time), or use --backend wasm',
  );
}

/** On Linux Dawn needs the Vulkan loader; without it, it prints a warning and finds nothing. */
function hasVulkanLoader(): boolean {
  if (process.platform !== 'linux') return true;
  try {
    return execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes(
      'libvulkan.so.1',
    );
  } catch {
    return true; // cannot tell: let Dawn try
  }
}

interface Loaded {
  device: string;
  softwareAdapter?: string;
  kernelThreads?: number;
}

async function useWebgpu(allowSoftware: boolean): Promise<Loaded> {
  if (!hasVulkanLoader()) {
    throw new BackendError(
      'backend "webgpu": no Vulkan loader (libvulkan.so.1) on this machine, so Dawn cannot reach a GPU. ' +
        'Install libvulkan1 and a GPU driver with Vulkan (check with `vulkaninfo --summary`), or use --backend wasm',
    );
  }
  let gpu: { requestAdapter(): Promise<unknown> };
  try {
    const dawn = (await import('webgpu')) as unknown as { create(flags: string[]): typeof gpu; globals: object };
    Object.assign(globalThis, dawn.globals);
    gpu = dawn.create([]);
  } catch (e) {
    throw new BackendError(`backend "webgpu" needs the npm package "webgpu" (Dawn): ${(e as Error).message}`);
  }
  let adapter: AdapterFacts | null;
  try {
    adapter = (await gpu.requestAdapter()) as AdapterFacts | null;
  } catch (e) {
    // A plain Error here would escape `auto`'s fallback to wasm.
    throw new BackendError(
      `backend "webgpu": Dawn failed to request a GPU adapter: ${(e as Error).message}. Or use --backend wasm`,
    );
  }
  if (!adapter) {
    throw new BackendError(
      'backend "webgpu": Dawn found no GPU adapter. On Linux install an NVIDIA/AMD/Intel driver with Vulkan ' +
        '(check with `vulkaninfo --summary`); on macOS Metal and on Windows D3D12 are used. Or use --backend wasm',
    );
  }
  const software = softwareAdapterName(adapter);
  if (software && !allowSoftware) {
    throw new BackendError(
      `backend "webgpu": the only adapter is ${software}, a CPU emulation of a GPU (slower than wasm on the same CPU); ` +
        'pass --backend webgpu to use it anyway (for testing the WebGPU path)',
    );
  }
  // tfjs-backend-webgpu reads navigator.gpu; Node 20 has no navigator.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
    await activateBackend('webgpu');
    watchWebgpuErrors((tf.backend() as unknown as { device: Parameters<typeof watchWebgpuErrors>[0] }).device);
  } catch (e) {
    if (e instanceof BackendError) throw e;
    throw new BackendError(
      `backend "webgpu": the GPU adapter was found but tfjs-backend-webgpu failed to start: ${(e as Error).message}. Or use --backend wasm`,
    );
  }
  const info = adapter.info ?? {};
  const name =
    [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'WebGPU adapter';
  if (!software) return { device: name };
  return {
    device: `${name} (software adapter ${software}: a CPU emulation, for correctness, not speed)`,
    softwareAdapter: software,
  };
}

async function useWasm(kernelThreads: number): Promise<Loaded> {
  const started = await startThreadedWasm(kernelThreads, activateWasm);
  if (started < kernelThreads)
    console.log(`wasm: asked for ${kernelThreads} XNNPACK threads, the backend started ${started}`);
  const threads = started === 1 ? '1 thread' : `${started} XNNPACK threads`;
  return { device: `${cpuDevice()}, wasm SIMD, ${threads}`, kernelThreads: started };
}

async function useCpu(): Promise<string> {
  await activateBackend('cpu');
  return `${cpuDevice()}, pure JS`;
}

function isModuleMissing(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

const loaders: Record<
  Exclude<BackendName, 'auto'>,
  (requested: BackendName, options: BackendOptions) => Promise<Loaded>
> = {
  tensorflow: async () => ({ device: await useTensorflow() }),
  webgpu: (requested) => useWebgpu(requested === 'webgpu'),
  wasm: (_requested, options) => useWasm(options.kernelThreads ?? 1),
  cpu: async () => ({ device: await useCpu() }),
};

/** Selects and initialises a backend; fails with a BackendError that says what is missing. */
export async function initBackend(requested: BackendName = 'auto', options: BackendOptions = {}): Promise<BackendInfo> {
  tf.env().set('PROD', true); // silences the "install tfjs-node" banner
  const skipped: string[] = [];
  const order: Exclude<BackendName, 'auto'>[] = requested === 'auto' ? ['tensorflow', 'webgpu', 'wasm'] : [requested];
  for (const name of order) {
    try {
      const { device, softwareAdapter, kernelThreads } = await loaders[name](requested, options);
      return {
        requested,
        name: tf.getBackend(),
        device,
        tfjsVersion: tf.version.tfjs,
        skipped,
        ...(softwareAdapter ? { softwareAdapter } : {}),
        ...(kernelThreads ? { kernelThreads } : {}),
      };
    } catch (e) {
      if (requested !== 'auto' || !(e instanceof BackendError)) throw e;
      skipped.push(`${name}: ${e.message}`);
    }
  }
  throw new BackendError(`no backend available:\n${skipped.join('\n')}`);
}

export function describeBackend(info: BackendInfo): string {
  return `backend ${info.name} on ${info.device}`;
}

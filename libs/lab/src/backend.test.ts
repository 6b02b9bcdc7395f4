/**
 * Backend selection. These tests switch the global tfjs backend, so they live in their own file (vitest runs each
 * file in its own process with `pool: 'forks'`).
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError, ConfigError } from '@pixel-models/nn';
import { BACKEND_NAMES, initBackend, parseBackendName, softwareAdapterName } from './backend';

// `ldconfig -p` decides whether Dawn is tried at all; a test may pretend the Vulkan loader is there.
const ldconfig = vi.hoisted(() => ({ output: undefined as string | undefined }));
vi.mock('node:child_process', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:child_process')>();
  const execFileSync = ((...args: Parameters<typeof real.execFileSync>) =>
    ldconfig.output ?? real.execFileSync(...args)) as typeof real.execFileSync;
  return { ...real, default: { ...real, execFileSync }, execFileSync };
});

afterEach(() => {
  ldconfig.output = undefined;
});

/** The outcome of an initBackend call as one string: `ok:<name>` or `<ErrorName>:<message>`. */
const outcome = (p: Promise<{ name: string }>) =>
  p.then(
    (info) => `ok:${info.name}`,
    (e: Error) => `${e.name}:${e.message}`,
  );

describe('parseBackendName', () => {
  it('accepts the five names', () => {
    for (const name of BACKEND_NAMES) expect(parseBackendName(name)).toBe(name);
    expect([...BACKEND_NAMES]).toEqual(['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']);
  });

  it('rejects an unknown backend name with a ConfigError listing the choices', () => {
    expect(() => parseBackendName('gpu')).toThrow(ConfigError);
    expect(() => parseBackendName('gpu')).toThrow(
      'unknown backend "gpu": use one of auto, tensorflow, webgpu, wasm, cpu',
    );
    expect(() => parseBackendName('WASM')).toThrow(ConfigError);
    expect(() => parseBackendName('')).toThrow(ConfigError);
  });
});

describe('initBackend', () => {
  it('tensorflow without tfjs-node: a BackendError that says what to install', async () => {
    const err = await initBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toContain('npm install @tensorflow/tfjs-node');
    expect((err as Error).message).toContain('--backend wasm');
  });

  it('webgpu without a Vulkan loader: a BackendError that says how to get one', async () => {
    ldconfig.output = '';
    const err = await initBackend('webgpu').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(
      /^backend "webgpu": no Vulkan loader \(libvulkan\.so\.1\).*vulkaninfo --summary.*--backend wasm$/s,
    );
  });

  it('cpu reports name cpu and makes it the active backend', async () => {
    const info = await initBackend('cpu');
    expect(info).toMatchObject({ requested: 'cpu', name: 'cpu', tfjsVersion: '4.22.0', skipped: [] });
    expect(info.device).toMatch(/pure JS$/);
    expect(tf.getBackend()).toBe('cpu');
    expect(Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync())).toEqual([2, 3]);
  });

  it('wasm reports name wasm and computes', async () => {
    const info = await initBackend('wasm');
    expect(info).toMatchObject({ requested: 'wasm', name: 'wasm', skipped: [] });
    expect(tf.getBackend()).toBe('wasm');
    expect(Array.from(tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync())).toEqual([11]);
  });
});

describe('webgpu failures inside Dawn stay BackendErrors (so auto can fall back)', () => {
  afterEach(() => {
    vi.doUnmock('webgpu');
    vi.resetModules();
  });

  /** A fresh copy of ./backend that sees the current mock of 'webgpu'. */
  const freshBackend = async () => {
    vi.resetModules();
    return import('./backend');
  };

  it('Dawn throwing on load', async () => {
    ldconfig.output = 'libvulkan.so.1';
    vi.doMock('webgpu', () => {
      throw new Error('dawn.node: cannot open shared object file');
    });
    const { initBackend: init } = await freshBackend();
    const result = await outcome(init('webgpu'));
    expect(result).toMatch(/^BackendError:backend "webgpu" needs the npm package "webgpu" \(Dawn\): .+/s);
  });

  /** Dawn as a mock whose requestAdapter resolves to `adapter`. */
  const dawnWith = (adapter: unknown) =>
    vi.doMock('webgpu', () => ({ globals: {}, create: () => ({ requestAdapter: () => Promise.resolve(adapter) }) }));

  it('no adapter at all: "no GPU adapter", and auto ends on wasm saying why tensorflow and webgpu were skipped', async () => {
    ldconfig.output = 'libvulkan.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libvulkan.so.1';
    dawnWith(null);
    const { initBackend: init, describeBackend: describe } = await freshBackend();
    expect(await outcome(init('webgpu'))).toMatch(
      /^BackendError:backend "webgpu": Dawn found no GPU adapter\. .*vulkaninfo --summary.*--backend wasm$/s,
    );
    const info = await init('auto');
    expect(info).toMatchObject({ requested: 'auto', name: 'wasm', tfjsVersion: '4.22.0' });
    expect(info.softwareAdapter).toBeUndefined();
    expect(info.skipped).toHaveLength(2);
    expect(info.skipped[0]).toMatch(/^tensorflow: backend "tensorflow" needs .*npm install @tensorflow\/tfjs-node/);
    expect(info.skipped[1]).toMatch(/^webgpu: backend "webgpu": Dawn found no GPU adapter/);
    expect(info.device).toMatch(/\(\d+ cores\), wasm SIMD, 1 thread$/);
    expect(describe(info)).toBe(`backend wasm on ${info.device}`);
  });

  it.each([
    [
      { info: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' } },
      'SwiftShader',
    ],
    [{ info: { vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' } }, 'llvmpipe'],
    [{ info: { vendor: 'intel' }, isFallbackAdapter: true }, 'a fallback (software) adapter'],
  ])('auto never picks a software adapter over wasm: %o', async (adapter, name) => {
    ldconfig.output = 'libvulkan.so.1';
    dawnWith(adapter);
    const { initBackend: init } = await freshBackend();
    const info = await init('auto');
    expect(info.name).toBe('wasm');
    expect(info.skipped[1]).toBe(
      `webgpu: backend "webgpu": the only adapter is ${name}, a CPU emulation of a GPU (slower than wasm on the same CPU); ` +
        'pass --backend webgpu to use it anyway (for testing the WebGPU path)',
    );
  });

  it('requestAdapter rejecting', async () => {
    ldconfig.output = 'libvulkan.so.1';
    vi.doMock('webgpu', () => ({
      globals: {},
      create: () => ({
        requestAdapter: () => Promise.reject(new Error('device lost')),
      }),
    }));
    const { initBackend: init } = await freshBackend();
    expect(await outcome(init('webgpu'))).toMatch(
      /^BackendError:backend "webgpu": Dawn failed to request a GPU adapter: device lost/,
    );
    const info = await init('auto');
    expect(info.name).toBe('wasm');
    expect(info.skipped[1]).toMatch(/^webgpu: .*device lost/);
  });
});

describe('softwareAdapterName', () => {
  it('names software renderers and nothing else', () => {
    expect(softwareAdapterName({ info: { vendor: 'google', architecture: 'swiftshader' } })).toBe('SwiftShader');
    expect(softwareAdapterName({ info: { description: 'Mesa lavapipe' } })).toBe('lavapipe');
    expect(
      softwareAdapterName({ info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' } }),
    ).toBeUndefined();
    expect(softwareAdapterName({ info: { vendor: 'nvidia' }, isFallbackAdapter: false })).toBeUndefined();
    expect(softwareAdapterName({ isFallbackAdapter: true })).toBe('a fallback (software) adapter');
  });
});

describe('webgpu on the real Dawn of this machine', () => {
  // With Debian's SwiftShader driver (VK_ICD_FILENAMES, as .ci/run sets it) this is a software adapter; on a
  // machine with a GPU, a hardware one. Without either there is nothing to run: said, never silent, and CI fails.
  it('--backend webgpu accepts what Dawn finds, says whether it is an emulation, and computes', async (ctx) => {
    const result = await initBackend('webgpu').catch((e: Error) => e);
    if (result instanceof Error) {
      if (process.env.CI) throw new Error(`CI must run the webgpu tests: ${result.message}`);
      console.warn(`webgpu test skipped: ${result.message}`);
      ctx.skip();
      return;
    }
    expect(result.name).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    if (result.softwareAdapter)
      expect(result.device).toContain(
        `(software adapter ${result.softwareAdapter}: a CPU emulation, for correctness, not speed)`,
      );
    if (process.env.VK_ICD_FILENAMES?.includes('swiftshader')) expect(result.softwareAdapter).toBe('SwiftShader');
    expect(Array.from(await tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).data())).toEqual([11]);
  });
});

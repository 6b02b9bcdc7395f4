/**
 * Backend selection. These tests switch the global tfjs backend, so they live in their own file (vitest runs each
 * file in its own process with `pool: 'forks'`).
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError, ConfigError } from './errors';
import { BACKEND_NAMES, describeBackend, initBackend, parseBackendName } from './backend';

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
    expect(() => parseBackendName('gpu')).toThrow('unknown backend "gpu": use one of auto, tensorflow, webgpu, wasm, cpu');
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

  it('webgpu without a GPU: a BackendError that says how to get one (no Vulkan loader, or no adapter)', async () => {
    const err = await initBackend('webgpu').catch((e: unknown) => e);
    if (!(err instanceof Error)) return; // a machine with a GPU: nothing to check here
    expect(err).toBeInstanceOf(BackendError);
    expect(err.message).toMatch(/^backend "webgpu": (Dawn found no GPU adapter|no Vulkan loader \(libvulkan\.so\.1\))/);
    expect(err.message).toMatch(/vulkaninfo --summary.*--backend wasm$/s);
  });

  it('webgpu where Dawn loads but finds no adapter: "no GPU adapter"', async () => {
    ldconfig.output = 'libvulkan.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libvulkan.so.1';
    const result = await outcome(initBackend('webgpu'));
    if (result === 'ok:webgpu') return; // a real GPU
    expect(result).toMatch(/^BackendError:backend "webgpu": Dawn found no GPU adapter\. .*--backend wasm$/s);
  });

  it('auto on this machine ends on wasm and says why tensorflow and webgpu were skipped', async () => {
    const info = await initBackend('auto');
    if (info.name === 'webgpu') return; // a real GPU
    expect(info).toMatchObject({ requested: 'auto', name: 'wasm', tfjsVersion: '4.22.0' });
    expect(tf.getBackend()).toBe('wasm');
    expect(info.skipped).toHaveLength(2);
    expect(info.skipped[0]).toMatch(/^tensorflow: backend "tensorflow" needs .*npm install @tensorflow\/tfjs-node/);
    expect(info.skipped[1]).toMatch(/^webgpu: backend "webgpu": (Dawn found no GPU adapter|no Vulkan loader)/);
    expect(info.device).toMatch(/\(\d+ cores\), wasm SIMD, 1 thread$/);
    expect(describeBackend(info)).toBe(`backend wasm on ${info.device}`);
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

  it('requestAdapter rejecting', async () => {
    ldconfig.output = 'libvulkan.so.1';
    vi.doMock('webgpu', () => ({
      globals: {},
      create: () => ({
        requestAdapter: () => Promise.reject(new Error('device lost')),
      }),
    }));
    const { initBackend: init } = await freshBackend();
    expect(await outcome(init('webgpu'))).toMatch(/^BackendError:backend "webgpu": Dawn failed to request a GPU adapter: device lost/);
    const info = await init('auto');
    expect(info.name).toBe('wasm');
    expect(info.skipped[1]).toMatch(/^webgpu: .*device lost/);
  });
});

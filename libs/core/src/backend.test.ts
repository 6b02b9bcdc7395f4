import { describe, expect, it } from 'vitest';
import { BackendError, ConfigError } from './errors';
import { initBackend, parseBackendName } from './backend';

describe('backends', () => {
  it('rejects an unknown backend name, listing the choices', () => {
    expect(() => parseBackendName('gpu')).toThrow(ConfigError);
    expect(() => parseBackendName('gpu')).toThrow(/auto, tensorflow, webgpu, wasm, cpu/);
  });

  it('asking for tensorflow without tfjs-node says what to install', async () => {
    await expect(initBackend('tensorflow')).rejects.toThrow(BackendError);
    await expect(initBackend('tensorflow')).rejects.toThrow(/npm install @tensorflow\/tfjs-node/);
  });

  it('webgpu runs where Dawn finds a GPU, and otherwise says how to get one', async () => {
    const outcome = await initBackend('webgpu').then(
      (info) => `ok:${info.name}`,
      (e: Error) => `${e.name}:${e.message}`,
    );
    expect(outcome).toMatch(/^(ok:webgpu|BackendError:backend "webgpu": (Dawn found no GPU adapter|no Vulkan loader).*Vulkan.*--backend wasm)/s);
  });

  it('auto falls back to wasm and reports why it skipped the others', async () => {
    const info = await initBackend('auto');
    expect(info.name).toBe('wasm');
    expect(info.skipped.map((s) => s.split(':')[0])).toEqual(['tensorflow', 'webgpu']);
    expect(info.device).toMatch(/wasm SIMD/);
  });

  it('cpu is always available', async () => {
    const info = await initBackend('cpu');
    expect(info).toMatchObject({ requested: 'cpu', name: 'cpu', tfjsVersion: '4.22.0' });
  });
});

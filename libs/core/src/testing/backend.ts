/** For tests: run on the wasm backend (fast on CPU, deterministic), initialised before any op. */
import { initBackend, type BackendInfo } from '../backend';

export function useTestBackend(name: 'wasm' | 'cpu' = 'wasm'): Promise<BackendInfo> {
  return initBackend(name);
}

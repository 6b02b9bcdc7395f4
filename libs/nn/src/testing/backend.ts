/** For tests: run on the wasm backend (fast on CPU, deterministic), initialised before any op. */
import * as tf from '@tensorflow/tfjs';
import { activateBackend, activateWasm } from '../activate-backend';

export async function useTestBackend(name: 'wasm' | 'cpu' = 'wasm'): Promise<void> {
  tf.env().set('PROD', true); // silences the "install tfjs-node" banner
  await (name === 'wasm' ? activateWasm() : activateBackend(name));
}

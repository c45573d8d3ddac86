/**
 * The one TensorFlow.js set-up of the host: the WASM backend, selected once per process. Every
 * package that trains (grid, pack, materials) calls {@link initBackend} before touching tensors.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

let backendReady: Promise<void> | undefined;

/**
 * Selects the WASM backend once per process (later calls share the first promise).
 * @throws Error when the backend cannot be initialised (the promise rejects).
 */
export function initBackend(): Promise<void> {
  backendReady ??= (async () => {
    if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js wasm backend failed to initialise');
    await tf.ready();
  })();
  return backendReady;
}

/**
 * The TFLite oracle: runs a .tflite with @tensorflow/tfjs-tflite's real TFLite interpreter
 * (TFLite compiled to WASM; XNNPACK takes the int8 ops it supports) inside Node.
 *
 * tfjs-tflite is written for browsers/web workers. In Node it loads once these are in place
 * while it loads: `self` (= globalThis, so it takes the web-worker path) and `location`,
 * `importScripts` (evaluates its emscripten loader script from
 * node_modules/@tensorflow/tfjs-tflite/wasm/), `fetch` of local files (the .wasm), and
 * `SharedArrayBuffer` hidden so it picks the single-threaded build (the threaded one needs real
 * workers). The shims are removed again after loading. The interpreter is loaded once per process
 * and reused.
 *
 * Findings on this tfjs-tflite (0.0.1-alpha.10), measured by tfjs-tflite.test.ts and detailed in
 * docs/notes/oracle-findings.md:
 * - It ACCEPTS int8 FULLY_CONNECTED with per-channel weights, int8 BATCH_MATMUL, int8 SOFTMAX and
 *   RESHAPE as Dendra's writer emits them.
 * - SOFTMAX and RESHAPE equal the reference kernels on every element measured.
 * - FULLY_CONNECTED (per-tensor and per-channel) and BATCH_MATMUL differ from the reference kernels
 *   by 1 LSB on ~0.03-0.3% of elements: it requantizes in f32 with one rounding (ties to even,
 *   XNNPACK "fp32" style) where the reference kernels use double-rounding fixed point.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { DendraError } from '../errors.ts';

const require = createRequire(import.meta.url);

/** Directory holding tflite_web_api_cc*.js/.wasm. */
export function tfliteWasmDir(): string {
  const pkg = path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json'));
  return path.join(pkg, 'wasm') + path.sep;
}

/** Minimal view of the runner tfjs-tflite builds (TFLiteWebModelRunner). */
interface RunnerTensor {
  name: string;
  dataType: string;
  shape: string;
  data(): ArrayBufferView & ArrayLike<number> & { set(a: ArrayLike<number>): void };
}
interface Runner {
  getInputs(): RunnerTensor[];
  getOutputs(): RunnerTensor[];
  infer(): boolean;
  cleanUp(): void;
}
interface TfliteModule {
  loadTFLiteModel(model: ArrayBuffer, options?: { numThreads?: number }): Promise<{ modelRunner: Runner }>;
}

let loading: Promise<TfliteModule> | undefined;

/** Runs `f` with the browser shims installed, restoring the globals afterwards. */
async function withShims<T>(dir: string, f: () => Promise<T>): Promise<T> {
  const g = globalThis as Record<string, unknown>;
  const saved = { self: g.self, importScripts: g.importScripts, fetch: g.fetch, SharedArrayBuffer: g.SharedArrayBuffer, location: g.location };
  const local = (url: string) => path.join(dir, path.basename(String(url).replace(/^file:\/\//, '')));
  g.self = globalThis;
  g.location = { origin: '', href: '/' };
  g.importScripts = (...urls: string[]) => {
    for (const u of urls) vm.runInThisContext(readFileSync(local(u), 'utf8'), { filename: local(u) });
  };
  g.fetch = async (url: unknown) => {
    const u = String(url);
    if (/^https?:/.test(u)) throw new Error(`oracle: refusing network fetch of ${u}`);
    return new Response(readFileSync(local(u)), { headers: { 'content-type': 'application/wasm' } });
  };
  delete g.SharedArrayBuffer;
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete g[k];
      else g[k] = v;
    }
  }
}

/**
 * Loads tfjs-tflite and its WASM interpreter once (later calls share the promise). Requiring the
 * package starts loading the interpreter at once with wasm path "" (module-level code); the shim
 * importScripts/fetch resolve every file name inside {@link tfliteWasmDir}, so that load is the one
 * used (setWasmPath would start a second, separate load under another key), and the shims stay
 * until a first (empty) runner has been created, which awaits that same load.
 */
function loadTflite(): Promise<TfliteModule> {
  loading ??= withShims(tfliteWasmDir(), async () => {
    const mod = require('@tensorflow/tfjs-tflite') as TfliteModule;
    await mod.loadTFLiteModel(new ArrayBuffer(0)).catch(() => undefined);
    return mod;
  });
  return loading;
}

/** Creates the interpreter for a model. */
async function createRunner(bytes: Uint8Array): Promise<Runner> {
  const mod = await loadTflite();
  const copy = bytes.slice().buffer;
  try {
    const m = await mod.loadTFLiteModel(copy, { numThreads: 1 });
    return m.modelRunner;
  } catch (e) {
    throw new DendraError('E_ORACLE', `tfjs-tflite refused the model: ${e instanceof Error ? e.message : String(e)}`.split('\n')[0]);
  }
}

/** A loaded model in tfjs-tflite's interpreter, for repeated inference. */
export interface TfliteOracleSession {
  /** Element count of the model input. */
  readonly inputSize: number;
  /** Runs one inference; returns a copy of the int8 output. */
  invoke(input: Int8Array): Int8Array;
  /** Frees the interpreter (the session cannot be used afterwards). */
  close(): void;
}

/**
 * Loads a single-input, single-output int8 .tflite into tfjs-tflite's TFLite interpreter.
 *
 * @throws DendraError (code `E_ORACLE`) when tfjs-tflite cannot load the model (e.g. an op or
 *   quantization it does not support) or the model input/output is not int8; `invoke` throws it
 *   when an input has the wrong length or inference fails.
 */
export async function tfliteOracleSession(bytes: Uint8Array): Promise<TfliteOracleSession> {
  const runner = await createRunner(bytes);
  const [inT] = runner.getInputs();
  const [outT] = runner.getOutputs();
  if (inT.dataType !== 'int8' || outT.dataType !== 'int8') {
    runner.cleanUp();
    throw new DendraError('E_ORACLE', `oracle needs int8 input/output, model has ${inT.dataType}/${outT.dataType}`);
  }
  const inputSize = inT.data().length;
  return {
    inputSize,
    invoke(x: Int8Array): Int8Array {
      if (x.length !== inputSize) throw new DendraError('E_ORACLE', `input has ${x.length} values, model input needs ${inputSize}`);
      inT.data().set(x);
      if (!runner.infer()) throw new DendraError('E_ORACLE', 'tfjs-tflite inference failed');
      return Int8Array.from(outT.data());
    },
    close(): void {
      runner.cleanUp();
    },
  };
}

/**
 * Runs a single-input, single-output int8 .tflite through tfjs-tflite's TFLite interpreter.
 *
 * @param bytes The .tflite file.
 * @param inputs One int8 input per inference (length = the model input's element count).
 * @returns One int8 output per input (a copy).
 * @throws DendraError (code `E_ORACLE`) as {@link tfliteOracleSession}, naming the failing input.
 */
export async function runTfliteOracle(bytes: Uint8Array, inputs: Int8Array[]): Promise<Int8Array[]> {
  const session = await tfliteOracleSession(bytes);
  try {
    return inputs.map((x, k) => {
      try {
        return session.invoke(x);
      } catch (e) {
        throw new DendraError('E_ORACLE', `input ${k}: ${(e as Error).message}`);
      }
    });
  } finally {
    session.close();
  }
}

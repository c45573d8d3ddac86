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
import { DendraError } from '@dendra/core/errors.ts';

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
  getProfilingResults(): { nodeType: string; nodeName: string; nodeExecMs: number }[];
  cleanUp(): void;
}
interface TfliteModule {
  loadTFLiteModel(model: ArrayBuffer, options?: { numThreads?: number; enableProfiling?: boolean }): Promise<{ modelRunner: Runner }>;
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

/** Creates the interpreter for a model (one thread; `profile` turns on TFLite's op profiler). */
async function createRunner(bytes: Uint8Array, profile: boolean): Promise<Runner> {
  const mod = await loadTflite();
  const copy = bytes.slice().buffer;
  try {
    const m = await mod.loadTFLiteModel(copy, { numThreads: 1, enableProfiling: profile });
    return m.modelRunner;
  } catch (e) {
    throw new DendraError('E_ORACLE', `tfjs-tflite refused the model: ${e instanceof Error ? e.message : String(e)}`.split('\n')[0]);
  }
}

/**
 * Oracle options. tfjs-tflite 0.0.1-alpha.10 has NO switch for the XNNPACK delegate: its runner
 * options (an embind value object) are only `numThreads`, `enableProfiling` and
 * `maxProfilingBufferEntries`; XNNPACK is TFLite's default ("lazy") delegate, applied by the
 * BuiltinOpResolver whatever the options (numThreads 1, 0, -1, 2 give identical outputs; see
 * docs/notes/oracle-findings.md). `profile` reports which kernel ran each node instead.
 */
export interface OracleOptions {
  /** Enable TFLite's profiler so {@link TfliteOracleSession.nodeTypes} can report the executed nodes. */
  profile?: boolean;
}

/** A loaded model in tfjs-tflite's interpreter, for repeated inference. */
export interface TfliteOracleSession {
  /** Element count of the model input. */
  readonly inputSize: number;
  /** TFLite type names of the model input and output ('int8' or 'float32'). */
  readonly inputType: string;
  readonly outputType: string;
  /** Runs one inference on an int8-in/int8-out model; returns a copy of the output. */
  invoke(input: Int8Array): Int8Array;
  /** Runs one inference with an int8 or float32 input/output (matching the model); returns a copy. */
  run(input: Int8Array | Float32Array): Int8Array | Float32Array;
  /**
   * With `profile`: the node types TFLite executed in the last inference, in order: builtin op
   * names (TFLite's own CPU kernels) or `TfLiteXNNPackDelegate` (one node per delegated partition).
   */
  nodeTypes(): string[];
  /** Frees the interpreter (the session cannot be used afterwards). */
  close(): void;
}

const EDGE_TYPES = new Set(['int8', 'float32']);

/**
 * Loads a single-input, single-output .tflite (int8 or float32 at the edges) into tfjs-tflite's
 * TFLite interpreter.
 *
 * @throws DendraError (code `E_ORACLE`) when tfjs-tflite cannot load the model (e.g. an op or
 *   quantization it does not support) or the model input/output is neither int8 nor float32;
 *   `invoke` (int8 only) / `run` throw it when an input has the wrong length or type or inference fails.
 */
export async function tfliteOracleSession(bytes: Uint8Array, opts: OracleOptions = {}): Promise<TfliteOracleSession> {
  const runner = await createRunner(bytes, opts.profile === true);
  const [inT] = runner.getInputs();
  const [outT] = runner.getOutputs();
  if (!EDGE_TYPES.has(inT.dataType) || !EDGE_TYPES.has(outT.dataType)) {
    runner.cleanUp();
    throw new DendraError('E_ORACLE', `oracle needs int8 or float32 input/output, model has ${inT.dataType}/${outT.dataType}`);
  }
  const inputSize = inT.data().length;
  let profiled = 0;
  const run = (x: Int8Array | Float32Array): Int8Array | Float32Array => {
    if (x.length !== inputSize) throw new DendraError('E_ORACLE', `input has ${x.length} values, model input needs ${inputSize}`);
    if ((x instanceof Float32Array) !== (inT.dataType === 'float32')) {
      throw new DendraError('E_ORACLE', `model input is ${inT.dataType}, got ${x instanceof Float32Array ? 'float32' : 'int8'}`);
    }
    inT.data().set(x);
    if (opts.profile) profiled = runner.getProfilingResults().length;
    if (!runner.infer()) throw new DendraError('E_ORACLE', 'tfjs-tflite inference failed');
    return outT.dataType === 'float32' ? Float32Array.from(outT.data()) : Int8Array.from(outT.data());
  };
  return {
    inputSize,
    inputType: inT.dataType,
    outputType: outT.dataType,
    run,
    invoke(x: Int8Array): Int8Array {
      if (inT.dataType !== 'int8' || outT.dataType !== 'int8') {
        throw new DendraError('E_ORACLE', `oracle needs int8 input/output, model has ${inT.dataType}/${outT.dataType}`);
      }
      return run(x) as Int8Array;
    },
    nodeTypes(): string[] {
      if (!opts.profile) return [];
      return runner.getProfilingResults().slice(profiled).map((p) => p.nodeType);
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

/**
 * Runs the firmware's own interpreter (build/engine.wasm: the same AssemblyScript kernels as the
 * board firmware, without the HAL) from the host, for parity tests and benchmarks.
 */
import { readFileSync, existsSync } from 'node:fs';
import { DendraError } from '@dendra/core/errors.ts';
import { fwStatusMessage } from '@dendra/core/status.ts';
import { engineWasm } from '@dendra/core/paths.ts';


/** The exports of build/engine.wasm (firmware/assembly/engine.ts). */
export interface EngineExports {
  memory: WebAssembly.Memory;
  engineAlloc(size: number): number;
  engineStaticBytes(): number;
  modelLoad(model: number, len: number, arena: number, cap: number): number;
  modelInvoke(): number;
  modelArenaBytes(): number;
  modelInputPtr(): number;
  modelInputBytes(): number;
  modelOutputPtr(): number;
  modelOutputBytes(): number;
  modelInputType(): number;
  modelOutputType(): number;
}

/** A loaded firmware engine holding one model. */
export interface Engine {
  /** Arena bytes the firmware planned for the model (tensors, then per-channel multipliers). */
  arenaBytes: number;
  /**
   * Static RAM of the interpreter outside the arena (its tables and constants:
   * everything below the engine's heap), counted beside the arena as TFLite Micro counts its
   * persistent allocations.
   */
  staticBytes: number;
  /** Runs one inference on int8 input; returns a copy of the int8 output. Throws on a bad status. */
  run(input: Int8Array): Int8Array;
  /** Writes the input and invokes without copying the output (for benchmarks). */
  invoke(input: Int8Array): void;
  /** TFLite TensorType codes of the model's input and output (9 int8, 0 float32). */
  inputType: number;
  outputType: number;
  /**
   * Runs one inference on the input's raw bytes (int8 or little-endian float32, as the model's
   * input type); returns a copy of the output bytes. Throws DendraError `E_INPUT` on a size
   * mismatch and `E_INVOKE` on a firmware status (e.g. E_INDEX -19 from GATHER).
   */
  runBytes(input: Uint8Array): Uint8Array;
}

/**
 * A firmware engine that reports raw status codes instead of throwing, for fuzzing the loader:
 * one wasm instance, one model buffer and one arena allocated once, reused by every load. Each
 * model is placed flush with the end of linear memory, so an out-of-bounds read past it traps.
 */
export interface RawEngine {
  /** Largest model `load` accepts, in bytes. */
  readonly modelCap: number;
  /**
   * Copies `model` into the engine and calls the firmware's `modelLoad` (parse + plan + prepare).
   * Returns the firmware status: 0 OK or a negative code from host/core/src/status.ts.
   * @throws RangeError when `model` is larger than modelCap; a wasm trap propagates as
   *   WebAssembly.RuntimeError (or DendraError `E_TRAP` when the firmware aborts).
   */
  load(model: Uint8Array): number;
  /**
   * Fills the loaded model's input with `fill` and calls `modelInvoke`. Returns the firmware
   * status (E_NO_MODEL -10 when nothing is loaded).
   */
  invoke(fill?: number): number;
}

const modules = new Map<string, WebAssembly.Module>();

/**
 * A fresh instance of the engine build (reference or SIMD kernels, or the build at `file`, e.g. a
 * benchmark's peer build); the compiled module is cached.
 * @throws DendraError `E_BUILD` when the build is missing; an abort inside it throws `E_TRAP`.
 */
export async function instantiateEngine(simd: boolean, file = enginePath(simd)): Promise<EngineExports> {
  if (!existsSync(file)) throw new DendraError('E_BUILD', `${file} is missing: run make build`);
  let mod = modules.get(file);
  if (!mod) {
    mod = await WebAssembly.compile(readFileSync(file));
    modules.set(file, mod);
  }
  const env = {
    abort(_msg: number, _file: number, line: number, col: number) {
      throw new DendraError('E_TRAP', `firmware engine aborted at ${line}:${col}`);
    },
  };
  const instance = await WebAssembly.instantiate(mod, { env });
  return instance.exports as unknown as EngineExports;
}

/**
 * Instantiates an engine for raw loads (see {@link RawEngine}); `modelCap` bytes (default 1 MiB)
 * of model buffer and `arenaCap` bytes (default 256 KiB) of arena.
 * @throws DendraError `E_BUILD` when the build is missing.
 */
export async function openRawEngine(opts: { simd?: boolean; arenaCap?: number; modelCap?: number } = {}): Promise<RawEngine> {
  const x = await instantiateEngine(opts.simd ?? false);
  const modelCap = opts.modelCap ?? 1 << 20;
  const cap = opts.arenaCap ?? 256 * 1024;
  // The model buffer is the last allocation (nothing is allocated after set-up), and each model
  // is copied so that it ENDS at the end of linear memory: any read past the model's last byte
  // traps (RuntimeError) instead of silently reading other memory.
  const arena = x.engineAlloc(cap);
  const mptr = x.engineAlloc(modelCap);
  return {
    modelCap,
    load(model) {
      if (model.length > modelCap) throw new RangeError(`model of ${model.length} bytes exceeds the ${modelCap}-byte buffer`);
      const at = x.memory.buffer.byteLength - model.length;
      if (at < mptr) throw new RangeError('model buffer is not at the end of memory');
      new Uint8Array(x.memory.buffer, at, model.length).set(model);
      return x.modelLoad(at, model.length, arena, cap);
    },
    invoke(fill = 0) {
      const p = x.modelInputPtr();
      const n = x.modelInputBytes();
      if (p !== 0 && n > 0) new Int8Array(x.memory.buffer, p, n).fill(fill);
      return x.modelInvoke();
    },
  };
}

/** Path of the engine build: reference or SIMD kernels. */
export function enginePath(simd: boolean): string {
  return engineWasm(simd);
}

/**
 * Instantiates the engine and loads `model` into it with an arena of `arenaCap` bytes.
 * Throws DendraError when the build is missing or the firmware refuses the model (with its reason).
 */
export async function loadEngine(model: Uint8Array, opts: { simd?: boolean; arenaCap?: number; file?: string } = {}): Promise<Engine> {
  const x = await instantiateEngine(opts.simd ?? false, opts.file);
  const cap = opts.arenaCap ?? 256 * 1024;
  const mptr = x.engineAlloc(model.length);
  const arena = x.engineAlloc(cap);
  new Uint8Array(x.memory.buffer, mptr, model.length).set(model);
  const st = x.modelLoad(mptr, model.length, arena, cap);
  if (st !== 0) throw new DendraError('E_MODEL', `firmware refused the model: ${fwStatusMessage(st)} (${st})`);
  const inPtr = x.modelInputPtr();
  const inLen = x.modelInputBytes();
  const outPtr = x.modelOutputPtr();
  const outLen = x.modelOutputBytes();
  const invoke = (input: Int8Array | Uint8Array) => {
    if (input.length !== inLen) throw new DendraError('E_INPUT', `input has ${input.length} values, model wants ${inLen}`);
    new Uint8Array(x.memory.buffer, inPtr, inLen).set(new Uint8Array(input.buffer, input.byteOffset, input.length));
    const s = x.modelInvoke();
    if (s !== 0) throw new DendraError('E_INVOKE', `firmware invoke failed: ${fwStatusMessage(s)} (${s})`);
  };
  return {
    arenaBytes: x.modelArenaBytes(),
    staticBytes: x.engineStaticBytes(),
    invoke,
    inputType: x.modelInputType(),
    outputType: x.modelOutputType(),
    runBytes(input) {
      invoke(input);
      return new Uint8Array(x.memory.buffer.slice(outPtr, outPtr + outLen));
    },
    run(input) {
      invoke(input);
      return new Int8Array(x.memory.buffer.slice(outPtr, outPtr + outLen));
    },
  };
}

/**
 * Runs the firmware's own interpreter (build/engine.wasm: the same AssemblyScript kernels as the
 * board firmware, without the HAL) from the host, for parity tests and benchmarks.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DendraError } from '../errors.ts';
import { fwStatusMessage } from '../status.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface EngineExports {
  memory: WebAssembly.Memory;
  engineAlloc(size: number): number;
  modelLoad(model: number, len: number, arena: number, cap: number): number;
  modelInvoke(): number;
  modelArenaBytes(): number;
  modelInputPtr(): number;
  modelInputBytes(): number;
  modelOutputPtr(): number;
  modelOutputBytes(): number;
}

/** A loaded firmware engine holding one model. */
export interface Engine {
  /** Arena bytes the firmware planned for the model. */
  arenaBytes: number;
  /** Runs one inference on int8 input; returns a copy of the int8 output. Throws on a bad status. */
  run(input: Int8Array): Int8Array;
  /** Writes the input and invokes without copying the output (for benchmarks). */
  invoke(input: Int8Array): void;
}

/** Path of the engine build: reference or SIMD kernels. */
export function enginePath(simd: boolean): string {
  return path.join(ROOT, 'build', simd ? 'engine-simd.wasm' : 'engine.wasm');
}

/**
 * Instantiates the engine and loads `model` into it with an arena of `arenaCap` bytes.
 * Throws DendraError when the build is missing or the firmware refuses the model (with its reason).
 */
export async function loadEngine(model: Uint8Array, opts: { simd?: boolean; arenaCap?: number } = {}): Promise<Engine> {
  const file = enginePath(opts.simd ?? false);
  if (!existsSync(file)) throw new DendraError('E_BUILD', `${file} is missing: run make build`);
  const env = {
    abort(_msg: number, _file: number, line: number, col: number) {
      throw new DendraError('E_TRAP', `firmware engine aborted at ${line}:${col}`);
    },
  };
  const { instance } = await WebAssembly.instantiate(readFileSync(file), { env });
  const x = instance.exports as unknown as EngineExports;
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
  const invoke = (input: Int8Array) => {
    if (input.length !== inLen) throw new DendraError('E_INPUT', `input has ${input.length} values, model wants ${inLen}`);
    new Int8Array(x.memory.buffer, inPtr, inLen).set(input);
    const s = x.modelInvoke();
    if (s !== 0) throw new DendraError('E_INVOKE', `firmware invoke failed: ${fwStatusMessage(s)} (${s})`);
  };
  return {
    arenaBytes: x.modelArenaBytes(),
    invoke,
    run(input) {
      invoke(input);
      return new Int8Array(x.memory.buffer.slice(outPtr, outPtr + outLen));
    },
  };
}

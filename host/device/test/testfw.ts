/**
 * Test helper: compiles the stand-alone bootloader firmware (firmware/assembly/boot/testentry.ts:
 * the real protocol code with a TFL3-only validator) to a .wasm, so the simulator and the
 * flasher can be tested without the interpreter.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@dendra/core/paths.ts';

const ROOT = REPO_ROOT;

/**
 * Builds the boot test firmware into `outDir/boot-test.wasm` and returns its path.
 * @throws Error with asc's output when compilation fails.
 */
export function buildBootTestFirmware(outDir: string): string {
  const out = join(outDir, 'boot-test.wasm');
  const asc = join(ROOT, 'node_modules', '.bin', 'asc');
  execFileSync(asc, [
    'firmware/assembly/boot/testentry.ts', '--outFile', out, '--runtime', 'stub', '--optimizeLevel', '2',
  ], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  if (!existsSync(out)) throw new Error(`asc did not produce ${out}`);
  return out;
}

/**
 * A stand-in interpreter with the CONTRACTS.md API, for simulator tests of the real app
 * (main.ts, slot, grid, publish) before/independently of the real interpreter. Its "model" is
 * the TFL3 identifier at byte 4 followed, from byte 8, by the Dendra metadata buffer; invoke
 * copies the last 24 hours of the OT input row to the output.
 */
const STUB_INTERPRETER = `
let base: usize = 0;
let mlen: u32 = 0;
let loads: u32 = 0;
export const INTERP_STATE_BYTES: i32 = 8;
const input: usize = memory.data(672);
const output: usize = memory.data(24);
export function modelLoad(model: usize, len: u32, arena: usize, arenaCap: u32): i32 {
  loads++;
  if (len < 16 || load<u32>(model, 4) != 0x334c4654) return -2;
  base = model + 8;
  mlen = len - 8;
  return 0;
}
export function modelArenaBytes(): u32 { return 0; }
export function modelInputPtr(): usize { return input; }
export function modelInputScale(): f32 { return 0.05; }
export function modelInputZeroPoint(): i32 { return 0; }
export function modelInputBytes(): u32 { return 672; }
export function modelOutputPtr(): usize { return output; }
export function modelOutputScale(): f32 { return 0.05; }
export function modelOutputZeroPoint(): i32 { return 0; }
export function modelOutputBytes(): u32 { return 24; }
export function modelInvoke(): i32 {
  for (let h = 0; h < 24; h++) store<i8>(output + h, load<i8>(input + 6 * 96 + 72 + h));
  return 0;
}
export function modelMetadataPtr(): usize { return base; }
export function modelMetadataLen(): u32 { return mlen; }
export function modelUnload(): void { loads++; base = 0; mlen = 0; }
export function modelLoads(): u32 { return loads; }
export function modelSwap(park: usize): void {
  const b = load<u32>(park); store<u32>(park, <u32>base); base = <usize>b;
  const n = load<u32>(park, 4); store<u32>(park, mlen, 4); mlen = n;
}
export function modelInputType(): i32 { return 9; }
export function modelOutputType(): i32 { return 9; }
`;

/**
 * Builds the real firmware entry (firmware/assembly/main.ts and everything it imports) against
 * the stub interpreter above, in a copy of the firmware tree under `outDir`; returns the .wasm.
 * @throws Error with asc's output when compilation fails.
 */
export function buildAppFirmwareWithStubInterpreter(outDir: string): string {
  const tree = join(outDir, 'fw-src');
  cpSync(join(ROOT, 'firmware', 'assembly'), join(tree, 'assembly'), { recursive: true });
  mkdirSync(join(tree, 'assembly', 'interp'), { recursive: true });
  writeFileSync(join(tree, 'assembly', 'interp', 'interpreter.ts'), STUB_INTERPRETER);
  const out = join(outDir, 'fw-stub.wasm');
  execFileSync(join(ROOT, 'node_modules', '.bin', 'asc'), [
    'assembly/main.ts', '--outFile', out, '--runtime', 'stub', '--optimizeLevel', '2',
  ], { cwd: tree, stdio: ['ignore', 'pipe', 'pipe'] });
  if (!existsSync(out)) throw new Error(`asc did not produce ${out}`);
  return out;
}

/** A stub "model" for {@link buildAppFirmwareWithStubInterpreter}: TFL3 header + Dendra metadata. */
export function stubModel(mean: number, std: number, limitC: number): Uint8Array {
  const n = 7;
  const meta = new Uint8Array(28 + 8 * n + 5);
  const dv = new DataView(meta.buffer);
  dv.setUint32(0, 0x31444d44, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, n, true);
  dv.setUint16(8, 96, true);
  dv.setUint16(10, 24, true);
  dv.setUint16(12, 6, true);
  for (let c = 0; c < n; c++) {
    dv.setFloat32(16 + 4 * c, mean, true);
    dv.setFloat32(16 + 4 * n + 4 * c, std, true);
  }
  dv.setFloat32(16 + 8 * n, limitC, true);
  dv.setFloat32(20 + 8 * n, 1, true);
  dv.setUint32(24 + 8 * n, 3, true);
  meta[28 + 8 * n] = 4;
  meta.set(new TextEncoder().encode('grid'), 29 + 8 * n);
  const img = new Uint8Array(8 + meta.length);
  img.set(new TextEncoder().encode('TFL3'), 4);
  img.set(meta, 8);
  return img;
}

/**
 * Compiles a one-file AssemblyScript `source` (may import "hal" externals itself) to
 * `outDir/<name>.wasm`; for simulator tests of misbehaving firmware.
 * @throws Error with asc's output when compilation fails.
 */
export function compileAsSource(outDir: string, name: string, source: string): string {
  const src = join(outDir, `${name}.ts`);
  const out = join(outDir, `${name}.wasm`);
  writeFileSync(src, source);
  execFileSync(join(ROOT, 'node_modules', '.bin', 'asc'), [src, '--outFile', out, '--runtime', 'stub'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out;
}

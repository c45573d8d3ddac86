/**
 * Builds what bench/runtime.ts runs, out of tree and without network: build/wamr-engine-bench
 * (runtime/bench/, WAMR fast interpreter + SIMD + AOT loader), WAMR's AOT compiler wamrc against
 * Debian's LLVM 19 (build/runtime-bench/wamrc/), and the AOT files of the engine builds.
 * WAMR comes from WAMR_ROOT, else $DENDRA_SHARED/vendor/wamr, else <repo>/../shared/vendor/wamr.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DendraError } from '@dendra/core/errors.ts';
import { SHARED_DIR } from '@dendra/core/paths.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Out-of-tree build directory of everything here. */
export const BUILD_DIR = path.join(ROOT, 'build', 'runtime-bench');
/** The bench program. */
export const BENCH_BIN = path.join(ROOT, 'build', 'wamr-engine-bench');
/** Debian's LLVM 19 CMake package (apt-get install llvm-19-dev). */
const LLVM_DIR = '/usr/lib/llvm-19/lib/cmake/llvm';
/**
 * wamrc target for both engine builds: a named, portable x86-64 level with SSE4.2 (the SIMD build
 * needs a CPU named, VENDORED.md); the host default would tune the code to this very CPU.
 */
export const AOT_FLAGS = ['--target=x86_64', '--cpu=x86-64-v2'];

/** The vendored WAMR tree. @throws DendraError `E_WAMR` when it is not there. */
export function wamrRoot(): string {
  const dir = path.resolve(process.env.WAMR_ROOT ?? path.join(SHARED_DIR, 'vendor', 'wamr'));
  if (!existsSync(path.join(dir, 'build-scripts', 'runtime_lib.cmake'))) {
    throw new DendraError('E_WAMR', `WAMR not found at ${dir} (set WAMR_ROOT or DENDRA_SHARED)`);
  }
  return dir;
}

/** Runs a build step; @throws DendraError `E_BUILD` with the tail of its output. */
function step(what: string, cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stdout?: Buffer; stderr?: Buffer; message: string };
    const out = `${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}`.trim().split('\n').slice(-8).join('\n');
    throw new DendraError('E_BUILD', `${what} failed: ${out || err.message}`);
  }
}

/** Builds build/wamr-engine-bench (incremental: make does nothing when it is up to date). */
export function buildBenchProgram(): string {
  const dir = path.join(BUILD_DIR, 'bench');
  if (!existsSync(path.join(dir, 'CMakeCache.txt'))) {
    step('cmake (runtime/bench)', 'cmake', ['-S', path.join(ROOT, 'runtime', 'bench'), '-B', dir, `-DWAMR_ROOT=${wamrRoot()}`]);
  }
  step('make (runtime/bench)', 'make', ['-C', dir, '-j2', '--no-print-directory']);
  return BENCH_BIN;
}

/** wamrc, or why there is none (LLVM 19 missing, or the compiler did not build against it). */
export function buildWamrc(): { wamrc: string | null; note: string } {
  const dir = path.join(BUILD_DIR, 'wamrc');
  const bin = path.join(dir, 'wamrc');
  if (!existsSync(LLVM_DIR)) return { wamrc: null, note: `not built: Debian's LLVM 19 is not installed (${LLVM_DIR} missing; apt-get install -y llvm-19-dev)` };
  try {
    if (!existsSync(path.join(dir, 'CMakeCache.txt'))) {
      step('cmake (wamr-compiler)', 'cmake', ['-S', path.join(wamrRoot(), 'wamr-compiler'), '-B', dir, '-DWAMR_BUILD_WITH_CUSTOM_LLVM=1', `-DLLVM_DIR=${LLVM_DIR}`]);
    }
    step('make (wamr-compiler)', 'make', ['-C', dir, '-j2', '--no-print-directory']);
  } catch (e) {
    return { wamrc: null, note: `wamrc did not build against Debian's LLVM 19: ${(e as Error).message}` };
  }
  const version = execFileSync(bin, ['--version']).toString().trim();
  return { wamrc: bin, note: `${version}, built against Debian's LLVM 19 (${LLVM_DIR}); flags ${AOT_FLAGS.join(' ')}` };
}

/**
 * AOT-compiles `wasm` to build/runtime-bench/<name>.aot unless that is newer than the .wasm.
 * @throws DendraError `E_BUILD` when wamrc fails.
 */
export function compileAot(wamrc: string, wasm: string): string {
  mkdirSync(BUILD_DIR, { recursive: true });
  const out = path.join(BUILD_DIR, path.basename(wasm, '.wasm') + '.aot');
  if (existsSync(out) && statSync(out).mtimeMs > statSync(wasm).mtimeMs && statSync(out).mtimeMs > statSync(wamrc).mtimeMs) return out;
  step(`wamrc ${path.basename(wasm)}`, wamrc, [...AOT_FLAGS, '-o', out, wasm]);
  return out;
}

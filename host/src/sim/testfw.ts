/**
 * Test helper: compiles the stand-alone bootloader firmware (firmware/assembly/boot/testentry.ts:
 * the real protocol code with a TFL3-only validator) to a .wasm, so the simulator and the
 * flasher can be tested without the interpreter.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

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

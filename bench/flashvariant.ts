/**
 * Boot test firmware variants for the flash bench's ablations (bench/flashfaults.ts): the real
 * boot/testentry.ts build (host/device/test/testfw.ts) with firmware constants changed, e.g. the
 * board's extent count (boot/extents.ts MAX_EXTENTS), compiled from a copy of firmware/assembly so
 * the tree stays untouched.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@dendra/core/paths.ts';

/** Where each constant a variant may change is defined (file under firmware/assembly). */
const CONSTANTS: Record<string, string> = { MAX_EXTENTS: 'boot/extents.ts' };

/**
 * Copies firmware/assembly to `dir`, sets each `export const NAME: type = value;` of `set`, and
 * compiles boot/testentry.ts as testfw.ts does. Returns the .wasm path.
 * @throws Error for a constant it does not know or cannot find, and with asc's output when compilation fails.
 */
export function buildBootTestFirmwareVariant(dir: string, set: Record<string, number>): string {
  const tag = Object.entries(set).map(([k, v]) => `${k}-${v}`).join('_');
  const src = path.join(dir, `fw-${tag}`, 'firmware', 'assembly');
  cpSync(path.join(REPO_ROOT, 'firmware', 'assembly'), src, { recursive: true });
  cpSync(path.join(REPO_ROOT, 'firmware', 'tests'), path.join(dir, `fw-${tag}`, 'firmware', 'tests'), { recursive: true });
  for (const [name, value] of Object.entries(set)) {
    const file = CONSTANTS[name];
    if (!file) throw new Error(`no firmware constant ${name} known to the bench`);
    const f = path.join(src, file);
    const text = readFileSync(f, 'utf8');
    const re = new RegExp(`(export const ${name}: \\w+ = )[^;]+;`);
    if (!re.test(text)) throw new Error(`${name} not found in firmware/assembly/${file}`);
    writeFileSync(f, text.replace(re, `$1${value};`));
  }
  const out = path.join(dir, `boot-test-${tag}.wasm`);
  execFileSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'asc'), [
    path.join(src, 'boot', 'testentry.ts'), '--outFile', out, '--runtime', 'stub', '--optimizeLevel', '2',
  ], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  if (!existsSync(out)) throw new Error(`asc did not produce ${out}`);
  return out;
}

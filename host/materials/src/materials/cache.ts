/**
 * Cache of values derived from a CIF text (physics descriptors, the softBV Ea estimate): one JSON
 * file per value under `.dendra/cache/<kind>/`, keyed by SHA-256 of a version tag and the text.
 * Derived data, never committed. NaN and ±Infinity survive the round trip. A cache that cannot be
 * read or written is ignored: the value is recomputed and the caller never sees a cache error.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@dendra/core/paths.ts';

/** Root of the derived-data caches. */
export const CACHE_ROOT = join(REPO_ROOT, '.dendra', 'cache');

/**
 * The value for `text`, from `dir` when a readable entry for (`version`, text) exists, else
 * `compute()` (then stored; `dir` null disables the cache).
 * @throws whatever `compute` throws (nothing is stored then).
 */
export function cachedByText<T>(dir: string | null, version: number, text: string, compute: () => T): T {
  const key = createHash('sha256').update(`v${version}\n${text}`).digest('hex');
  const file = dir === null ? null : join(dir, `${key}.json`);
  if (file !== null && existsSync(file)) {
    try {
      return JSON.parse(readFileSync(file, 'utf8'), (_k, v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v)) as T;
    } catch { /* unreadable cache entry: recompute */ }
  }
  const value = compute();
  if (file !== null && dir !== null) {
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${file}.tmp`, JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
      renameSync(`${file}.tmp`, file);
    } catch { /* read-only tree: no cache */ }
  }
  return value;
}

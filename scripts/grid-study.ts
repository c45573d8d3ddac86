// What scripts/grid-ablation.ts and scripts/grid-mixing.ts share: the repository root, their
// common options (--model, --data, --seeds, --cache, --write), reading the committed protocol
// report with the run cache, and storing each finished run in that cache.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProtocolReport } from '@dendra/models/grid/protocol.ts';
import { DEFAULT_ETT } from '@dendra/core/paths.ts';

/** The repository root (this file's folder's parent). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The options both studies take, for node:util parseArgs: `--model` (default models/grid),
 * `--data` (default the ETT CSV), `--seeds` (default 1,2,3), `--cache` (default
 * .dendra/<cacheFile>) and `--write`. Never throws (parseArgs throws for unknown options).
 */
export function studyOptions(cacheFile: string) {
  return {
    model: { type: 'string', default: path.join(ROOT, 'models/grid') },
    data: { type: 'string', default: DEFAULT_ETT },
    seeds: { type: 'string', default: '1,2,3' },
    cache: { type: 'string', default: path.join(ROOT, '.dendra', cacheFile) },
    write: { type: 'boolean', default: false },
  } as const;
}

/**
 * Reads `<model>/grid.protocol.json` and the run cache (empty when the cache file is absent).
 * @throws the fs error when the report is missing, SyntaxError when it or the cache is not JSON.
 */
export function readStudy<R>(model: string, cachePath: string): { file: string; report: ProtocolReport; cache: Record<string, R> } {
  const file = path.join(model, 'grid.protocol.json');
  const report = JSON.parse(readFileSync(file, 'utf8')) as ProtocolReport;
  const cache: Record<string, R> = existsSync(cachePath) ? JSON.parse(readFileSync(cachePath, 'utf8')) : {};
  return { file, report, cache };
}

/** A finished training run as both studies cache it. */
interface CachedRun {
  val: { mse: number };
  test: { mse: number };
  bestEpoch: number;
  epochsRun: number;
}

/**
 * Stores run `k` in `cache`, rewrites the cache file at `cachePath` (creating its folder), and
 * logs the run's losses to stderr. @throws the fs error when the cache cannot be written.
 */
export function cacheRun<R extends CachedRun>(cache: Record<string, R>, cachePath: string, k: string, r: R): void {
  cache[k] = r;
  mkdirSync(path.dirname(cachePath), { recursive: true });
  writeFileSync(cachePath, JSON.stringify(cache, null, 1) + '\n');
  console.error(`  ${k}: val ${r.val.mse.toFixed(5)} test ${r.test.mse.toFixed(5)} best epoch ${r.bestEpoch}/${r.epochsRun}`);
}

/**
 * The Dendra version: the root package.json's `version`, read once (the CLI's --version, the
 * firmware version the simulated board reports; the .wasm hash identifies the build).
 * @throws Error at import when package.json is missing or has no version (a broken checkout).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './paths.ts';

function readVersion(): string {
  const v = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: unknown }).version;
  if (typeof v !== 'string' || v === '') throw new Error(`${path.join(REPO_ROOT, 'package.json')} has no version`);
  return v;
}

/** The version of this checkout, e.g. "0.1.0". */
export const DENDRA_VERSION: string = readVersion();

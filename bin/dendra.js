#!/usr/bin/env node
// Launcher. Runs the compiled CLI (build/cli/main.js, made by `make build` / `npm run build:cli`)
// when it is there and no source compiled into it is newer (build/cli/inputs.json lists them);
// otherwise runs the TypeScript sources through tsx: the same program, only slower to start.
// DENDRA_CLI=source forces the sources, DENDRA_CLI=build the build.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const build = path.join(root, 'build', 'cli');

/** True when build/cli holds a build that no source file is newer than. Never throws. */
function buildIsFresh() {
  try {
    const built = statSync(path.join(build, 'main.js')).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(path.join(build, 'inputs.json'), 'utf8'));
    return inputs.every((rel) => statSync(path.join(build, rel)).mtimeMs <= built);
  } catch {
    return false;
  }
}

const mode = process.env.DENDRA_CLI;
if (mode === 'build' || (mode !== 'source' && buildIsFresh())) {
  await import(pathToFileURL(path.join(build, 'main.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('@dendra/cli/cli/main.ts');
}

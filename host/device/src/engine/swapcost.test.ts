// The interpreter swap-cost measurement (swapcost.ts) on the committed grid and pack models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { GRID_MODEL, PACK_MODEL, REPO_ROOT as ROOT } from '@dendra/core/paths.ts';
import { measureSwap } from './swapcost.ts';

const packBytes = new Uint8Array(readFileSync(PACK_MODEL));
const gridBytes = new Uint8Array(readFileSync(GRID_MODEL));

test('swap cost: reloading the shared interpreter between the models leaves both outputs unchanged', async (t) => {
  if (!existsSync(path.join(ROOT, 'build/engine.wasm'))) {
    t.skip('build/engine.wasm missing: run node firmware/build.mjs');
    return;
  }
  const r = await measureSwap(gridBytes, packBytes, 20);
  assert.equal(r.outputsUnchanged, true);
  assert.equal(r.swapOutputsUnchanged, true);
  assert.ok(r.swapUs > 0);
  assert.ok(r.arenaPack > 0 && r.arenaGrid > 0 && r.loadPackUs > 0 && r.invokePackUs > 0);
});

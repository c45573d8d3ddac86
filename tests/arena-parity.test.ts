// The host's arena figure (host/core/src/tflite/estimate.ts estimateArenaBytes, used by model cards,
// `dendra boards` and the flash-time fit check) equals what the firmware's planner
// (firmware/assembly/interp/planner.ts, in build/engine.wasm) reports for the same .tflite: the
// shipped grid and pack models, the protocol models, and seeded random models of every op builder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { loadEngine } from '@dendra/device/engine/engine.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { estimateArenaBytes } from '@dendra/core/tflite/estimate.ts';
import { ROOT } from './proc.ts';
import { OP_BUILDERS, rng } from './opmodels.ts';

test('arena: host estimate == firmware planner on the shipped models', async () => {
  const files = [path.join(ROOT, 'models/grid/grid.tflite'), path.join(ROOT, 'models/pack/pack.tflite')];
  const protocolDir = path.join(ROOT, 'models/grid/protocol');
  if (existsSync(protocolDir)) files.push(...readdirSync(protocolDir).filter((f) => f.endsWith('.tflite')).map((f) => path.join(protocolDir, f)));
  for (const f of files) {
    const bytes = new Uint8Array(readFileSync(f));
    const fw = await loadEngine(bytes);
    assert.equal(estimateArenaBytes(readTflite(bytes)), fw.arenaBytes, path.relative(ROOT, f));
  }
});

test('arena: host estimate == firmware planner on 8 random models of every op builder', async () => {
  for (const [name, build] of Object.entries(OP_BUILDERS)) {
    const r = rng(4242 + name.length);
    for (let k = 0; k < 8; k++) {
      const m = build(r).model;
      const fw = await loadEngine(writeTflite(m));
      assert.equal(estimateArenaBytes(m), fw.arenaBytes, `${name} #${k}`);
    }
  }
});

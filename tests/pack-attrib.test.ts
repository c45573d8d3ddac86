// The pack alert's exact Shapley attribution (host/models/src/pack/board.ts packShapley, mirroring
// firmware app/pack/packattrib.ts + app/shapley.ts) on the real replay the sim board is fed
// (host/models/src/pack/replay.ts): every frame with a cell at or above the threshold is a game whose
// players are the 9 feature groups and whose value is the mean risk of those cells.
// - The firmware's own interpreter (build/engine.wasm) and the host int8 executor give bit-equal values.
// - The values equal the permutation definition of Shapley (an independent computation from a
//   coalition table evaluated apart) and are efficient: they sum to v(all) - v(none).
// - The old board attribution (occlusion: v(all) - v(all without g)) is compared with them (top-3 set).
// The board's own values reach the operator in tests/pack-e2e.test.ts (alert `top`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { REPO_ROOT } from '@dendra/core/paths.ts';
import { loadEngine } from '@dendra/device/engine/engine.ts';
import { runInt8 } from '@dendra/models/quant/executor.ts';
import { boardInput, groupFeatures, packMetaOf, packShapley, PACK_GROUPS } from '@dendra/models/pack/board.ts';
import { replayPack } from '@dendra/models/pack/replay.ts';
import { coalitionValues, topPlayers } from '@dendra/models/attrib/shapley.ts';
import { permutationShapley } from '@dendra/models/test/permshapley.ts';

const bytes = new Uint8Array(readFileSync(path.join(REPO_ROOT, 'models', 'pack', 'pack.tflite')));
const model = readTflite(bytes);
const meta = packMetaOf(model);
const q = model.tensors[model.outputs[0]].quant!;
const zp = model.tensors[model.inputs[0]].quant!.zeroPoint[0];

/** Frames of the default replay with at least one live cell at or above the threshold, and those cells. */
async function hotFrames(run: (x: Int8Array) => Int8Array) {
  const out: { w: number; input: Int8Array; alive: boolean[]; hot: boolean[] }[] = [];
  replayPack({ ccdFraction: 0.55 }).frames.forEach((f, w) => {
    const { input, alive } = boardInput(model, meta, f);
    const y = run(input);
    const hot = alive.map((a, k) => a && (y[k] - q.zeroPoint[0]) * q.scale[0] >= meta.otLimitC);
    if (hot.some(Boolean)) out.push({ w, input, alive, hot });
  });
  return out;
}

test('pack Shapley on the replay: engine = host executor bit for bit; permutation definition; efficiency; vs occlusion', async (t) => {
  const engine = await loadEngine(bytes);
  const fw = (x: Int8Array) => engine.run(x);
  const frames = await hotFrames(fw);
  assert.ok(frames.length >= 20, `the replay has alert frames (${frames.length})`);
  const n = PACK_GROUPS.length;
  const full = (1 << n) - 1;
  let same = 0, top1 = 0, moved = 0;
  const tops = new Map<string, number>();
  for (const [i, { w, input, alive, hot }] of frames.entries()) {
    const phi = packShapley(model, meta, input, alive, hot, fw);
    if (i % 25 === 0) {
      const host = packShapley(model, meta, input, alive, hot, (x) => runInt8(model, x));
      assert.deepEqual(Array.from(host), Array.from(phi), `frame ${w}: host executor vs engine`);
    }
    // Independent: the coalition table built here (own occlusion), Shapley over all 9! orders.
    const v = coalitionValues(n, (present) => {
      const x = input.slice();
      for (let g = 0; g < n; g++) {
        if ((present >> g) & 1) continue;
        for (const f of groupFeatures(g, meta.window)) alive.forEach((a, k) => { if (a) x[k * meta.nChannels + f] = zp; });
      }
      const y = fw(x);
      const r = hot.map((on, k) => (on ? (y[k] - q.zeroPoint[0]) * q.scale[0] : NaN)).filter((r) => !Number.isNaN(r));
      return r.reduce((a, b) => a + b, 0) / r.length;
    });
    const want = permutationShapley(v);
    for (let g = 0; g < n; g++) assert.ok(Math.abs(phi[g] - want[g]) < 1e-9, `frame ${w} group ${PACK_GROUPS[g]}: ${phi[g]} vs ${want[g]}`);
    const sum = phi.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - (v[full] - v[0])) < 1e-9, `frame ${w}: efficiency ${sum} vs ${v[full] - v[0]}`);
    if (phi.some((x) => x !== 0)) moved++;
    const occ = Array.from({ length: n }, (_, g) => v[full] - v[full & ~(1 << g)]);
    const a = topPlayers(phi);
    const b = topPlayers(occ);
    if (a.every((g) => b.includes(g))) same++;
    if (a[0] === b[0]) top1++;
    const key = a.map((g) => PACK_GROUPS[g]).join(',');
    tops.set(key, (tops.get(key) ?? 0) + 1);
  }
  t.diagnostic(`${frames.length} alert frames: occlusion top-3 set = Shapley top-3 set in ${same}, top-1 in ${top1}; Shapley top-3: ${JSON.stringify(Object.fromEntries(tops))}`);
  assert.equal(moved, frames.length, 'every frame\'s risk moves with some group');
});

// The host mirror of the board's pack app (board.ts) and the replay the sim board feeds on DMA
// channel 1 (replay.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { runInt8 } from '../quant/executor.ts';
import { boardInput, boardPackRun, packMapCols, packMetaOf, riskMap, r4 } from './board.ts';
import { replayPack } from './replay.ts';
import { N_FEATURES, MAX_CELLS } from './dataset.ts';
import { InputError } from '@dendra/core/errors.ts';
import { REPO_ROOT } from '@dendra/core/paths.ts';

const ROOT = REPO_ROOT;
const packBytes = new Uint8Array(readFileSync(path.join(ROOT, 'models/pack/pack.tflite')));
const gridBytes = new Uint8Array(readFileSync(path.join(ROOT, 'models/grid/grid.tflite')));
const pack = readTflite(packBytes);

test('risk map: ceil(sqrt(n)) columns, rows in cell order, null kept for dead cells', () => {
  assert.deepEqual([1, 2, 4, 5, 16, 17, 32].map(packMapCols), [1, 2, 2, 3, 4, 5, 6]);
  const m = riskMap([0.1, null, 0.3, 0.4, 0.5]);
  assert.deepEqual(m, [[0.1, null, 0.3], [0.4, 0.5]]);
  assert.equal(r4(0.12345), 0.1235);
  assert.ok(Object.is(r4(-0.00001), 0), 'no -0 in a payload');
});

test('pack metadata: kind pack with 16 cells x 54 features; the grid model is refused', () => {
  const meta = packMetaOf(pack);
  assert.equal(meta.kind, 'pack');
  assert.deepEqual([meta.target, meta.nChannels], [MAX_CELLS, N_FEATURES]);
  assert.ok(meta.otLimitC > 0 && meta.otLimitC < 1 && meta.hysteresisC >= 0 && meta.hysteresisC < meta.otLimitC);
  assert.throws(() => packMetaOf(readTflite(gridBytes)), (e: unknown) => e instanceof InputError && e.code === 'E_MODEL' && /not a pack model/.test(e.message));
});

test('board input: a dead cell (alive flag not 1) is all zero point; NaN counts as the mean', () => {
  const meta = packMetaOf(pack);
  const frame = replayPack({ ccdFraction: 0.55 }).frames[0].slice();
  const zp = pack.tensors[pack.inputs[0]].quant!.zeroPoint[0];
  frame[2 * N_FEATURES + N_FEATURES - 1] = 0; // cell 2 dead
  frame[5 * N_FEATURES + 3] = NaN; // cell 5, a NaN feature
  const { input, alive } = boardInput(pack, meta, frame);
  assert.equal(alive[2], false);
  assert.ok(input.subarray(2 * N_FEATURES, 3 * N_FEATURES).every((q) => q === zp));
  const zq = Math.round(Math.max(-6, Math.min(6, 0)) / pack.tensors[pack.inputs[0]].quant!.scale[0]) + zp;
  assert.equal(input[5 * N_FEATURES + 3], zq);
});

test('board run over the default replay: telemetry is the executor\'s output; alerts raise, clear, obey hysteresis', () => {
  const meta = packMetaOf(pack);
  // The first 66 frames at 0.7 of the CCD (the shipped model raises and clears within them; raised alerts cost 2^9 host-executor runs each; tests/pack-e2e.test.ts runs the whole replay).
  const frames = replayPack({ ccdFraction: 0.7 }).frames.slice(0, 66);
  const { telemetry, alerts } = boardPackRun(pack, frames);
  assert.equal(telemetry.length, frames.length);
  const q = pack.tensors[pack.outputs[0]].quant!;
  for (const w of [0, 28, frames.length - 1]) {
    const { input, alive } = boardInput(pack, meta, frames[w]);
    const y = runInt8(pack, input);
    const want = Array.from(y.subarray(0, MAX_CELLS), (v, k) => (alive[k] ? r4((v - q.zeroPoint[0]) * q.scale[0]) : null));
    assert.deepEqual(telemetry[w].cells, want, `frame ${w}`);
  }
  assert.ok(alerts.some((a) => a.state === 'raised') && alerts.some((a) => a.state === 'cleared'));
  for (const a of alerts) {
    assert.equal(a.cells.flat().length, MAX_CELLS);
    if (a.state === 'raised') {
      assert.ok(a.alerted.length > 0 && a.top!.length === 3);
      // lead_cycles: the lead row (q - zp cycles) of the first alerted cell in the raising frame
      const y = runInt8(pack, boardInput(pack, meta, frames[a.window]).input);
      assert.equal(y.length, 2 * MAX_CELLS + 1, 'the shipped model has lead rows');
      assert.equal(a.lead_cycles, y[MAX_CELLS + 1 + a.alerted[0]] - q.zeroPoint[0]);
      assert.ok(a.lead_cycles >= 0 && a.lead_cycles <= 255);
      assert.equal(a.value, Math.max(...a.alerted.map((id) => a.cells.flat()[id] as number)));
      assert.ok(a.value >= r4(meta.otLimitC));
    } else {
      assert.deepEqual(a.alerted, []);
      assert.equal(a.top, undefined);
      const live = a.cells.flat().filter((v): v is number => v !== null);
      assert.ok(live.every((v) => v < meta.otLimitC), 'cleared: every live cell is below the threshold');
    }
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { decodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import { DEFAULT_GRID_DIR } from './eval.ts';
import { loadEtt, WINDOW } from './data.ts';
import { BOARD_CONFIG } from './config.ts';

const HORIZON = BOARD_CONFIG.horizon;
import { prepareInput } from './window.ts';
import {
  attribContext, hostRunner, occlude, occlusionDeltas, peakC, peakRise, sameSet, shapleyValues, topInputs,
  type AttribContext, type Int8Runner,
} from './attrib.ts';
import { coalitionValues } from '../attrib/shapley.ts';
import { permutationShapley } from '../../test/permshapley.ts';

const TEST_START = 11520; // first row of the ETTh1 test split
const TEST_END = 14400;

/** A toy context: 4 channels of 2 hours, zero point 0, output = degC directly. */
const toy: AttribContext = { nChannels: 4, window: 2, inputZeroPoint: 0, outQ: { scale: [1], zeroPoint: [0] }, stdTarget: 1, lastTarget: 0 };
/** An additive game: the output is the sum of a[c] over the channels whose row is not occluded. */
const additive = (a: number[]): Int8Runner => (x) => {
  let s = 0;
  for (let c = 0; c < 4; c++) if (x[2 * c] !== 0 || x[2 * c + 1] !== 0) s += a[c];
  return Int8Array.of(s, s - 1);
};

test('occlude fills only the absent rows with the zero point and leaves the input untouched', () => {
  const x = Int8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const ctx = { ...toy, inputZeroPoint: -9 };
  assert.deepEqual(Array.from(occlude(x, 0b0101, ctx)), [-9, -9, 3, 4, -9, -9, 7, 8]);
  assert.deepEqual(Array.from(x), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.throws(() => occlude(x.subarray(1), 1, ctx), (e: unknown) => (e as { code?: string }).code === 'E_DATA');
});

test('on an additive game occlusion and Shapley both recover each channel\'s share', () => {
  const a = [3, -7, 0, 7];
  const x = Int8Array.from([1, 1, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(occlusionDeltas(additive(a), x, toy)), a);
  assert.deepEqual(Array.from(shapleyValues(additive(a), x, toy)).map((v) => Math.round(v * 1e9) / 1e9), a);
  // |-7| ties |7|: the lower channel index first, then 3, then 0.
  assert.deepEqual(topInputs(a).map((t) => [t.input, t.channel]), [['ch1', 1], ['ch3', 3], ['ch0', 0]]);
  assert.equal(peakC([2, 5, 5, -1], toy), 5);
});

let cache: ReturnType<typeof load> | undefined;
function load() {
  const bytes = new Uint8Array(readFileSync(path.join(DEFAULT_GRID_DIR, 'grid.tflite')));
  const model = readTflite(bytes);
  return { bytes, model, meta: decodeDendraMeta(model.metadata.dendra), rows: loadEtt().rows };
}
function committed() {
  cache ??= load();
  return cache;
}

/** Every ETTh1 test window spaced a day apart (116 windows). */
function dailyTestWindows() {
  const { model, meta, rows } = committed();
  const out: { start: number; x: Int8Array; ctx: AttribContext }[] = [];
  for (let s = TEST_START; s + WINDOW + HORIZON <= TEST_END; s += 24) {
    const w = rows.slice(s, s + WINDOW);
    out.push({ start: s, x: prepareInput(model, meta, w), ctx: attribContext(model, meta, w[WINDOW - 1][meta.target]) });
  }
  return out;
}

test('the board\'s Shapley values on every daily ETTh1 test window: the permutation definition, efficiency', (t) => {
  const { model } = committed();
  const run = hostRunner(model);
  const windows = dailyTestWindows();
  let moved = 0;
  const top1 = new Map<string, number>();
  for (const { start, x, ctx } of windows) {
    const n = ctx.nChannels;
    const phi = shapleyValues(run, x, ctx);
    // Independent: the coalition table evaluated apart, then Shapley by averaging over all n! orders.
    const v = coalitionValues(n, (present) => peakRise(run(occlude(x, ((1 << n) - 1) & ~present, ctx)), ctx));
    const want = permutationShapley(v);
    for (let c = 0; c < n; c++) assert.ok(Math.abs(phi[c] - want[c]) < 1e-9, `row ${start} channel ${c}: ${phi[c]} vs ${want[c]}`);
    // Efficiency against the forecast itself (degC, with the last value): the values sum to
    // peak(x) - peak(all occluded) up to f64 rounding, far below one output step (~0.05 degC).
    const sum = phi.reduce((a, b) => a + b, 0);
    const all = peakC(run(x), ctx);
    const none = peakC(run(occlude(x, (1 << n) - 1, ctx)), ctx);
    assert.ok(Math.abs(sum - (all - none)) < 1e-9, `row ${start}: sum ${sum} vs ${all - none}`);
    if (phi.some((p) => p !== 0)) moved++;
    const name = topInputs(phi)[0].input;
    top1.set(name, (top1.get(name) ?? 0) + 1);
  }
  t.diagnostic(`top-1 channel by exact Shapley: ${JSON.stringify(Object.fromEntries(top1))}`);
  assert.ok(moved > windows.length / 2, `the attribution moves on most windows (${moved}/${windows.length})`);
});

test('before exact Shapley: the old occlusion top-3 vs exact Shapley top-3 on real ETTh1 test windows', (t) => {
  const { model, meta } = committed();
  const run = hostRunner(model);
  const windows = dailyTestWindows();
  let set = 0, top1 = 0, untied = 0, untiedSet = 0;
  for (const { x, ctx } of windows) {
    const occ = occlusionDeltas(run, x, ctx);
    const a = topInputs(occ);
    const b = topInputs(shapleyValues(run, x, ctx));
    if (sameSet(a, b)) set++;
    if (a[0].channel === b[0].channel) top1++;
    // Occlusion deltas are multiples of one output LSB (~0.05 degC): when the 3rd and 4th are tied
    // the board's third pick is decided by the channel index alone.
    const mags = Array.from(occ, Math.abs).sort((p, q) => q - p);
    if (mags[2] !== mags[3]) {
      untied++;
      if (sameSet(a, b)) untiedSet++;
    }
  }
  const n = windows.length;
  t.diagnostic(`top-3 set agreement ${set}/${n}, top-1 ${top1}/${n}, top-3 set when no tie at rank 3: ${untiedSet}/${untied}`);
  // Measured on the L 96 GNN (the board model until the L 336 model shipped): 60/116 (52%), top-1
  // 111/116, untied 48/54. The L 336 board model is the ridge trunk (epoch 0: graph head zero), whose
  // forecast reads the OT window only: occluding any other channel moves nothing, so ranks 2-3 are
  // always tied at 0 (untied 0/0) and both attributions agree, 106/106. Not 100% in general: the two
  // differ by design (one marginal vs the average over all coalitions).
  assert.ok(set / n >= 0.5, `top-3 set agreement ${set}/${n}`);
  assert.ok(top1 / n >= 0.9, `top-1 agreement ${top1}/${n}`);
  if (untied > 0) assert.ok(untiedSet / untied >= 0.75, `untied top-3 set agreement ${untiedSet}/${untied}`);
  else {
    // No untied window: then it must be because only OT moves the forecast (the ridge trunk).
    for (const { x, ctx } of windows) {
      const occ = occlusionDeltas(run, x, ctx);
      occ.forEach((d, c) => { if (c !== meta.target) assert.equal(d, 0, `channel ${c} moves the forecast but no window is untied`); });
    }
  }
});

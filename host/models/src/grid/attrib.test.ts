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
  attribContext, hostRunner, occlude, occlusionDeltas, peakC, sameSet, shapleyValues, topInputs,
  type AttribContext, type Int8Runner,
} from './attrib.ts';

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

test('Shapley values are efficient: they sum to v(all) - v(none) on a real window', () => {
  const { model, meta, rows } = committed();
  const w = rows.slice(TEST_START, TEST_START + WINDOW);
  const x = prepareInput(model, meta, w);
  const ctx = attribContext(model, meta, w[WINDOW - 1][meta.target]);
  const run = hostRunner(model);
  const phi = shapleyValues(run, x, ctx);
  const all = peakC(run(x), ctx);
  const none = peakC(run(occlude(x, (1 << meta.nChannels) - 1, ctx)), ctx);
  assert.ok(Math.abs(phi.reduce((s, v) => s + v, 0) - (all - none)) < 1e-9);
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

test('board-style occlusion top-3 vs exact Shapley top-3 on real ETTh1 test windows', (t) => {
  const { model } = committed();
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
  // Measured on the committed model: 62/116 (53%), top-1 111/116, untied 49/55. Not 100%: the
  // two attributions differ by design (one marginal vs the average over all coalitions).
  assert.ok(set / n >= 0.5, `top-3 set agreement ${set}/${n}`);
  assert.ok(top1 / n >= 0.9, `top-1 agreement ${top1}/${n}`);
  assert.ok(untied > 0 && untiedSet / untied >= 0.75, `untied top-3 set agreement ${untiedSet}/${untied}`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_GRID_DIR, evalGrid, evalProtocol, formatEval, loadGrid, PUBLISHED, type ProtocolEvalRow } from './eval.ts';
import { formatProtocol, formatThermal } from './eval_format.ts';
import { loadEtt } from './data.ts';
import type { ProtocolReport } from './protocol.ts';

const card = JSON.parse(readFileSync(path.join(DEFAULT_GRID_DIR, 'grid.card.json'), 'utf8')) as {
  metrics: { int8: Record<'val' | 'test', { mse: number; mae: number; windows: number }> };
  baselines: Record<'val' | 'test', { lastValue: { mse: number } }>;
  protocol?: ProtocolReport;
};
const sig6 = (v: number) => Number(v.toPrecision(6));

test('eval grid on the committed model reproduces the card and scores every window', () => {
  const r = evalGrid({ protocol: false });
  const int8 = r.rows[0];
  for (const split of ['val', 'test'] as const) {
    assert.equal(int8[split].windows, card.metrics.int8[split].windows, `${split} windows`);
    assert.equal(sig6(int8[split].mse), card.metrics.int8[split].mse, `${split} int8 MSE`);
    assert.equal(sig6(int8[split].mae), card.metrics.int8[split].mae, `${split} int8 MAE`);
    assert.equal(sig6(r.rows[1][split].mse), card.baselines[split].lastValue.mse, `${split} last value`);
  }
  assert.equal(r.data.windows.test, 2880 - 24 + 1, 'no dropped last batch');
  // linear baselines are fitted and scored on the same windows
  for (const row of r.rows.slice(3)) assert.ok(row.test.windows === 2857 && row.test.mse > 0 && row.test.mse < 0.1);
  assert.equal(r.alerting.limits.length, 3);
  for (const l of r.alerting.limits.slice(0, 2)) {
    assert.ok(l.int8.all.windows === 2857 && l.int8.all.positives > 0);
    assert.equal(l.lastValue.onset.tp, 0, 'repeating the last value never forecasts a new crossing');
  }
  const text = formatEval(r).join('\n');
  assert.match(text, /drop the last incomplete batch/);
  for (const p of PUBLISHED) assert.ok(text.includes(p.source));
});

/** The card's protocol rows as eval rows (int8 and baselines as the card recorded them). */
function cardRows(p: ProtocolReport): ProtocolEvalRow[] {
  return [...p.rows, ...p.thermal.rows].map((r) => ({ label: r.label, config: r.config, file: r.file, float: r.float, int8: r.int8, baselines: r.baselines }));
}

test('the committed card holds the protocol table: S and M at 24 and 96 h, int8 within 2% of float, printed beside the published figures', (t) => {
  if (!card.protocol) return t.skip('the committed card has no protocol table (made by dendra train grid)');
  const p = card.protocol;
  assert.equal(p.window, 96);
  assert.deepEqual(p.rows.map((r) => r.label), ['S-24', 'S-96', 'M-24', 'M-96', 'MS-24', 'MS-96']);
  for (const r of [...p.rows, ...p.thermal.rows]) {
    assert.equal(r.int8.test.windows, 2881 - r.config.horizon, `${r.label}: every test window`);
    assert.ok(Math.abs(r.int8VsFloatTestPct) <= 2, `${r.label}: int8 ${r.int8VsFloatTestPct.toFixed(2)}% from float`);
  }
  const lines = formatProtocol(cardRows(p), p.window, 'ETTh1');
  assert.match(lines[0], /^ETTh1: .*input length L = 96 h/);
  const at = (label: string) => lines.findIndex((l) => l.trimStart().startsWith(`${label} `));
  for (const label of ['S-24', 'S-96', 'M-24', 'M-96', 'MS-24', 'MS-96']) assert.ok(at(label) > 0, label);
  // the published figures sit right under the rows of their setting, with their input length and source
  const under = (label: string) => lines.slice(at(label) + 1, at(label) + 6).join('\n');
  assert.match(under('M-96'), /DLinear M-96 \(L=336\): 0\.375\/0\.399 \[Zeng et al\., Are Transformers/);
  assert.match(under('M-96'), /NLinear M-96 \(L=336\): 0\.374\/0\.394/);
  assert.match(under('S-96'), /Informer S-96 \(L=96\): 0\.193\/0\.377/);
  assert.match(under('MS-96'), /Informer S-96 \(L=96; OT only in and out, beside our MS\)/);
  assert.doesNotMatch(lines.join('\n'), /Linear [SM]-\d+ \(L=96/, 'no L = 96 DLinear/NLinear anchor');
  const thermal = formatThermal(cardRows(p));
  assert.equal(thermal.length, 3);
  assert.match(thermal[1], /^ {2}MS-24: float MSE val .* (helps|does not help|mixed|no material effect)/);
});

test('protocol models re-run in int8 from their .tflite reproduce the card, on every window', (t) => {
  if (!card.protocol) return t.skip('the committed card has no protocol table (made by dendra train grid)');
  // one of the eight, S-24 (the full re-run is `dendra eval grid`; M and the thermal node's int8 path
  // are covered in protocol.test.ts)
  const pick = (label: string) => [...card.protocol!.rows, ...card.protocol!.thermal.rows].find((r) => r.label === label)!;
  const sub: ProtocolReport = { ...card.protocol, rows: [pick('S-24')], thermal: { ...card.protocol.thermal, rows: [] } };
  const rows = evalProtocol(DEFAULT_GRID_DIR, sub, loadEtt());
  assert.deepEqual(rows.map((r) => r.label), ['S-24']);
  for (const [k, want] of [pick('S-24')].entries()) {
    const got = rows[k];
    assert.equal(got.int8.test.windows, 2857);
    assert.ok(Math.abs(got.int8.test.mse - want.int8.test.mse) <= 1e-9 * want.int8.test.mse, `${want.label} int8 test MSE`);
    assert.ok(Math.abs(got.baselines.test.linear.mse - want.baselines.test.linear.mse) <= 1e-9, `${want.label} linear baseline`);
  }
});

test('a missing model directory is a one-line E_MODEL error', () => {
  assert.throws(() => loadGrid('/nonexistent/grid'), (e: unknown) => (e as { code?: string }).code === 'E_MODEL' && !(e as Error).message.includes('\n'));
});

test('thermal ablation verdict: helps only when validation and test both improve by 1% or more', async () => {
  const { thermalVerdict } = await import('./card.ts');
  assert.equal(thermalVerdict(-2, -3), 'helps');
  assert.equal(thermalVerdict(1.5, 0.2), 'does not help');
  assert.equal(thermalVerdict(-2, 2), 'mixed (better on one split only)');
  assert.match(thermalVerdict(-0.3, -0.1), /^no material effect/);
});

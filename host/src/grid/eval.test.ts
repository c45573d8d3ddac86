import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_GRID_DIR, evalGrid, formatEval, loadGrid, PUBLISHED } from './eval.ts';

const card = JSON.parse(readFileSync(path.join(DEFAULT_GRID_DIR, 'grid.card.json'), 'utf8')) as {
  metrics: { int8: Record<'val' | 'test', { mse: number; mae: number; windows: number }> };
  baselines: Record<'val' | 'test', { lastValue: { mse: number } }>;
};
const sig6 = (v: number) => Number(v.toPrecision(6));

test('eval grid on the committed model reproduces the card and scores every window', () => {
  const r = evalGrid();
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

test('a missing model directory is a one-line E_MODEL error', () => {
  assert.throws(() => loadGrid('/nonexistent/grid'), (e: unknown) => (e as { code?: string }).code === 'E_MODEL' && !(e as Error).message.includes('\n'));
});

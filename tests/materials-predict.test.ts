// `dendra materials predict` through the real CLI (bin/dendra.js) with the shipped model: a row with
// an element outside the trained set (Ag) gets a per-row error and the training-median fallback,
// the other rows are predicted as usual, and the uncertainty is reported as global (boosted trees).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './proc.ts';

const HEADER = 'ID,Reduced Composition,Z,True Composition,Ionic conductivity (S cm-1),Space group #,a,b,c,alpha,beta,gamma,Family,DOI,Cif ID';

test('materials predict: an unknown element is a per-row error with a fallback, never a failed batch', async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-matpred-'));
  const csv = path.join(tmp, 'x.csv');
  writeFileSync(csv, [HEADER, 'ok,Li7BiO6,1,Li7.0Bi1.0O6.0,1.6e-6,2,5.5,6.0,5.5,116.9,120.9,62.2,x,x,',
    'ag,Li3AgO2,1,Li3.0Ag1.0O2.0,,2,5.5,6.0,5.5,116.9,120.9,62.2,x,x,'].join('\n') + '\n');
  const j = await runCli(['materials', 'predict', csv, '--json']);
  assert.equal(j.code, 0, j.stderr);
  const rows = JSON.parse(j.stdout) as { id: string; log10Sigma: number | null; uncertainty: number; error: string | null; fallback: string | null; uncertaintyScope: string; flag: string | null }[];
  assert.deepEqual(rows.map((r) => r.id), ['ok', 'ag']);
  assert.deepEqual([rows[0].error, rows[0].fallback, rows[0].flag], [null, null, null]);
  assert.match(rows[1].error!, /element Ag outside the 54 elements/);
  assert.equal(rows[1].fallback, 'median');
  assert.ok(Number.isFinite(rows[0].log10Sigma) && Number.isFinite(rows[1].log10Sigma));
  assert.ok(rows.every((r) => r.uncertaintyScope === 'global'));
  assert.ok(rows[1].uncertainty > rows[0].uncertainty, "the median fallback carries the median baseline's larger CV error");
  const t = await runCli(['materials', 'predict', csv]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /^ag .*\[error: element Ag outside the 54 elements the model was trained on; fallback median\]$/m);
  assert.match(t.stdout, /global uncertainty/);
});

test('materials predict --model NAME: median predicts the training median; a listed model without weights is a one-line error', async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-matpred-'));
  const csv = path.join(tmp, 'x.csv');
  writeFileSync(csv, [HEADER, 'a,Li7BiO6,1,Li7.0Bi1.0O6.0,,2,5.5,6.0,5.5,116.9,120.9,62.2,x,x,', 'b,Li3N,1,Li3.0N1.0,,191,3.6,3.6,3.9,90,90,120,x,x,'].join('\n') + '\n');
  const m = await runCli(['materials', 'predict', csv, '--model', 'median', '--json']);
  assert.equal(m.code, 0, m.stderr);
  const rows = JSON.parse(m.stdout) as { log10Sigma: number; features: string }[];
  assert.equal(rows.length, 2);
  assert.equal(rows[0].log10Sigma, rows[1].log10Sigma);
  assert.ok(rows.every((r) => r.features === 'median'));
  const g = await runCli(['materials', 'predict', csv, '--model', 'gnn-resid-gbt-cens']);
  assert.equal(g.code, 1);
  assert.match(g.stderr.trim(), /^dendra: --model gnn-resid-gbt-cens: listed in the card \(cross-validated only\) but no weights are committed/);
  assert.equal(g.stderr.trim().split('\n').length, 1);
  const u = await runCli(['materials', 'predict', csv, '--model', 'nope']);
  assert.equal(u.code, 2);
});

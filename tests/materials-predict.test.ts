// `dendra materials predict` through the real CLI (bin/dendra.js) with the shipped model: a row with
// an element outside the trained set (Ag) gets a per-row error and the training-median fallback with its own interval,
// the other rows are predicted as usual with per-row conformal intervals; --model runs every model
// the card lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './proc.ts';
import { REPO_ROOT } from '@dendra/core/paths.ts';

const HEADER = 'ID,Reduced Composition,Z,True Composition,Ionic conductivity (S cm-1),Space group #,a,b,c,alpha,beta,gamma,Family,DOI,Cif ID';

test('materials predict: an unknown element is a per-row error with a fallback, never a failed batch', async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-matpred-'));
  const csv = path.join(tmp, 'x.csv');
  writeFileSync(csv, [HEADER, 'ok,Li7BiO6,1,Li7.0Bi1.0O6.0,1.6e-6,2,5.5,6.0,5.5,116.9,120.9,62.2,x,x,',
    'ag,Li3AgO2,1,Li3.0Ag1.0O2.0,,2,5.5,6.0,5.5,116.9,120.9,62.2,x,x,'].join('\n') + '\n');
  const j = await runCli(['materials', 'predict', csv, '--json']);
  assert.equal(j.code, 0, j.stderr);
  const rows = JSON.parse(j.stdout) as { id: string; log10Sigma: number | null; uncertainty: number; error: string | null; fallback: string | null; uncertaintyScope: string; flag: string | null;
    interval68: [number, number] | null; interval90: [number, number] | null }[];
  assert.deepEqual(rows.map((r) => r.id), ['ok', 'ag']);
  assert.deepEqual([rows[0].error, rows[0].fallback, rows[0].flag], [null, null, null]);
  assert.match(rows[1].error!, /element Ag outside the 54 elements/);
  assert.equal(rows[1].fallback, 'median');
  assert.ok(Number.isFinite(rows[0].log10Sigma) && Number.isFinite(rows[1].log10Sigma));
  assert.equal(rows[0].uncertaintyScope, 'per-row');
  const [lo68, hi68] = rows[0].interval68!, [lo90, hi90] = rows[0].interval90!;
  assert.ok(lo90 < lo68 && lo68 < rows[0].log10Sigma! && rows[0].log10Sigma! < hi68 && hi68 < hi90, JSON.stringify(rows[0]));
  assert.equal(rows[1].uncertaintyScope, 'global');
  // the median fallback has its own interval, calibrated on unseen-element rows of the grouped CV: wider at 90% than the model's own
  const w90 = (r: typeof rows[number]) => r.interval90![1] - r.interval90![0];
  assert.ok(rows[1].interval68![0] < rows[1].log10Sigma! && rows[1].log10Sigma! < rows[1].interval68![1]);
  assert.ok(w90(rows[1]) > w90(rows[0]), `fallback 90% width ${w90(rows[1])} vs model ${w90(rows[0])}`);
  const t = await runCli(['materials', 'predict', csv]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /^ag .*\[error: element Ag outside the 54 elements the model was trained on; fallback median\]$/m);
  assert.match(t.stdout, /per-row conformal 68% interval/);
});

test('materials predict --model NAME: every model the card lists predicts; an unlisted one is a usage error', async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-matpred-'));
  const csv = path.join(tmp, 'x.csv');
  writeFileSync(csv, [HEADER, 'a,Li7BiO6,1,Li7.0Bi1.0O6.0,,2,5.5,6.0,5.5,116.9,120.9,62.2,x,x,', 'b,Li3N,1,Li3.0N1.0,,191,3.6,3.6,3.9,90,90,120,x,x,',
    'ag,Li3AgO2,1,Li3.0Ag1.0O2.0,,2,5.5,6.0,5.5,116.9,120.9,62.2,x,x,'].join('\n') + '\n');
  const card = JSON.parse(readFileSync(path.join(REPO_ROOT, 'models', 'materials', 'materials.card.json'), 'utf8')) as { models: { name: string }[] };
  const names = card.models.map((m) => m.name);
  assert.deepEqual([...names].sort(), ['median', 'obelix-rf', 'selected']);
  const out = new Map<string, { log10Sigma: number | null; features: string; error: string | null }[]>();
  for (const name of names) {
    // obelix-rf trains its forest (the card's 500 trees) at first use: seconds with forest.ts, then cached
    const r = await runCli(['materials', 'predict', csv, '--model', name, '--json']);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    const rows = JSON.parse(r.stdout) as { log10Sigma: number | null; features: string; error: string | null }[];
    assert.equal(rows.length, 3, name);
    assert.ok(rows.every((x) => Number.isFinite(x.log10Sigma)), `${name}: ${r.stdout}`);
    out.set(name, rows);
  }
  const med = out.get('median')!;
  assert.ok(med[0].log10Sigma === med[1].log10Sigma && med.every((r) => r.features === 'median'));
  assert.notEqual(out.get('selected')![0].log10Sigma, out.get('selected')![1].log10Sigma);
  assert.match(out.get('obelix-rf')![2].error!, /element Ag outside the forest's columns/);
  const g = await runCli(['materials', 'predict', csv, '--model', 'gnn-resid-gbt-cens']);
  assert.equal(g.code, 2);
  assert.match(g.stderr.trim(), /^dendra: --model: 'gnn-resid-gbt-cens' is neither a model directory nor a model the card lists/);
  assert.equal(g.stderr.trim().split('\n').length, 1);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@dendra/core/errors.ts';
import { DEFAULT_CONFIG } from './baselines.ts';
import type { Dataset } from './evaluate.ts';
import { featureNames, featureTable, parseMaterialsCsv, parseTarget, type FeatureSpec } from './features.ts';
import { MODEL_FILE, predictRows, readModelFile, trainSubModel, type MaterialsModelFile } from './model.ts';
import { REPO_ROOT } from '@dendra/core/paths.ts';
import type { StructureFeatures } from './structure.ts';

const HEADER = 'ID,Reduced Composition,Z,True Composition,Ionic conductivity (S cm-1),Space group #,a,b,c,alpha,beta,gamma,Family,DOI,Cif ID';

function trainingCsv(): string {
  const lines = [HEADER];
  for (let i = 0; i < 30; i++) {
    const li = 1 + (i % 6);
    lines.push(`t${i},Li${li}PS4,1,Li${li}.0P1.0S4.0,${10 ** (-9 + li)},120,8,8,8,90,90,90,thio,10.1/p${i},`);
  }
  return lines.join('\n') + '\n';
}

function dataset(spec: FeatureSpec, structures: Map<string, StructureFeatures>): Dataset {
  const rows = parseMaterialsCsv(trainingCsv());
  return { subset: spec.structure ? 'cif' : 'all', spec, names: featureNames(spec), rows, X: featureTable(rows, spec, structures), targets: rows.map(parseTarget) };
}

test('predict on a 3-row CSV: structure model where a CIF exists, composition model otherwise', () => {
  const s = new Map<string, StructureFeatures>();
  for (let i = 0; i < 30; i++) s.set(`t${i}`, { density: 2 + i / 30, liFraction: 0.3, liLiNearest: 2.5, liAnionNearest: 2.4 });
  s.set('q2', { density: 2.2, liFraction: 0.3, liLiNearest: 2.5, liAnionNearest: 2.4 });
  const cfg = { ...DEFAULT_CONFIG, rfTrees: 10 };
  const vocabulary = ['Li', 'P', 'S'];
  const file: MaterialsModelFile = { format: 'dendra-materials-model', version: 1, kind: 'rf',
    composition: trainSubModel('rf', dataset({ vocabulary, structure: false }, s), cfg, 1),
    structure: trainSubModel('rf', dataset({ vocabulary, structure: true }, s), cfg, 1) };
  const q = parseMaterialsCsv([HEADER, 'q1,Li6PS4,1,Li6P1S4,,120,8,8,8,90,90,90,thio,x,',
    'q2,Li2PS4,1,Li2P1S4,<1E-10,120,8,8,8,90,90,90,thio,x,', 'q3,Li4PS4,1,Li4P1S4,1e-5,120,8,8,8,90,90,90,thio,x,'].join('\n'));
  const p = predictRows(file, q, s);
  assert.deepEqual(p.map((x) => x.id), ['q1', 'q2', 'q3']);
  assert.deepEqual(p.map((x) => x.features), ['composition', 'structure', 'composition']);
  assert.ok(p[0].log10Sigma! > p[2].log10Sigma!, 'more Li predicts higher conductivity on this toy set');
  assert.ok(p.every((x) => x.uncertainty! >= 0 && x.uncertaintyKind === 'forest-spread' && x.uncertaintyScope === 'per-row' && x.error === null && x.fallback === null));
  // an element outside the trained set: a per-row error, the rest of the batch still predicted;
  // a forest stores no training median, so that row has no fallback value
  const bad = parseMaterialsCsv([HEADER, 'q1,Li6PS4,1,Li6P1S4,,120,8,8,8,90,90,90,thio,x,', 'ag,AgPS4,1,Ag1P1S4,,120,8,8,8,90,90,90,thio,x,'].join('\n'));
  const pb = predictRows(file, bad, s);
  assert.equal(pb[0].log10Sigma, p[0].log10Sigma);
  assert.match(pb[1].error!, /^element Ag outside the 3 elements the model was trained on$/);
  assert.deepEqual([pb[1].fallback, pb[1].log10Sigma, pb[1].features], [null, null, 'median']);
  assert.equal(p[0].measured, null);
  assert.equal(p[1].measuredIsBound, true);
  const dir = mkdtempSync(join(tmpdir(), 'dendra-mat-'));
  writeFileSync(join(dir, MODEL_FILE), JSON.stringify(file));
  assert.deepEqual(predictRows(readModelFile(dir), q, s).map((x) => x.log10Sigma), p.map((x) => x.log10Sigma));
});

test('model files are checked; bad rows name row and column', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dendra-mat-'));
  assert.throws(() => readModelFile(dir), (e: unknown) => e instanceof InputError && e.code === 'E_MODEL');
  writeFileSync(join(dir, MODEL_FILE), '{"format":"other"}');
  assert.throws(() => readModelFile(dir), /not a dendra materials model/);
  assert.throws(() => parseMaterialsCsv([HEADER, 'q1,Li6PS4,1,Li6P1S4,,120,8,8,8,90,-1,90,thio,x,'].join('\n')),
    /line 2 \(ID q1\): column 'beta'/);
});

test('shipped model: an unknown element (Ag) gets a per-row error and the training-median fallback, never a failed batch', () => {
  const file = readModelFile(join(REPO_ROOT, 'models', 'materials'));
  const q = parseMaterialsCsv([HEADER, 'ok,Li7BiO6,1,Li7.0Bi1.0O6.0,,2,5.5,6.0,5.5,116.9,120.9,62.2,x,x,',
    'ag,Li3AgO2,1,Li3.0Ag1.0O2.0,,2,5.5,6.0,5.5,116.9,120.9,62.2,x,x,'].join('\n'));
  const p = predictRows(file, q, new Map());
  assert.equal(p[0].error, null);
  assert.ok(Number.isFinite(p[0].log10Sigma!) && p[0].features === 'composition');
  assert.equal(p[0].uncertaintyKind, 'conformal');
  assert.equal(p[0].uncertaintyScope, 'per-row');
  assert.ok(p[0].interval90![0] < p[0].interval68![0] && p[0].interval68![1] < p[0].interval90![1]);
  assert.match(p[1].error!, /^element Ag outside the 54 elements the model was trained on$/);
  assert.equal(p[1].fallback, 'median');
  assert.equal(p[1].log10Sigma, file.median);
  assert.ok(Number.isFinite(p[1].log10Sigma!));
  // the fallback's own interval (model file medianIntervals), one width for every such row
  assert.equal(p[1].uncertaintyScope, 'global');
  assert.deepEqual(p[1].interval90, [file.median! - file.medianIntervals!.halfWidths[1], file.median! + file.medianIntervals!.halfWidths[1]]);
});

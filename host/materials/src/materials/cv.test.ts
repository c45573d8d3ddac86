import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeFolds, metrics, stratifiedFolds, summarize } from './cv.ts';
import { parseMaterialsCsv, parseTarget } from './features.ts';
import { groupRows } from './groups.ts';
import { mulberry32 } from '@dendra/core/random.ts';

const HEADER = 'ID,Reduced Composition,Z,True Composition,Ionic conductivity (S cm-1),Space group #,a,b,c,alpha,beta,gamma,Family,DOI,Cif ID';

function syntheticCsv(n: number): string {
  const r = mulberry32(3);
  const lines = [HEADER];
  for (let i = 0; i < n; i++) {
    const paper = Math.floor(i / 4); // 4 rows per paper
    const s = 10 ** (-2 - 8 * r());
    lines.push(`r${i},Li${i + 1}O,1,Li${i + 1}.0O1.0,${i % 13 === 0 ? '<1E-10' : s},225,4,4,4,90,90,90,oxides,10.1/p${paper},`);
  }
  return lines.join('\n') + '\n';
}

test('grouped folds never split a group', () => {
  const rows = parseMaterialsCsv(syntheticCsv(60));
  const targets = rows.map(parseTarget);
  const { groupOf } = groupRows(rows);
  for (const seed of [0, 1, 2]) {
    const folds = makeFolds('grouped', rows, targets, seed);
    const foldOfGroup = new Map<number, number>();
    groupOf.forEach((g, i) => {
      if (foldOfGroup.has(g)) assert.equal(foldOfGroup.get(g), folds[i]);
      foldOfGroup.set(g, folds[i]);
    });
    assert.equal(new Set(folds).size, 5);
  }
});

test('stratified folds balance the target bins across folds', () => {
  const r = mulberry32(11);
  const y = Array.from({ length: 100 }, () => r() * 10);
  const folds = stratifiedFolds(y, 5, 1, 5);
  const sorted = y.map((_, i) => i).sort((a, b) => y[a] - y[b]);
  for (let b = 0; b < 5; b++) {
    const counts = new Array(5).fill(0);
    for (const i of sorted.slice(b * 20, b * 20 + 20)) counts[folds[i]]++;
    assert.deepEqual(counts, [4, 4, 4, 4, 4]);
  }
  assert.notDeepEqual(stratifiedFolds(y, 5, 2, 5), folds);
  assert.deepEqual(stratifiedFolds(y, 5, 1, 5), folds);
});

test('metrics and seeded bootstrap CIs', () => {
  const m = metrics([1, 2, 3, 4], [1, 2, 3, 6]);
  assert.equal(m.mae, 0.5);
  assert.equal(m.rmse, 1);
  assert.ok(Math.abs(m.r2 - (1 - 4 / 5)) < 1e-12);
  const truth = Array.from({ length: 50 }, (_, i) => i / 10);
  const pred = truth.map((t, i) => t + (i % 2 ? 0.5 : -0.5));
  const s = summarize(truth, [pred, pred], truth.map((_, i) => i !== 0), 200, 1);
  assert.equal(s.n, 49);
  assert.equal(s.mae.value, 0.5);
  assert.ok(s.r2.lo <= s.r2.value && s.r2.value <= s.r2.hi);
  assert.deepEqual(summarize(truth, [pred], truth.map(() => true), 200, 1), summarize(truth, [pred], truth.map(() => true), 200, 1));
});

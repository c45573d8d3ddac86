import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '@dendra/core/errors.ts';
import { elementStats, featureNames, featureRow, fractions, parseMaterialsCsv, parseTarget } from './features.ts';
import { fitPreprocessor, transform, vifByRegression, vifFilter, vifs } from './preprocess.ts';
import { mulberry32 } from '@dendra/core/random.ts';

const HEADER = 'ID,Reduced Composition,Z,True Composition,Ionic conductivity (S cm-1),Space group #,a,b,c,alpha,beta,gamma,Family,DOI,Cif ID';
const csv = (...rows: string[]): string => [HEADER, ...rows].join('\n') + '\n';

test('parseMaterialsCsv reads lattice columns and targets, including bounds', () => {
  const rows = parseMaterialsCsv(csv('x1,Li2O,1,Li2O,1e-4,225,4.6,4.6,4.6,90,90,90,oxides,10.1/a,', 'x2,LiCl,1,LiCl,<1E-10,225,5.1,5.1,5.1,90,90,90,halides,10.1/b,'));
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0].cell, { a: 4.6, b: 4.6, c: 4.6, alpha: 90, beta: 90, gamma: 90 });
  assert.deepEqual(parseTarget(rows[0]), { value: -4, censored: false });
  assert.deepEqual(parseTarget(rows[1]), { value: -10, censored: true });
});

test('bad CSV values give one-line InputErrors naming row and column', () => {
  assert.throws(() => parseMaterialsCsv(csv('x1,Li2O,1,Li2O,1e-4,225,abc,4.6,4.6,90,90,90,oxides,10.1/a,')),
    (e: unknown) => e instanceof InputError && /line 2 \(ID x1\): column 'a'/.test(e.message) && !e.message.includes('\n'));
  assert.throws(() => parseMaterialsCsv(csv('x9,Li2O,1,Li2Qq,1e-4,225,4,4.6,4.6,90,90,90,oxides,10.1/a,')),
    (e: unknown) => e instanceof InputError && /ID x9\): column 'True Composition'/.test(e.message));
  assert.throws(() => parseTarget({ id: 'x3', conductivity: 'n/a', line: 4 }), /line 4 \(ID x3\): column 'Ionic conductivity/);
});

test('element statistics are fraction-weighted means and min/max/range', () => {
  const s = elementStats(fractions(new Map([['Li', 2], ['O', 1]])));
  // electronegativity: Li 0.98, O 3.44 (elements.ts)
  assert.ok(Math.abs(s[0] - (2 * 0.98 + 3.44) / 3) < 1e-9);
  assert.equal(s[1], 0.98);
  assert.equal(s[2], 3.44);
  assert.ok(Math.abs(s[3] - 2.46) < 1e-9);
});

test('feature rows match feature names; structure columns are NaN without a CIF', () => {
  const [row] = parseMaterialsCsv(csv('x1,Li2O,1,Li2O,1e-4,225,4.6,4.6,4.6,90,90,90,oxides,10.1/a,'));
  const spec = { vocabulary: ['Li', 'O', 'S'], structure: true };
  const f = featureRow(row, spec);
  assert.equal(f.length, featureNames(spec).length);
  assert.deepEqual(f.slice(0, 3), [2 / 3, 1 / 3, 0]);
  assert.ok(Number.isNaN(f[f.length - 1]));
});

function data(n: number): number[][] {
  const r = mulberry32(5);
  return Array.from({ length: n }, () => {
    const a = r(), b = r(), c = r();
    return [a, b, c, 2 * a - b + 0.001 * r()]; // column 3 is (almost) a linear combination
  });
}

test('VIF identity matches the explicit regression', () => {
  const X = data(60).map((row) => row.slice(0, 3));
  const v = vifs(X);
  for (let j = 0; j < 3; j++) assert.ok(Math.abs(v[j] - vifByRegression(X, j)) < 1e-4 * v[j]);
});

test('VIF filter drops a constructed collinear column and keeps the rest', () => {
  const X = data(80);
  const keep = vifFilter(X);
  assert.equal(keep.length, 3);
  assert.ok(vifs(X.map((r) => keep.map((j) => r[j]))).every((v) => v <= 5));
});

test('min-max scaling and imputation are fitted on the training rows only', () => {
  const pre = fitPreprocessor([[0, NaN], [10, 4], [5, 2]], false);
  assert.deepEqual(transform([[20, NaN]], pre), [[2, 0.5]]);
});

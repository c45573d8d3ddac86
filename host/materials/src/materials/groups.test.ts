import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { compositionKey, groupRows, groupedFolds, splitDois } from './groups.ts';
import { loadObelixTrain } from './obelix.ts';
import { OBELIX_DIR } from '@dendra/core/paths.ts';

const haveData = existsSync(`${OBELIX_DIR}train.csv`);

test('union-find grouping links shared DOIs (incl. multi-DOI fields) and equal normalized formulas', () => {
  const rows = [
    { doi: '10.1/a', trueComposition: 'Li1.0Cl1.0' },
    { doi: '10.1/b|10.1/A', trueComposition: 'Li2.0S1.0' }, // shares 10.1/a (case-insensitive) with row 0
    { doi: '10.1/c', trueComposition: 'Li3.0N1.0' },
    { doi: '10.1/d', trueComposition: 'N2.0Li6.0' }, // same reduced formula as row 2 (multiple, element order)
    { doi: '10.1/b', trueComposition: 'Na1.0Cl1.0' }, // shares 10.1/b with row 1 -> transitively row 0
    { doi: '', trueComposition: '' }, // links nothing
  ];
  const { groupOf, nGroups } = groupRows(rows);
  assert.equal(nGroups, 3);
  assert.deepEqual(groupOf, [0, 0, 1, 1, 0, 2]);
  assert.deepEqual(splitDois(' 10.1/X | |10.2/y'), ['10.1/x', '10.2/y']);
});

test('compositions group by normalized reduced formula: multiples and element order do not matter', () => {
  assert.equal(compositionKey('Li3.0N1.0'), compositionKey('Li6.0N2.0'));
  assert.equal(compositionKey('Li3N'), compositionKey(' N1Li3 '));
  assert.equal(compositionKey('Li6PS5Cl'), compositionKey('Cl2.0Li12.0P2.0S10.0'));
  assert.equal(compositionKey('Li3.0N1.0'), 'Li:0.750000 N:0.250000');
  assert.notEqual(compositionKey('Li3N'), compositionKey('Li2N'));
  assert.notEqual(compositionKey('Li7La3Zr2O12'), compositionKey('Li6.75La3Zr1.75Ta0.25O12'));
  assert.equal(compositionKey(''), '');
  assert.equal(compositionKey('not a formula('), 'text:not a formula(');
});

test('OBELiX training split: 118 groups (124 by exact string before normalized formulas); 5 grouped folds, balanced and seed-deterministic', { skip: haveData ? false : `OBELiX data not found at ${OBELIX_DIR}` }, () => {
  const rows = loadObelixTrain();
  assert.equal(rows.length, 478);
  const { groupOf, nGroups } = groupRows(rows);
  assert.equal(nGroups, 118);
  const folds = groupedFolds(rows, 5, 7);
  // No group is split: every row of a group has the same fold.
  const foldOfGroup = new Map<number, number>();
  groupOf.forEach((g, i) => {
    if (!foldOfGroup.has(g)) foldOfGroup.set(g, folds[i]);
    assert.equal(folds[i], foldOfGroup.get(g), `group ${g} split`);
  });
  // Every row sharing a DOI lands in one fold (checked directly, not through groupRows).
  const foldOfDoi = new Map<string, number>();
  rows.forEach((r, i) => {
    for (const d of r.doi.split('|').map((x) => x.trim().toLowerCase()).filter(Boolean)) {
      assert.equal(foldOfDoi.get(d) ?? folds[i], folds[i], `DOI ${d} split`);
      foldOfDoi.set(d, folds[i]);
    }
  });
  const counts = [0, 1, 2, 3, 4].map((f) => folds.filter((x) => x === f).length);
  assert.equal(counts.reduce((a, b) => a + b, 0), 478);
  // The largest group has 107 rows (> 478 / 5), so the best possible split is 107 + 3 x 93 + 92.
  const sizes = new Array<number>(nGroups).fill(0);
  for (const g of groupOf) sizes[g]++;
  assert.equal(Math.max(...sizes), 107);
  assert.equal(Math.max(...counts), 107);
  assert.ok(Math.min(...counts) >= 90, `folds ${counts}`);
  assert.deepEqual(groupedFolds(rows, 5, 7), folds);
  assert.notDeepEqual(groupedFolds(rows, 5, 8), folds);
});

test('fold count is validated', () => {
  const rows = [{ doi: 'a', trueComposition: 'x' }, { doi: 'b', trueComposition: 'y' }];
  assert.throws(() => groupedFolds(rows, 1), RangeError);
  assert.throws(() => groupedFolds(rows, 3), /exceeds the 2 groups/);
  assert.deepEqual([...groupedFolds(rows, 2, 0)].sort(), [0, 1]);
});

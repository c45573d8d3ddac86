import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { groupRows, groupedFolds, splitDois } from './groups.ts';
import { loadObelixTrain } from './obelix.ts';
import { OBELIX_DIR } from '@dendra/core/paths.ts';

const haveData = existsSync(`${OBELIX_DIR}train.csv`);

test('union-find grouping links shared DOIs (incl. multi-DOI fields) and identical compositions', () => {
  const rows = [
    { doi: '10.1/a', trueComposition: 'Li1.0' },
    { doi: '10.1/b|10.1/A', trueComposition: 'Li2.0' }, // shares 10.1/a (case-insensitive) with row 0
    { doi: '10.1/c', trueComposition: 'Li3.0' },
    { doi: '10.1/d', trueComposition: 'Li3.0' }, // same composition as row 2
    { doi: '10.1/b', trueComposition: 'Na1.0' }, // shares 10.1/b with row 1 -> transitively row 0
    { doi: '', trueComposition: '' }, // links nothing
  ];
  const { groupOf, nGroups } = groupRows(rows);
  assert.equal(nGroups, 3);
  assert.deepEqual(groupOf, [0, 0, 1, 1, 0, 2]);
  assert.deepEqual(splitDois(' 10.1/X | |10.2/y'), ['10.1/x', '10.2/y']);
});

test('OBELiX training split: 124 groups; 5 grouped folds, balanced and seed-deterministic', { skip: haveData ? false : `OBELiX data not found at ${OBELIX_DIR}` }, () => {
  const rows = loadObelixTrain();
  assert.equal(rows.length, 478);
  const { groupOf, nGroups } = groupRows(rows);
  assert.equal(nGroups, 124);
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
  // The largest group has 106 rows (> 478 / 5), so the best possible split is 106 + 4 x 93.
  const sizes = new Array<number>(nGroups).fill(0);
  for (const g of groupOf) sizes[g]++;
  assert.equal(Math.max(...sizes), 106);
  assert.equal(Math.max(...counts), 106);
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

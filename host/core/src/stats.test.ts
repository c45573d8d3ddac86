import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mean, median, quantileSorted, std } from './stats.ts';

test('median: middle value, mean of the middle two for an even length, NaN when empty; the input keeps its order', () => {
  const a = [5, 1, 3];
  assert.equal(median(a), 3);
  assert.deepEqual(a, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('mean and population std; NaN when empty', () => {
  assert.equal(mean([1, 2, 3, 6]), 3);
  assert.equal(std([2, 4, 4, 4, 5, 5, 7, 9]), 2);
  assert.equal(std([3]), 0);
  assert.ok(Number.isNaN(mean([])) && Number.isNaN(std([])));
});

test('quantileSorted: s[floor(q n)], clamped to the last; NaN when empty', () => {
  const s = [10, 20, 30, 40];
  assert.equal(quantileSorted(s, 0), 10);
  assert.equal(quantileSorted(s, 0.5), 30);
  assert.equal(quantileSorted(s, 0.99), 40);
  assert.equal(quantileSorted(s, 1), 40);
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
});

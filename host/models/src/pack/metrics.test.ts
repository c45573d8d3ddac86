import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestF1Threshold, evaluateRisk, f1At, rocAuc, warningLeads, type Scored } from './metrics.ts';
import { median } from '@dendra/core/stats.ts';

test('ROC-AUC of a hand example', () => {
  // pos scores 0.8, 0.4; neg 0.6, 0.2, 0.4 -> pairs: (0.8>all)=3, (0.4: >0.2, tie 0.4 half, <0.6)=1.5 -> 4.5/6
  assert.equal(rocAuc([0.8, 0.4, 0.6, 0.2, 0.4], [1, 1, 0, 0, 0]), 0.75);
  assert.equal(rocAuc([1, 2, 3], [0, 1, 1]), 1);
  assert.ok(Number.isNaN(rocAuc([1, 2], [1, 1])));
});

test('F1, best threshold, median and leads', () => {
  const s = [0.9, 0.8, 0.3, 0.1];
  const l = [1, 0, 1, 0];
  assert.equal(f1At(s, l, 0.85), 2 / 3);
  assert.equal(bestF1Threshold(s, l), 0.3); // tp 2 fp 1 -> 0.8 beats 0.667
  assert.equal(median([3, 1, 2, 10]), 2.5);
  const items: Scored[] = [
    { score: 0.1, label: 0, pack: 0, cell: 0, cycle: 10 }, { score: 0.9, label: 1, pack: 0, cell: 0, cycle: 20 },
    { score: 0.1, label: 1, pack: 0, cell: 1, cycle: 20 },
  ];
  assert.deepEqual(warningLeads(items, 0.5, [[30, 25]]), { leads: [10], missed: 1 });
});

test('bootstrap intervals contain the estimate and are seeded', () => {
  const items: Scored[] = [];
  for (let p = 0; p < 12; p++) for (let k = 0; k < 20; k++) items.push({ score: (k % 5) / 5 + (p % 3) * 0.05, label: k % 5 >= 3 ? 1 : 0, pack: p, cell: k, cycle: k });
  const init = Array.from({ length: 12 }, () => Array.from({ length: 20 }, (_, k) => k + 5));
  const a = evaluateRisk(items, 0.5, init, 4, 50);
  const b = evaluateRisk(items, 0.5, init, 4, 50);
  assert.deepEqual(a, b);
  assert.ok(a.auc.lo <= a.auc.value && a.auc.value <= a.auc.hi);
});

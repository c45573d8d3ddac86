import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aucDifference, hazardLead, leadMae, type LeadItem } from './lead.ts';

test('hazardLead: the constant-hazard median, monotone in the risk, clamped to the int8 range', () => {
  assert.ok(Math.abs(hazardLead(0.5, 20) - 20) < 1e-12, 'p = 0.5 within 20 cycles: median 20');
  assert.ok(hazardLead(0.9, 20) < hazardLead(0.7, 20));
  assert.equal(hazardLead(1, 20), hazardLead(255 / 256, 20));
  assert.ok(Number.isFinite(hazardLead(0, 20)));
});

test('leadMae: error at each initiating cell\'s first alert only', () => {
  const it = (pack: number, cell: number, cycle: number, score: number, lead: number): LeadItem => ({ pack, cell, cycle, score, lead, label: 0 });
  const init = [[30, null], [50]];
  const items = [
    it(0, 0, 10, 0.2, 99), it(0, 0, 20, 0.9, 15), it(0, 0, 25, 0.9, 0), // first alert at 20: truth 10, error 5
    it(0, 1, 20, 0.9, 7), // never initiates: not scored
    it(1, 0, 45, 0.95, 5), it(1, 0, 50, 0.99, 100), // alert at 45: truth 5, error 0; cycle 50 is not before initiation
  ];
  const r = leadMae(items, 0.5, init, 1);
  assert.equal(r.alerts, 2);
  assert.equal(r.mae.value, 2.5);
  assert.ok(r.mae.lo >= 0 && r.mae.hi <= 5);
  assert.ok(Number.isNaN(leadMae([], 0.5, init, 1).mae.value));
});

test('aucDifference: 0 against itself, positive for a better scorer, paired by sample', () => {
  const a = Array.from({ length: 200 }, (_, i) => ({ score: i % 2 ? 0.9 : 0.1, label: (i % 2) as 0 | 1, pack: i % 10, cell: 0, cycle: i }));
  const b = a.map((x, i) => ({ ...x, score: (i * 7919) % 13 }));
  assert.deepEqual(aucDifference(a, a, 1), { value: 0, lo: 0, hi: 0 });
  const d = aucDifference(a, b, 1);
  assert.ok(d.value > 0.3 && d.lo > 0, JSON.stringify(d));
  assert.throws(() => aucDifference(a, b.slice(1), 1), /200 vs 199/);
});

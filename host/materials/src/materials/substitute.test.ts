import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadObelixTrain } from './obelix.ts';
import { isChargeBalanced, isovalentSubstitutes, assignOxidationStates } from './ions.ts';
import { compositionKey, enumerateCandidates, formatFormula } from './substitute.ts';
import { parseComposition } from './obelix.ts';

const cands = enumerateCandidates(loadObelixTrain());

test('at least 10,000 candidates, no duplicates, none equal to a training composition', () => {
  assert.ok(cands.length >= 10_000, `only ${cands.length}`);
  const keys = new Set(cands.map((c) => compositionKey(c.amounts)));
  assert.equal(keys.size, cands.length);
  for (const r of loadObelixTrain()) assert.ok(!keys.has(compositionKey(parseComposition(r.trueComposition))), r.id);
  assert.equal(new Set(cands.map((c) => c.id)).size, cands.length);
});

test('charge balance holds for every candidate, and the formula text parses back', () => {
  for (const c of cands) {
    assert.ok(isChargeBalanced(c.amounts, c.states), `${c.id} ${c.formula}`);
    for (const e of c.amounts.keys()) assert.ok(c.states.has(e), `${c.id}: no state for ${e}`);
    const back = parseComposition(c.formula);
    for (const [e, n] of c.amounts) assert.ok(Math.abs((back.get(e) ?? 0) - n) < 1e-5, `${c.id} ${e}`);
  }
});

test('framework families and the requested substitutions are present', () => {
  const fam = (f: string): number => cands.filter((c) => c.family === f).length;
  for (const f of ['garnet', 'argyrodite', 'LGPS', 'isovalent']) assert.ok(fam(f) > 100, f);
  const has = (formula: string): boolean => cands.some((c) => c.formula === formula);
  assert.ok(has('Li6.25Al0.25La3Zr2O12'));
  assert.ok(has('Li6.5La3Zr1.5Nb0.5O12'));
  assert.ok(has('Li5.5PS4.5Cl1.5'));
  assert.ok(has('Li10Ge0.5Si0.5P2S12'));
  assert.ok(cands.some((c) => c.amounts.has('Br') && c.amounts.has('I') && c.family === 'argyrodite'));
});

test('isovalent table: same state, radius within 15 %; states assigned only when balanced', () => {
  assert.deepEqual(isovalentSubstitutes('Zr', 4).slice(0, 2), ['Hf', 'Sn']);
  assert.ok(isovalentSubstitutes('Cl', -1).includes('Br'));
  assert.ok(!isovalentSubstitutes('Cl', -1).includes('I'));
  assert.deepEqual(Object.fromEntries(assignOxidationStates(new Map([['Li', 3], ['P', 1], ['S', 4]]))!), { Li: 1, P: 5, S: -2 });
  assert.equal(assignOxidationStates(new Map([['Li', 1], ['O', 1]])), null);
  assert.equal(formatFormula(new Map([['Li', 6.5], ['P', 1]])), 'Li6.5P');
});

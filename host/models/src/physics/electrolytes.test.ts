import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ELECTROLYTES, ELECTROLYTE_IDS, bulkAsr, conductivityAt, electrolyte } from './electrolytes.ts';

test('four presets, each with physically sane values', () => {
  assert.deepEqual(ELECTROLYTE_IDS, ['llzo', 'lgps', 'argyrodite', 'peo']);
  for (const e of Object.values(ELECTROLYTES)) {
    assert.ok(e.sigmaRef > 0 && e.eaEv > 0.1 && e.eaEv < 1, e.id);
    assert.ok(e.shearModulusGpa > 0 && e.ccdRef > 0 && e.i0Ref > 0, e.id);
    assert.ok(e.chemicalInstability >= 0 && e.chemicalInstability <= 1, e.id);
  }
});

test('literature ordering at 25 C: LGPS > argyrodite > LLZO conductivity (Kamaya 2011, Boulineau 2012, Murugan 2007)', () => {
  const s = (id: string) => conductivityAt(electrolyte(id), 298.15);
  assert.ok(s('lgps') > s('argyrodite') && s('argyrodite') > s('llzo'));
  const a = s('argyrodite');
  assert.ok(a > 1e-3 && a < 2e-3, `Li6PS5Cl ~1.3 mS/cm: ${a}`);
});

test('PEO conducts ~1e-4..1e-3 S/cm at 60 C and far less at 25 C', () => {
  const peo = ELECTROLYTES.peo;
  const s60 = conductivityAt(peo, 333.15);
  assert.ok(s60 >= 1e-4 && s60 <= 1e-3);
  assert.ok(conductivityAt(peo, 298.15) < s60 / 5);
});

test('bulk ASR = L / sigma: 50 um of LLZO at 25 C is ~17 ohm cm^2', () => {
  const r = bulkAsr(ELECTROLYTES.llzo, 298.15);
  assert.ok(Math.abs(r - 50e-4 / 3e-4) < 0.05, `${r}`);
  assert.throws(() => bulkAsr(ELECTROLYTES.llzo, 298.15, 0), RangeError);
});

test('lookup is case-insensitive and names the choices when unknown', () => {
  assert.equal(electrolyte('LLZO').id, 'llzo');
  assert.throws(() => electrolyte('nacl'), /one of: llzo, lgps, argyrodite, peo/);
});

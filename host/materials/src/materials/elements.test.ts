import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ELEMENTS, ELEMENT_SYMBOLS, elementProps, isElementSymbol } from './elements.ts';
import { loadObelixTrain, parseComposition } from './obelix.ts';
import { InputError } from '@dendra/core/errors.ts';
import { OBELIX_DIR } from '@dendra/core/paths.ts';

test('known element values (CRC Pauling EN, Cordero 2008 radii, IUPAC 2021 masses)', () => {
  const li = elementProps('Li');
  assert.deepEqual({ ...li }, { symbol: 'Li', z: 3, mass: 6.94, electronegativity: 0.98, covalentRadius: 1.28, valenceElectrons: 1, row: 2, group: 1 });
  assert.equal(elementProps('O').electronegativity, 3.44);
  assert.equal(elementProps('F').electronegativity, 3.98);
  assert.equal(elementProps('S').covalentRadius, 1.05);
  assert.equal(elementProps('Zr').z, 40);
  assert.equal(elementProps('La').group, 3);
  assert.equal(elementProps('Ge').valenceElectrons, 4);
  assert.equal(elementProps('Ta').row, 6);
  assert.equal(elementProps('Cl').mass, 35.45);
  assert.throws(() => elementProps('Xe'), (e: unknown) => e instanceof InputError && e.code === 'E_ELEMENT');
});

test('table is internally consistent', () => {
  assert.equal(ELEMENT_SYMBOLS.length, 118);
  assert.ok(isElementSymbol('Og') && !isElementSymbol('LI') && !isElementSymbol('Xx'));
  let prevMass = 0;
  for (const p of [...ELEMENTS.values()].sort((a, b) => a.z - b.z)) {
    assert.ok(p.z >= 1 && ELEMENT_SYMBOLS[p.z - 1] === p.symbol, p.symbol);
    // Standard atomic weights increase with Z except Te (127.60) > I (126.904).
    if (p.symbol !== 'I') assert.ok(p.mass > prevMass, p.symbol);
    prevMass = p.mass;
    assert.ok(p.electronegativity > 0.7 && p.electronegativity < 4, p.symbol);
    assert.ok(p.covalentRadius > 0.3 && p.covalentRadius < 2.5, p.symbol);
    const period = p.z <= 2 ? 1 : p.z <= 10 ? 2 : p.z <= 18 ? 3 : p.z <= 36 ? 4 : p.z <= 54 ? 5 : 6;
    assert.equal(p.row, period, p.symbol);
  }
});

test('every element in the OBELiX training compositions is in the table', { skip: existsSync(`${OBELIX_DIR}train.csv`) ? false : `OBELiX data not found at ${OBELIX_DIR}` }, () => {
  const seen = new Set<string>();
  for (const r of loadObelixTrain()) for (const e of parseComposition(r.trueComposition).keys()) seen.add(e);
  assert.equal(seen.size, 54);
  for (const e of seen) assert.ok(ELEMENTS.has(e), e);
  assert.equal(ELEMENTS.size, 54);
});

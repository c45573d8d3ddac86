import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellState } from './cell.ts';
import { platingCurrent, stepDendrite, type PackResult } from './simulator.ts';
import { electrolyte } from '../physics/electrolytes.ts';

const e = electrolyte('peo');
const cfg = { dendrites: true, stackPressureMPa: 1 } as PackResult['config'];
const params = { tauMul: 1, ccdMul: 1, i0Mul: 1, growthMul: 1, rthMul: 1, instability: 0.5 };
const fresh = (i: number) => {
  const c = new CellState({ id: 0, row: 0, col: 0, neighbours: [], params }, 10, 298.15);
  c.i = i;
  return c;
};

test('plating current: the charge current; discharge (stripping) and rest plate nothing', () => {
  assert.equal(platingCurrent(2.5), 2.5);
  assert.equal(platingCurrent(-2.5), 0);
  assert.equal(platingCurrent(0), 0);
  assert.equal(platingCurrent(-2.5, 'symmetric'), 2.5, 'a Li|Li cell plates on one electrode either way');
});

test('dendrite initiation damage accrues on charge only: stripping adds none', () => {
  const dis = fresh(-3);
  for (let h = 0; h < 200; h++) stepDendrite(dis, e, cfg, 1);
  assert.equal(dis.damage, 0, 'discharge grew initiation damage');
  assert.equal(dis.initiated, false);
  const chg = fresh(3);
  stepDendrite(chg, e, cfg, 1);
  assert.ok(chg.damage > 0, 'charge must accrue damage');
});

test('after initiation the filament grows on charge only', () => {
  const c = fresh(-3);
  c.initiated = true;
  c.progress = 0.2;
  for (let h = 0; h < 50; h++) assert.equal(stepDendrite(c, e, cfg, 1), false);
  assert.equal(c.progress, 0.2, 'stripping advanced the filament');
  c.i = 3;
  stepDendrite(c, e, cfg, 1);
  assert.ok(c.progress > 0.2);
});

test('a symmetric Li|Li cell (the calibration protocol) still grows dendrites on both half-cycles', () => {
  const c = fresh(-3);
  stepDendrite(c, e, { ...cfg, cellKind: 'symmetric' }, 1);
  assert.ok(c.damage > 0);
});

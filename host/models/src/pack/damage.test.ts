import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_LEAD_CYCLES, nominalDamage, physicsLead, projectedDamage } from './damage.ts';
import { electrolyte } from '../physics/electrolytes.ts';
import { criticalCurrentDensity, initiationTime } from '../physics/ccd.ts';
import { CALIBRATION, interfaceInstability } from '../physics/impedance.ts';
import { simulatePack } from './simulator.ts';

const e = electrolyte('llzo');
const p = e.ccdRefPressureMPa;

test('one cycle at a constant charge current adds h (1 + kappa s) / t_init of ccd.ts', () => {
  const t = 25;
  const ccd = criticalCurrentDensity(e, t + 273.15, p);
  const i = 0.5 * ccd;
  const h = 6;
  const d = nominalDamage({ q2Chg: [i * i * h, 0], iChgPk: [i, 0], tMean: [t, t] }, e, p);
  const want = (h * (1 + CALIBRATION.instabilityRateGain * interfaceInstability(e))) / initiationTime(i, ccd, { tauH: CALIBRATION.initiationTauH });
  assert.ok(Math.abs(d.rate[0] - want) < 1e-12 * want, `${d.rate[0]} vs ${want}`);
  assert.equal(d.rate[1], 0, 'a cycle without charge adds nothing');
  assert.equal(d.cum[1], d.rate[0]);
  const over = nominalDamage({ q2Chg: [4 * ccd * ccd], iChgPk: [2 * ccd], tMean: [t] }, e, p);
  assert.ok(Math.abs(over.rate[0] - (1 + CALIBRATION.instabilityRateGain * interfaceInstability(e)) / 0.05) < 1e-9, 'above the CCD: 1 h at the t_min floor');
});

test('projection and lead: damage grows at the recent mean rate', () => {
  const d = { rate: [0.1, 0.1, 0.2, 0.2], cum: [0.1, 0.2, 0.4, 0.6] };
  assert.ok(Math.abs(projectedDamage(d, 4, 2, 10) - 2.6) < 1e-12);
  assert.ok(Math.abs(physicsLead(d, 4, 2) - 2) < 1e-12);
  assert.equal(physicsLead({ rate: [0.6, 0.6], cum: [0.6, 1.2] }, 2, 2), 0, 'past D = 1: initiation is due');
  assert.equal(physicsLead({ rate: [0, 0], cum: [0, 0] }, 2, 2), MAX_LEAD_CYCLES);
});

test('on identical noiseless cells the estimator predicts the simulator\'s initiation cycle', () => {
  const r = simulatePack({ series: 1, parallel: 2, electrolyte: 'llzo', duty: 'constant', cycles: 3000, seed: 2, variation: 0, currentDensity: 0.5 * criticalCurrentDensity(e, e.operatingTempC + 273.15, p) });
  const c = r.cells[0];
  assert.ok(c.initiationCycle !== null, 'the cell initiates');
  const d = nominalDamage(c.series, e, r.config.stackPressureMPa);
  const est = d.cum.findIndex((x) => x >= 1) + 1;
  assert.ok(Math.abs(est - c.initiationCycle) <= Math.max(2, 0.02 * c.initiationCycle), `estimated ${est}, simulated ${c.initiationCycle}`);
});

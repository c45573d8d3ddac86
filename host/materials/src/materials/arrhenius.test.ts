import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitArrhenius, fromPoint, ROOM_T, sigmaAt } from './arrhenius.ts';
import { BOLTZMANN_EV as K_B_EV } from '@dendra/models/physics/constants.ts';
import { activationEnergies, arrheniusFields, EA_PLAUSIBLE_EV } from '../cli/materials-arrhenius.ts';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OBELIX_DIR } from '@dendra/core/paths.ts';
import { bvseBarrierEv } from './bvse-ev.ts';
import { expandSites, readCif } from './cif.ts';

test('Ea = 0.2 eV triples sigma*T between 25 and 75 °C (hand: exp(0.2/kB (1/298.15 - 1/348.15)) = 3.058)', () => {
  const p = { eaEv: 0.2, a: 1e4 };
  const ratio = (sigmaAt(p, 348.15) * 348.15) / (sigmaAt(p, ROOM_T) * ROOM_T);
  assert.ok(Math.abs(ratio - 3.058) < 0.002, `${ratio}`);
  assert.equal(K_B_EV, 8.617333262e-5);
  assert.throws(() => sigmaAt(p, 0), RangeError);
});

test('fit recovers Ea and A from a noiseless series, and a point plus Ea reproduces sigma', () => {
  const truth = { eaEv: 0.35, a: 2.5e5 };
  const pts = [250, 280, 300, 330, 360, 400].map((t) => ({ t, sigma: sigmaAt(truth, t) }));
  const f = fitArrhenius(pts);
  assert.ok(Math.abs(f.eaEv - 0.35) < 1e-9 && Math.abs(f.a / 2.5e5 - 1) < 1e-9 && f.r2 > 0.999999 && f.n === 6);
  const q = fromPoint(1e-3, ROOM_T, 0.3);
  assert.ok(Math.abs(sigmaAt(q, ROOM_T) / 1e-3 - 1) < 1e-12);
  assert.throws(() => fitArrhenius([{ t: 300, sigma: 1e-3 }, { t: 300, sigma: 2e-3 }]), RangeError);
});

test('predict fields: sigma at T from Ea; without Ea only room temperature is known', () => {
  const w = arrheniusFields(-3, 0.3, 333.15);
  assert.equal(w.activationEnergyEv, 0.3);
  assert.equal(w.activationEnergySource, 'column');
  assert.equal(arrheniusFields(-3, 0.3, 333.15, 'bvse').activationEnergySource, 'bvse');
  assert.ok(w.log10SigmaAtT! > -3, 'warmer is more conductive');
  const n = arrheniusFields(-3, undefined, 333.15);
  assert.equal(n.activationEnergyEv, null);
  assert.equal(n.activationEnergySource, null);
  assert.equal(n.log10SigmaAtT, null);
  assert.equal(arrheniusFields(-3, undefined, ROOM_T).log10SigmaAtT, -3);
});

test('activationEnergies: the Ea column wins, else the softBV barrier of the row CIF, else absent', (t) => {
  const src = join(OBELIX_DIR, 'cifs', '122.cif');
  if (!existsSync(src)) { t.skip(`no OBELiX CIF at ${src}`); return; }
  const dir = mkdtempSync(join(tmpdir(), 'dendra-ea-'));
  copyFileSync(src, join(dir, '122.cif'));
  copyFileSync(src, join(dir, 'col.cif'));
  writeFileSync(join(dir, 'bad.cif'), 'data_x\n_cell_length_a oops\n');
  const csv = join(dir, 'x.csv');
  writeFileSync(csv, 'ID,Reduced Composition,Ea (eV)\n122,Li6PS5Cl,\ncol,Li6PS5Cl,0.31\nnone,Li6PS5Cl,\nbad,Li6PS5Cl,\n');
  const warned: string[] = [];
  const ea = activationEnergies(csv, ['122', 'col', 'none', 'bad'], dir, (id) => warned.push(id));
  assert.deepEqual(ea.get('col'), { ev: 0.31, source: 'column' });
  const cif = readCif(src);
  assert.deepEqual(ea.get('122'), { ev: bvseBarrierEv(expandSites(cif), cif.cell)!.barrier3d, source: 'bvse' });
  assert.equal(ea.has('none'), false);
  assert.equal(ea.has('bad'), false);
  assert.deepEqual(warned, ['bad']);
  assert.equal(activationEnergies(csv, ['122'], undefined, () => {}).has('122'), false, 'no --cifs: no structural estimate');
});

test('an Ea outside the plausible range is flagged and not used for sigma(T)', () => {
  assert.deepEqual(EA_PLAUSIBLE_EV, { min: 0.05, max: 2.0 });
  const hi = arrheniusFields(-3, 6.2, 333.15, 'bvse');
  assert.equal(hi.flag, 'ea-out-of-range');
  assert.equal(hi.activationEnergyEv, 6.2, 'reported as estimated');
  assert.equal(hi.log10SigmaAtT, null, 'not extrapolated with an absurd barrier');
  assert.equal(hi.arrheniusA, null);
  assert.equal(arrheniusFields(-3, 0.01, 333.15).flag, 'ea-out-of-range');
  assert.equal(arrheniusFields(-3, 6.2, ROOM_T).log10SigmaAtT, -3, 'room temperature needs no Ea');
  assert.equal(arrheniusFields(-3, 0.3, 333.15).flag, null);
  assert.equal(arrheniusFields(-3, 2.0, 333.15).flag, null);
  assert.equal(arrheniusFields(null, 0.3, 333.15).log10SigmaAtT, null, 'no prediction, no sigma(T)');
});

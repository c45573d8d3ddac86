// The `dendra pack` option mapping (packConfigFromOptions, materialOverride) onto the pack simulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulatePack } from '@dendra/models/pack/simulator.ts';
import { InputError, UsageError } from '@dendra/core/errors.ts';
import { materialOverride, packConfigFromOptions } from '../actions/pack.ts';

test('invalid config throws RangeError; CLI options map bad values to UsageError', () => {
  assert.throws(() => simulatePack({ series: 0 }), RangeError);
  assert.throws(() => simulatePack({ instability: 2 }), RangeError);
  assert.throws(() => simulatePack({ electrolyte: 'salt' as never }), RangeError);
  const ok = { cells: '4x4', electrolyte: 'llzo', duty: 'peak-shaving', cycles: '10', seed: '1', current: '0.25' };
  assert.deepEqual(packConfigFromOptions({ ...ok, cells: '8x2' }).series, 8);
  for (const bad of [{ cells: '4by4' }, { electrolyte: 'x' }, { duty: 'x' }, { cycles: '1.5' }, { seed: '-1' }, { current: 'abc' }, { interface: 'meh' }]) {
    assert.throws(() => packConfigFromOptions({ ...ok, ...bad }), UsageError, JSON.stringify(bad));
  }
});

test('materialOverride reads one row of materials predict --json; bad files, IDs and values are one-line InputErrors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dendra-mat-'));
  const file = join(dir, 'p.json');
  writeFileSync(file, JSON.stringify([{ id: 'a', log10Sigma: -3, activationEnergyEv: 0.4, activationEnergySource: 'bvse' }, { id: 'n', log10Sigma: -2, activationEnergyEv: null }]));
  const warned: string[] = [];
  assert.deepEqual(materialOverride(file, 'a', 0.35, (m) => warned.push(m)), { sigmaRef: 1e-3, sigmaRefK: 298.15, eaEv: 0.4, material: { id: 'a', file, eaSource: 'bvse' } });
  assert.equal(materialOverride(file, 'n', 0.35, (m) => warned.push(m)).eaEv, 0.35);
  assert.equal(warned.length, 1);
  const bad = (rows: unknown, id = 'a') => { const f = join(dir, 'b.json'); writeFileSync(f, JSON.stringify(rows)); return () => materialOverride(f, id, 0.35, () => {}); };
  const oneLine = (re: RegExp) => (e: unknown) => e instanceof InputError && e.code === 'E_MATERIAL' && !e.message.includes('\n') && re.test(e.message);
  assert.throws(() => materialOverride(join(dir, 'missing.json'), 'a', 0.35, () => {}), oneLine(/cannot read JSON/));
  assert.throws(bad({ rows: [] }), oneLine(/not a 'materials predict --json' output/));
  assert.throws(bad([{ id: 'a', log10Sigma: 'x', activationEnergyEv: 0.3 }]), oneLine(/log10Sigma/));
  assert.throws(bad([{ id: 'b', log10Sigma: -3, activationEnergyEv: 0.3 }]), oneLine(/no row with ID 'a'/));
  assert.throws(bad([{ id: 'a', log10Sigma: 1, activationEnergyEv: 0.3 }]), oneLine(/conductivity/));
  assert.throws(bad([{ id: 'a', log10Sigma: -3, activationEnergyEv: 4 }]), oneLine(/activation energy 4 eV/));
  const ok = { cells: '2x2', electrolyte: 'llzo', duty: 'constant', cycles: '5', seed: '1', current: '0.25' };
  assert.throws(() => packConfigFromOptions({ ...ok, material: file }), UsageError);
  assert.throws(() => packConfigFromOptions({ ...ok, materialId: 'a' }), UsageError);
  assert.equal(packConfigFromOptions({ ...ok, material: file, materialId: 'a' }).electrolyteOverride?.eaEv, 0.4);
});

// Materials -> pack model, end to end through the real CLI (bin/dendra.js): `materials predict --json`
// on a one-row OBELiX CSV with its CIF gives sigma and a structural (softBV) Ea; `pack simulate
// --material --material-id` runs the simulator on exactly those numbers, and a higher Ea lowers the
// conductivity below 298 K (higher resistance, higher charge voltage at 0 C).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './proc.ts';
import { OBELIX_DIR } from '@dendra/core/paths.ts';

interface Row { id: string; log10Sigma: number; activationEnergyEv: number | null; activationEnergySource: string | null }
interface Sim { conduction: { sigmaRef: number; sigmaRefK: number; eaEv: number; material: { id: string; eaSource: string } | null }; cells: { series: { rInt: number[]; vMax: number[] } }[] }

const mean = (r: Sim, k: 'rInt' | 'vMax'): number => r.cells.reduce((s, c) => s + c.series[k].reduce((a, b) => a + b, 0) / c.series[k].length, 0) / r.cells.length;

test('materials predict --json -> pack simulate --material: the pack runs on that sigma and Ea', async (t) => {
  const src = path.join(OBELIX_DIR, 'cifs', '122.cif');
  if (!existsSync(src)) { t.skip(`no OBELiX data at ${OBELIX_DIR}`); return; }
  const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-matpack-'));
  const cifs = path.join(tmp, 'cifs');
  const lines = readFileSync(path.join(OBELIX_DIR, 'train.csv'), 'utf8').split('\n');
  writeFileSync(path.join(tmp, 'x.csv'), `${lines[0]}\n${lines.find((l) => l.startsWith('122,'))}\n`);
  mkdirSync(cifs);
  copyFileSync(src, path.join(cifs, '122.cif'));

  const p = await runCli(['materials', 'predict', path.join(tmp, 'x.csv'), '--cifs', cifs, '--json']);
  assert.equal(p.code, 0, p.stderr);
  const rows = JSON.parse(p.stdout) as Row[];
  assert.equal(rows.length, 1);
  const row = rows[0];
  assert.equal(row.activationEnergySource, 'bvse');
  assert.ok(row.activationEnergyEv !== null && row.activationEnergyEv > 0);
  const file = path.join(tmp, 'pred.json');
  writeFileSync(file, p.stdout);
  const hotter = path.join(tmp, 'pred-hi.json');
  writeFileSync(hotter, JSON.stringify([{ ...row, activationEnergyEv: row.activationEnergyEv + 0.2 }]));

  const sim = async (f: string): Promise<Sim> => {
    const r = await runCli(['pack', 'simulate', '--electrolyte', 'argyrodite', '--material', f, '--material-id', '122', '--cells', '2x2',
      '--cycles', '20', '--duty', 'constant', '--ambient', '0', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Sim;
  };
  const lo = await sim(file), hi = await sim(hotter);
  assert.equal(lo.conduction.sigmaRef, 10 ** row.log10Sigma);
  assert.equal(lo.conduction.sigmaRefK, 298.15);
  assert.equal(lo.conduction.eaEv, row.activationEnergyEv);
  assert.equal(lo.conduction.material?.id, '122');
  assert.equal(lo.conduction.material?.eaSource, 'bvse');
  assert.equal(hi.conduction.eaEv, row.activationEnergyEv + 0.2);
  assert.ok(mean(hi, 'rInt') > mean(lo, 'rInt'), `R_int at 0 C: ${mean(hi, 'rInt')} > ${mean(lo, 'rInt')}`);
  assert.ok(mean(hi, 'vMax') > mean(lo, 'vMax'), `charge voltage at 0 C: ${mean(hi, 'vMax')} > ${mean(lo, 'vMax')}`);

  const missing = await runCli(['pack', 'simulate', '--material', file, '--material-id', 'zzz', '--cycles', '2']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr.trim(), /^dendra: --material .*: no row with ID 'zzz' \(1 rows\)$/);
  const half = await runCli(['pack', 'simulate', '--material', file, '--cycles', '2']);
  assert.equal(half.code, 2);
  assert.equal(half.stderr.trim().split('\n').length, 1);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@dendra/core/errors.ts';
import { detectKind, importDftFile, parseAcf, parseNeb, parseOutcar, parseQe, parseVasprun, RY_EV } from './importdft.ts';

// Hand-written miniature fixtures (shape of the real formats, numbers invented).
const OUTCAR = ` vasp.6.x test
  free  energy   TOTEN  =       -10.50000000 eV
  free  energy   TOTEN  =       -12.25000000 eV

 E-fermi :   1.5000     XC(G=0): -5.0000     alpha+bet : -1.0000

 spin component 1

 k-point     1 :       0.0000    0.0000    0.0000
  band No.  band energies     occupation
      1      -3.0000      1.00000
      2       1.0000      1.00000
      3       3.5000      0.00000
 --------------------------------------------------------------------------------
 General timing and accounting informations for this job:
`;
const VASPRUN = `<?xml version="1.0"?>
<modeling>
 <calculation>
  <energy>
   <i name="e_fr_energy">    -20.00000000 </i>
  </energy>
 </calculation>
 <calculation>
  <energy>
   <i name="e_fr_energy">    -21.12500000 </i>
  </energy>
 </calculation>
</modeling>
`;
const ACF = `    #         X           Y           Z        CHARGE     MIN DIST    ATOMIC VOL
 --------------------------------------------------------------------------------
    1    0.0000      0.0000      0.0000      0.1500     1.0000     5.0000
    2    1.0000      1.0000      1.0000      7.8500     1.2000    20.0000
 --------------------------------------------------------------------------------
    VACUUM CHARGE:               0.0000
    NUMBER OF ELECTRONS:         8.0000
`;
const QE = `     Program PWSCF v.7.2 starts on  1Jan2024
!    total energy              =     -100.00000000 Ry
     highest occupied, lowest unoccupied level (ev):     2.0000    4.5000
!    total energy              =     -100.50000000 Ry
     JOB DONE.
`;

test('OUTCAR: last TOTEN and the gap of the last eigenvalue block', () => {
  const r = parseOutcar(OUTCAR);
  assert.equal(r.energyEv, -12.25);
  assert.equal(r.bandGapEv, 2.5);
  assert.equal(r.complete, true);
});

test('vasprun.xml, ACF.dat, NEB, QE', () => {
  assert.equal(parseVasprun(VASPRUN).energyEv, -21.125);
  assert.deepEqual(parseAcf(ACF).charges, [0.15, 7.85]);
  const neb = parseNeb('# images\n-10.0\n-9.6\n-9.3\n-9.8\n-10.1\n');
  assert.ok(Math.abs(neb.barrierEv! - 0.7) < 1e-9 && Math.abs(neb.reverseBarrierEv! - 0.8) < 1e-9);
  assert.ok(Math.abs(parseNeb('0 0.0 0.0 0.0 0\n1 1.2 0.35 0.0 1\n2 2.4 0.05 0.0 2\n').barrierEv! - 0.35) < 1e-12);
  const q = parseQe(QE);
  assert.ok(Math.abs(q.energyEv! - -100.5 * RY_EV) < 1e-9);
  assert.equal(q.bandGapEv, 2.5);
  assert.equal(detectKind(OUTCAR, 'OUTCAR'), 'outcar');
  assert.equal(detectKind(ACF, 'ACF.dat'), 'bader');
});

test('malformed files: one-line InputError naming the line', () => {
  const check = (f: () => unknown, line: number): void => assert.throws(f, (e: unknown) =>
    e instanceof InputError && e.code === 'E_DFT' && e.message.includes(`line ${line}:`) && !e.message.includes('\n'));
  check(() => parseOutcar('  free  energy   TOTEN  =  abc eV\n'), 1);
  check(() => parseOutcar('  free  energy   TOTEN  =  -1e99 eV\n'), 1);
  check(() => parseVasprun('<modeling>\n<i name="e_fr_energy"> nan </i>\n'), 2);
  check(() => parseAcf(ACF.replace('    2    1.0000', '    5    1.0000')), 4);
  check(() => parseNeb('-1\n-2\nx\n'), 3);
  check(() => parseNeb('-1\n-2\n'), 3);
  check(() => parseQe('!    total energy = oops Ry\n'), 1);
  const dir = mkdtempSync(join(tmpdir(), 'imp-'));
  writeFileSync(join(dir, 'random.txt'), 'hello world\n');
  assert.throws(() => importDftFile(join(dir, 'random.txt')), /line 1: not a recognised/);
  writeFileSync(join(dir, 'OUTCAR'), OUTCAR);
  assert.equal(importDftFile(join(dir, 'OUTCAR')).kind, 'outcar');
});

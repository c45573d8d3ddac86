/**
 * Writes tests/fixtures/bms-sample.csv: a small BMS export (docs/bms.md) of a simulated 4s4p LLZO
 * pack under peak shaving, two samples per cell and cycle (the charge peak and the discharge
 * trough), with the label "dendrite initiation within the next 20 cycles" (empty where the
 * outcome is beyond the simulated cycles). Deterministic: `node --import tsx scripts/bms-sample.ts`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@dendra/core/paths.ts';
import { simulatePack } from '@dendra/models/pack/simulator.ts';
import { ELECTROLYTES } from '@dendra/models/physics/electrolytes.ts';
import { criticalCurrentDensity } from '@dendra/models/physics/ccd.ts';

const CYCLES = Number(process.env.BMS_CYCLES ?? 40);
const HORIZON = 20;
const e = ELECTROLYTES.llzo;
const ccdFraction = Number(process.env.BMS_CCD ?? 0.8);
const currentDensity = ccdFraction * criticalCurrentDensity(e, e.operatingTempC + 273.15, e.ccdRefPressureMPa);
const r = simulatePack({ series: 4, parallel: 4, electrolyte: 'llzo', duty: 'peak-shaving', cycles: CYCLES + HORIZON, seed: 7, currentDensity, ambient: { meanC: e.operatingTempC } });
const lines = ['cycle,cell,v,i,t,impedance,label'];
const f = (v: number, d: number) => v.toFixed(d);
for (let c = 1; c <= CYCLES; c++) {
  r.cells.forEach((cell, k) => {
    const s = cell.series;
    if (s.iPeak.length < c) return;
    const init = cell.initiationCycle;
    const label = init !== null && init <= c ? '' : init !== null && init <= c + HORIZON ? '1' : c + HORIZON <= CYCLES + HORIZON && s.iPeak.length >= c + HORIZON ? '0' : '';
    lines.push(`${c},${k},${f(s.vMax[c - 1], 4)},${f(s.iPeak[c - 1], 4)},${f(s.tMax[c - 1], 2)},${f(s.rInt[c - 1], 3)},${label}`);
    lines.push(`${c},${k},${f(s.vMin[c - 1], 4)},${f(-s.iRms[c - 1], 4)},${f(2 * s.tMean[c - 1] - s.tMax[c - 1], 2)},${f(s.rInt[c - 1], 3)},${label}`);
  });
}
const out = path.join(REPO_ROOT, 'tests', 'fixtures', 'bms-sample.csv');
writeFileSync(out, lines.join('\n') + '\n');
console.log(`wrote ${out}: ${lines.length - 1} rows; initiation cycles ${r.cells.map((x) => x.initiationCycle ?? '-').join(' ')}`);

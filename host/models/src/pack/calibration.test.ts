/**
 * Calibration against the seed paper's symmetric-cell figures (0.5 mA/cm^2, 1 h plate / 1 h strip,
 * 25 C): impedance growth after 300 cycles ~10 vs ~35 ohm cm^2 and median cycle life ~275 vs ~90
 * cycles for stable vs unstable interfaces. Tolerance: 15 % on each number (the seed's own
 * figures are synthetic replicates with that order of spread). 64 cells per arm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulatePack } from './simulator.ts';
import { SEED_TARGETS, interfacialResistance } from '../physics/impedance.ts';
import { chargeTransferResistance } from '../physics/butler_volmer.ts';
import { ELECTROLYTES } from '../physics/electrolytes.ts';

const TOL = 0.15;
const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
// the seed's cells are symmetric Li|LLZO|Li cells: one Li electrode plates on each half-cycle
const seedCell = { series: 64, parallel: 1, electrolyte: 'llzo' as const, duty: 'constant' as const, currentDensity: SEED_TARGETS.currentDensity, seed: 2024, cellKind: 'symmetric' as const };

function impedanceGrowth300(instability: number): number {
  const r = simulatePack({ ...seedCell, cycles: 300, instability, dendrites: false });
  const e = ELECTROLYTES.llzo;
  return median(r.cells.map((c) => {
    const fresh = interfacialResistance(chargeTransferResistance((e.i0Ref * c.params.i0Mul) / 1000), 0, e.eaEv, c.series.tMean[299] + 273.15);
    return c.series.rInt[299] - fresh;
  }));
}

test('simulated symmetric cells match the seed within 15 %', () => {
  const rows: [string, number, number][] = [];
  for (const [name, s] of [['stable', 0], ['unstable', 1]] as const) {
    const target = SEED_TARGETS[name];
    const dr = impedanceGrowth300(s);
    const r = simulatePack({ ...seedCell, cycles: 2000, instability: s });
    const lifeMed = median(r.cells.map((c) => c.shortCycle ?? Infinity));
    rows.push([`${name} dR300 (ohm cm^2)`, dr, target.impedanceGrowth300], [`${name} median life (cycles)`, lifeMed, target.medianCycleLife]);
  }
  for (const [what, sim, seed] of rows) console.log(`calibration ${what}: simulated ${sim.toFixed(1)}, seed ${seed}, error ${((100 * (sim - seed)) / seed).toFixed(1)} %`);
  for (const [what, sim, seed] of rows) assert.ok(Math.abs(sim - seed) <= TOL * seed, `${what}: ${sim} vs ${seed}`);
});

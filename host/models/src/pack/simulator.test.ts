import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulatePack } from './simulator.ts';
import { packToCsv, CSV_COLUMNS } from './csv.ts';

const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const life = (r: ReturnType<typeof simulatePack>) => median(r.cells.map((c) => c.shortCycle ?? Infinity));

test('same seed gives identical output; a different seed differs', () => {
  const cfg = { cycles: 200, duty: 'solar-smoothing' as const };
  const a = simulatePack({ ...cfg, seed: 3 });
  assert.deepEqual(simulatePack({ ...cfg, seed: 3 }), a);
  assert.notDeepEqual(simulatePack({ ...cfg, seed: 4 }).cells, a.cells);
});

test('default 4x4 pack over 1000 cycles: shape, neighbours and labels are consistent', () => {
  const r = simulatePack({ seed: 1 });
  assert.equal(r.cells.length, 16);
  assert.deepEqual(r.cells[5].neighbours.sort((x, y) => x - y), [1, 4, 6, 9]);
  assert.equal(r.cells[0].neighbours.length, 2);
  for (const c of r.cells) {
    const n = c.series.rInt.length;
    for (const k of Object.values(c.series)) assert.equal(k.length, n);
    if (c.shortCycle !== null) {
      assert.ok(c.initiationCycle !== null && c.initiationCycle <= c.shortCycle);
      assert.equal(n, c.shortCycle, 'telemetry stops at the short');
    } else assert.equal(n, 1000);
    assert.ok(c.series.tMean.every((t) => t > 0 && t < 80));
    assert.ok(c.series.vMax.every((v) => v > 2.5 && v < 5));
  }
  assert.ok(r.cells.some((c) => c.shortCycle !== null), 'some cells short in 1000 cycles');
});

test('unstable electrolyte and high current short earlier than stable / low current', () => {
  const base = { series: 8, parallel: 1, cycles: 1500, seed: 11, duty: 'peak-shaving' as const };
  const llzo = life(simulatePack({ ...base, electrolyte: 'llzo' }));
  assert.ok(life(simulatePack({ ...base, electrolyte: 'lgps' })) < llzo / 5);
  assert.ok(life(simulatePack({ ...base, electrolyte: 'llzo', currentDensity: 0.5 })) < llzo / 2);
  assert.ok(life(simulatePack({ ...base, electrolyte: 'llzo', instability: 1 })) < llzo);
});

test('higher stack pressure and warmer ambient delay shorts (through the CCD)', () => {
  const base = { series: 8, parallel: 1, cycles: 3000, seed: 5, electrolyte: 'argyrodite' as const };
  const ref = life(simulatePack(base));
  assert.ok(life(simulatePack({ ...base, stackPressureMPa: 20 })) > ref);
  assert.ok(life(simulatePack({ ...base, ambient: { meanC: 40 } })) > ref);
});

test('impedance grows with cycling and the soft-short precursor lowers it before the short', () => {
  const r = simulatePack({ series: 4, parallel: 1, cycles: 2000, seed: 2, variation: 0 });
  const c = r.cells[0];
  assert.ok(c.shortCycle !== null && c.initiationCycle !== null);
  const s = c.series.rInt;
  assert.ok(s[c.initiationCycle - 2] > s[0] + 5, 'grew before initiation');
  assert.ok(s[s.length - 1] < s[c.initiationCycle - 2], 'fell during propagation');
});

test('parallel neighbours take over the current of a shorted cell', () => {
  const r = simulatePack({ series: 1, parallel: 4, cycles: 3000, seed: 9 });
  const first = r.cells.reduce((a, b) => ((a.shortCycle ?? Infinity) < (b.shortCycle ?? Infinity) ? a : b));
  assert.ok(first.shortCycle !== null);
  const other = r.cells.find((c) => c !== first && (c.shortCycle ?? Infinity) > first.shortCycle! + 10)!;
  const k = first.shortCycle!;
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const before = mean(other.series.iRms.slice(k - 11, k - 1));
  const after = mean(other.series.iRms.slice(k, k + 10));
  assert.ok(after > 1.2 * before, `${before} -> ${after} (4 cells -> 3 share the row current)`);
});

test('CSV has one row per cell-cycle with labels', () => {
  const r = simulatePack({ series: 2, parallel: 1, cycles: 30, seed: 1, electrolyte: 'lgps' });
  const lines = packToCsv(r).trim().split('\n');
  assert.equal(lines[0], CSV_COLUMNS.join(','));
  const rows = r.cells.reduce((n, c) => n + c.series.iPeak.length, 0);
  assert.equal(lines.length, rows + 1);
  const last = lines[lines.length - 1].split(',');
  assert.equal(last[CSV_COLUMNS.indexOf('shorted')], '1');
});

test('electrolyteOverride: the run uses exactly the given sigma and Ea; higher Ea below 298 K means higher resistance', () => {
  const base = { series: 2, parallel: 2, cycles: 30, duty: 'constant' as const, electrolyte: 'argyrodite' as const, ambient: { meanC: 0 }, dendrites: false };
  const run = (eaEv: number) => simulatePack({ ...base, electrolyteOverride: { sigmaRef: 2e-3, sigmaRefK: 298.15, eaEv, material: { id: 'm1', eaSource: 'bvse' } } });
  const lo = run(0.3), hi = run(0.6);
  assert.deepEqual(lo.conduction, { sigmaRef: 2e-3, sigmaRefK: 298.15, eaEv: 0.3, material: { id: 'm1', eaSource: 'bvse' } });
  assert.equal(hi.config.electrolyteOverride?.eaEv, 0.6);
  assert.equal(simulatePack(base).conduction.material, null);
  assert.equal(simulatePack(base).conduction.eaEv, 0.35, 'no override: the preset');
  const mean = (r: typeof lo, k: 'rInt' | 'vMax') => r.cells.reduce((s, c) => s + c.series[k].reduce((a, b) => a + b, 0) / c.series[k].length, 0) / r.cells.length;
  assert.ok(mean(hi, 'rInt') > mean(lo, 'rInt'), `R_int ${mean(hi, 'rInt')} > ${mean(lo, 'rInt')}`);
  assert.ok(mean(hi, 'vMax') > mean(lo, 'vMax'), `charge voltage ${mean(hi, 'vMax')} > ${mean(lo, 'vMax')} (lower conductivity at 0 C)`);
  for (const bad of [{ sigmaRef: 2, eaEv: 0.3 }, { sigmaRef: 1e-3, eaEv: 5 }, { sigmaRef: 1e-3, eaEv: 0 }]) {
    assert.throws(() => simulatePack({ ...base, electrolyteOverride: { ...bad, sigmaRefK: 298.15 } }), RangeError, JSON.stringify(bad));
  }
});


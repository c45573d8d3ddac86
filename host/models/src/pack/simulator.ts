/**
 * Seeded pack simulator: labelled per-cell telemetry for the dendrite-risk model.
 *
 * A pack is `series` rows of `parallel` cells on a grid; each cell's thermal neighbours are its
 * 4-connected grid neighbours. Each cycle is a grid duty (profiles.ts); in every segment the row's
 * current (parallel x nominal) is shared among the row's live cells by conductance, each cell
 * heats (i^2 R) and exchanges heat with its neighbours, and the physics modules advance:
 * - interfacial impedance growth (physics/impedance.ts),
 * - dendrite initiation damage D += dt (1 + kappa s) / t_init(i, CCD(T, P)) (physics/ccd.ts),
 * - after initiation, filament propagation through the separator at the Faradaic speed; a soft-short
 *   precursor (leak current, lower apparent R_int, voltage noise) grows with the filament.
 * Initiation and filament growth happen only while Li plates on the Li-metal anode, i.e. on charge
 * (positive current, profiles.ts); stripping on discharge and rest add no damage and no growth
 * (`cellKind: 'symmetric'`, the Li|Li laboratory cell of the calibration, plates on both signs).
 * (Before 2026-12-07 both used |i|, so discharge grew dendrites too; the committed pack model and
 * card were trained on that simulator: see models/pack/ notes.)
 * When the filament crosses, the cell is shorted: its fuse isolates it from its parallel row
 * (a fully shorted row is bypassed). Each cell reports per cycle: peak and RMS current density,
 * max/min voltage, mean/max temperature, measured interfacial resistance and end-of-cycle SOC,
 * and labels: the cycle of dendrite initiation and of short (1-based; null if not reached).
 * An `electrolyteOverride` replaces the preset's sigmaRef, sigmaRefK and eaEv (bulk conductivity,
 * interfacial and exchange-current temperature dependence); the result records it in `conduction`.
 * Cell-to-cell variation is log-normal on the initiation time scale, CCD, exchange current,
 * growth rate and thermal resistance. Same config and seed give identical output.
 * Invalid configuration throws RangeError.
 */
import { ELECTROLYTE_IDS, bulkAsr, electrolyte } from '../physics/electrolytes.ts';
import type { Electrolyte, ElectrolyteId } from '../physics/electrolytes.ts';
import { arrheniusRatio } from '../physics/arrhenius.ts';
import { T_298 } from '../physics/constants.ts';
import { chargeTransferResistance, symmetricOverpotential } from '../physics/butler_volmer.ts';
import { criticalCurrentDensity, filamentVelocity, initiationTime } from '../physics/ccd.ts';
import { CALIBRATION, growImpedance, interfaceInstability, interfacialResistance } from '../physics/impedance.ts';
import { DUTIES, ambientK, cycleSegments } from './profiles.ts';
import type { AmbientParams, Duty } from './profiles.ts';
import { Rng } from './rng.ts';
import { CellState, newCycleStats, recordCycle, stepThermal } from './cell.ts';
import type { CellSeries, CellStatic } from './cell.ts';

/** Simulation settings. */
export interface PackConfig {
  /** Cells in series (rows). */
  series: number;
  /** Cells in parallel per row. */
  parallel: number;
  electrolyte: ElectrolyteId;
  duty: Duty;
  cycles: number;
  seed: number;
  /** Nominal per-cell current density of the duty, mA/cm^2 (default 0.25, about C/12 at 3 mAh/cm^2). */
  currentDensity: number;
  /** Stack pressure, MPa (default: the preset's CCD reference pressure). */
  stackPressureMPa?: number;
  /** Ambient model, degrees C (defaults: preset operating temperature, 6 C daily and 8 C seasonal swing; no swing for `constant`). */
  ambient?: Partial<AmbientParams>;
  /** Override of the interface instability score s in [0, 1] (default from the preset). */
  instability?: number;
  /** Scale of cell-to-cell variation (0 = identical cells, 1 = default). */
  variation?: number;
  /** false disables initiation and shorts (impedance-only studies). Default true. */
  dendrites?: boolean;
  /** Conduction parameters replacing the preset's (e.g. a material from `materials predict --json`). */
  electrolyteOverride?: ElectrolyteOverride;
  /**
   * `full` (default): a Li-metal anode against a cathode, the pack's cells: Li plates only on
   * charge. `symmetric`: a Li|electrolyte|Li laboratory cell (the seed's calibration protocol), in
   * which one of the two Li electrodes plates whatever the current's sign.
   */
  cellKind?: 'full' | 'symmetric';
}

/** Bounds accepted for an {@link ElectrolyteOverride}. */
export const OVERRIDE_BOUNDS = { sigmaMin: 1e-20, sigmaMax: 1, eaMin: 0.01, eaMax: 3 } as const;

/** Material-derived conduction parameters that replace the preset's sigmaRef, sigmaRefK and eaEv. */
export interface ElectrolyteOverride {
  /** Ionic conductivity at sigmaRefK, S/cm ({@link OVERRIDE_BOUNDS}). */
  sigmaRef: number;
  /** Temperature of sigmaRef, K (100..1000). */
  sigmaRefK: number;
  /** Conduction activation energy, eV ({@link OVERRIDE_BOUNDS}). */
  eaEv: number;
  /** Provenance recorded in the result (material ID, source file, where Ea came from). */
  material?: { id: string; file?: string; eaSource: string };
}

/** The preset with `o`'s conduction parameters (the preset itself when `o` is undefined). */
export function applyOverride(e: Electrolyte, o: ElectrolyteOverride | undefined): Electrolyte {
  return o === undefined ? e : { ...e, sigmaRef: o.sigmaRef, sigmaRefK: o.sigmaRefK, eaEv: o.eaEv };
}

function checkOverride(o: ElectrolyteOverride): void {
  const b = OVERRIDE_BOUNDS;
  if (!(o.sigmaRef >= b.sigmaMin && o.sigmaRef <= b.sigmaMax)) throw new RangeError(`electrolyteOverride.sigmaRef must be in ${b.sigmaMin}..${b.sigmaMax} S/cm, got ${o.sigmaRef}`);
  if (!(o.sigmaRefK >= 100 && o.sigmaRefK <= 1000)) throw new RangeError(`electrolyteOverride.sigmaRefK must be in 100..1000 K, got ${o.sigmaRefK}`);
  if (!(o.eaEv >= b.eaMin && o.eaEv <= b.eaMax)) throw new RangeError(`electrolyteOverride.eaEv must be in ${b.eaMin}..${b.eaMax} eV, got ${o.eaEv}`);
}

/** One simulated cell: position, hidden parameters, labels and telemetry. */
export interface CellResult extends CellStatic {
  initiationCycle: number | null;
  shortCycle: number | null;
  series: CellSeries;
}

/** A simulated pack. */
export interface PackResult {
  config: Required<Omit<PackConfig, 'ambient' | 'instability' | 'stackPressureMPa' | 'electrolyteOverride' | 'cellKind'>> & {
    ambient: AmbientParams;
    instability: number;
    stackPressureMPa: number;
    electrolyteOverride?: ElectrolyteOverride;
    /** Present only for a symmetric cell (absent = full cell). */
    cellKind?: 'symmetric';
  };
  electrolyteName: string;
  /** Conduction parameters the run used (the preset's, or the override's) and their material, if any. */
  conduction: { sigmaRef: number; sigmaRefK: number; eaEv: number; material: ElectrolyteOverride['material'] | null };
  /** CCD of the preset at the ambient mean temperature and the stack pressure, mA/cm^2. */
  ccdNominal: number;
  cells: CellResult[];
}

/** Defaults used when a field is omitted. */
export const DEFAULT_PACK: PackConfig = {
  series: 4, parallel: 4, electrolyte: 'llzo', duty: 'peak-shaving', cycles: 1000, seed: 1, currentDensity: 0.25,
};

/** Lumped cathode + contact resistance, ohm cm^2 (assumed). */
const R_CATHODE = 15;
/** Areal capacity, mAh/cm^2 (assumed, typical of a grid cell). */
const CAPACITY_MAH = 3;

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${v}`);
}

/** Fills defaults and validates; throws RangeError naming the bad field. */
export function resolveConfig(partial: Partial<PackConfig>): PackResult['config'] {
  const c = { ...DEFAULT_PACK, ...partial };
  checkInt('series', c.series, 1, 1024);
  checkInt('parallel', c.parallel, 1, 1024);
  checkInt('cycles', c.cycles, 1, 100000);
  checkInt('seed', c.seed, -(2 ** 53), 2 ** 53);
  if (!ELECTROLYTE_IDS.includes(c.electrolyte)) electrolyte(String(c.electrolyte));
  if (!DUTIES.includes(c.duty)) throw new RangeError(`unknown duty '${c.duty}' (one of: ${DUTIES.join(', ')})`);
  if (!(c.currentDensity >= 0 && c.currentDensity <= 20)) throw new RangeError(`currentDensity must be in 0..20 mA/cm^2, got ${c.currentDensity}`);
  const e = electrolyte(c.electrolyte);
  const s = c.instability ?? interfaceInstability(e);
  if (!(s >= 0 && s <= 1)) throw new RangeError(`instability must be in [0, 1], got ${c.instability}`);
  const p = c.stackPressureMPa ?? e.ccdRefPressureMPa;
  if (!(p > 0 && p < 1000)) throw new RangeError(`stackPressureMPa must be in (0, 1000), got ${c.stackPressureMPa}`);
  const variation = c.variation ?? 1;
  if (!(variation >= 0 && variation <= 5)) throw new RangeError(`variation must be in 0..5, got ${c.variation}`);
  const swing = c.duty === 'constant' ? 0 : 1;
  const ambient: AmbientParams = {
    meanC: c.ambient?.meanC ?? e.operatingTempC,
    dailySwingC: c.ambient?.dailySwingC ?? 6 * swing,
    seasonalSwingC: c.ambient?.seasonalSwingC ?? 8 * swing,
  };
  for (const [k, v] of Object.entries(ambient)) if (!Number.isFinite(v)) throw new RangeError(`ambient.${k} must be finite`);
  if (c.electrolyteOverride !== undefined) checkOverride(c.electrolyteOverride);
  if (c.cellKind !== undefined && c.cellKind !== 'full' && c.cellKind !== 'symmetric') throw new RangeError(`cellKind must be 'full' or 'symmetric', got ${String(c.cellKind)}`);
  return { series: c.series, parallel: c.parallel, electrolyte: c.electrolyte, duty: c.duty, cycles: c.cycles, seed: c.seed,
    currentDensity: c.currentDensity, stackPressureMPa: p, ambient, instability: s, variation, dendrites: c.dendrites ?? true,
    ...(c.electrolyteOverride === undefined ? {} : { electrolyteOverride: c.electrolyteOverride }),
    ...(c.cellKind === 'symmetric' ? { cellKind: 'symmetric' as const } : {}) };
}

/** Draws the hidden per-cell parameters and grid neighbours. */
function makeCells(cfg: PackResult['config'], e: Electrolyte, rng: Rng): CellState[] {
  const v = cfg.variation;
  const cells: CellState[] = [];
  for (let r = 0; r < cfg.series; r++) {
    for (let c = 0; c < cfg.parallel; c++) {
      const nb: number[] = [];
      if (r > 0) nb.push((r - 1) * cfg.parallel + c);
      if (r < cfg.series - 1) nb.push((r + 1) * cfg.parallel + c);
      if (c > 0) nb.push(r * cfg.parallel + c - 1);
      if (c < cfg.parallel - 1) nb.push(r * cfg.parallel + c + 1);
      const params = {
        tauMul: rng.lognormal(0.35 * v), ccdMul: rng.lognormal(0.08 * v), i0Mul: rng.lognormal(0.1 * v),
        growthMul: rng.lognormal(0.1 * v), rthMul: rng.lognormal(0.1 * v) * (nb.length >= 4 ? 1.5 : 1),
        instability: Math.min(1, Math.max(0, cfg.instability + 0.03 * v * rng.normal())),
      };
      const stat: CellStatic = { id: r * cfg.parallel + c, row: r, col: c, neighbours: nb, params };
      cells.push(new CellState(stat, chargeTransferResistance((e.i0Ref * params.i0Mul) / 1000), cfg.ambient.meanC + 273.15));
    }
  }
  return cells;
}

/** Total linearised resistance of a live cell at its temperature, ohm cm^2. */
function cellResistance(cell: CellState, e: Electrolyte): number {
  const rInt = interfacialResistance(cell.rct298, cell.deltaR, e.eaEv, cell.tK);
  return bulkAsr(e, cell.tK) + rInt * (1 - 0.3 * cell.progress) + R_CATHODE;
}

/** Shares each row's current among its live cells by conductance; sets cell.i and cell.rTot. */
function shareCurrent(cells: CellState[], cfg: PackResult['config'], e: Electrolyte, iNom: number): void {
  for (let r = 0; r < cfg.series; r++) {
    let gSum = 0;
    for (let c = 0; c < cfg.parallel; c++) {
      const cell = cells[r * cfg.parallel + c];
      cell.i = 0;
      if (!cell.alive) continue;
      cell.rTot = cellResistance(cell, e);
      gSum += 1 / cell.rTot;
    }
    for (let c = 0; c < cfg.parallel && gSum > 0; c++) {
      const cell = cells[r * cfg.parallel + c];
      if (cell.alive) cell.i = (cfg.parallel * iNom) / cell.rTot / gSum;
    }
  }
}

/**
 * The current density that plates Li: in a full cell (the default) the charge current on the
 * Li-metal anode, 0 on discharge (stripping) or rest; in a symmetric Li|Li cell |i| (one of the two
 * Li electrodes plates either way). Never throws.
 */
export function platingCurrent(i: number, cellKind: 'full' | 'symmetric' = 'full'): number {
  if (cellKind === 'symmetric') return Math.abs(i);
  return i > 0 ? i : 0;
}

/**
 * Advances damage, filament and SOC of one live cell over dt hours; returns true if it shorts.
 * Damage and filament advance only with the plating (charge) current ({@link platingCurrent}).
 * Exported for its unit test; never throws for a valid cell state.
 */
export function stepDendrite(cell: CellState, e: Electrolyte, cfg: PackResult['config'], dtH: number): boolean {
  const a = platingCurrent(cell.i, cfg.cellKind);
  const leak = 0.05 * cell.progress;
  cell.soc = Math.min(0.98, Math.max(0.02, cell.soc + ((cell.i - leak) * dtH) / CAPACITY_MAH));
  if (!cfg.dendrites || a === 0) return false;
  if (!cell.initiated) {
    const ccd = criticalCurrentDensity(e, cell.tK, cfg.stackPressureMPa) * cell.s.params.ccdMul;
    const t = initiationTime(a, ccd, { tauH: CALIBRATION.initiationTauH * cell.s.params.tauMul });
    cell.damage += (dtH * (1 + CALIBRATION.instabilityRateGain * cell.s.params.instability)) / t;
    if (cell.damage >= 1) cell.initiated = true;
    return false;
  }
  cell.progress += (dtH * filamentVelocity(a)) / e.thicknessUm;
  return cell.progress >= 1;
}

/** Terminal voltage of a live cell, V (placeholder NMC-like OCV + Butler-Volmer + ohmic). */
function cellVoltage(cell: CellState, e: Electrolyte, noise: Rng): number {
  const ocv = 3.0 + 1.1 * cell.soc + 0.1 * Math.tanh(4 * (cell.soc - 0.5));
  const i0 = ((e.i0Ref * cell.s.params.i0Mul) * arrheniusRatio(e.eaEv, cell.tK, T_298));
  const eta = symmetricOverpotential(cell.i, i0, cell.tK);
  const growth = cell.deltaR / arrheniusRatio(e.eaEv, cell.tK, T_298);
  const ohmic = (cell.i * (bulkAsr(e, cell.tK) + growth + R_CATHODE)) / 1000;
  return ocv + eta + ohmic + (0.002 + 0.02 * cell.progress) * noise.normal();
}

/** Runs one cycle for the whole pack (1-based `cycle`). */
function runCycle(cells: CellState[], cfg: PackResult['config'], e: Electrolyte, cycle: number, rngs: { duty: Rng; noise: Rng }): void {
  const segs = cycleSegments(cfg.duty, cfg.currentDensity, rngs.duty);
  const stats = cells.map(() => newCycleStats());
  for (const seg of segs) {
    const tAmb = ambientK(cfg.ambient, cycle, seg.hour);
    shareCurrent(cells, cfg, e, seg.i);
    stepThermal(cells, tAmb, seg.dtH);
    for (let k = 0; k < cells.length; k++) {
      const cell = cells[k];
      if (!cell.alive) continue;
      const shorted = stepDendrite(cell, e, cfg, seg.dtH);
      stats[k].add(cell.i, seg.dtH, cellVoltage(cell, e, rngs.noise), cell.tK);
      if (shorted) cell.alive = false;
    }
  }
  for (let k = 0; k < cells.length; k++) {
    const cell = cells[k];
    if (!stats[k].touched) continue;
    cell.deltaR = growImpedance(cell.deltaR, cell.s.params.instability, stats[k].charge / 2, stats[k].meanTK(), cell.s.params.growthMul);
    if (cell.initiated && cell.initiationCycle === null) cell.initiationCycle = cycle;
    if (!cell.alive && cell.shortCycle === null) cell.shortCycle = cycle;
    const rMeas = interfacialResistance(cell.rct298, cell.deltaR, e.eaEv, stats[k].meanTK()) * (1 - 0.3 * Math.min(1, cell.progress));
    recordCycle(cell, stats[k], rMeas * (1 + 0.01 * rngs.noise.normal()));
  }
}

/**
 * Simulates a pack. Throws RangeError for an invalid configuration. Cost is about
 * cells x cycles x segments-per-cycle steps (16 cells x 1000 day-cycles is ~4e5 steps).
 */
export function simulatePack(partial: Partial<PackConfig> = {}): PackResult {
  const cfg = resolveConfig(partial);
  const e = applyOverride(electrolyte(cfg.electrolyte), cfg.electrolyteOverride);
  const root = new Rng(cfg.seed);
  const cells = makeCells(cfg, e, root.fork('cells'));
  const rngs = { duty: root.fork('duty'), noise: root.fork('noise') };
  for (let cycle = 1; cycle <= cfg.cycles; cycle++) {
    runCycle(cells, cfg, e, cycle, rngs);
    if (cells.every((c) => !c.alive)) break;
  }
  const ccdNominal = criticalCurrentDensity(e, cfg.ambient.meanC + 273.15, cfg.stackPressureMPa);
  return {
    config: cfg,
    electrolyteName: cfg.electrolyteOverride?.material ? `${e.name} with material ${cfg.electrolyteOverride.material.id}` : e.name,
    conduction: { sigmaRef: e.sigmaRef, sigmaRefK: e.sigmaRefK, eaEv: e.eaEv, material: cfg.electrolyteOverride?.material ?? null },
    ccdNominal,
    cells: cells.map((c) => ({ ...c.s, initiationCycle: c.initiationCycle, shortCycle: c.shortCycle, series: c.series })),
  };
}

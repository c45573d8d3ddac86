/**
 * Per-cell state, per-cycle statistics and the thermal step of the pack simulator.
 */

/** Hidden per-cell parameters (multipliers have median 1). */
export interface CellParams {
  /** Multiplier on the initiation time scale tau. */
  tauMul: number;
  /** Multiplier on the critical current density. */
  ccdMul: number;
  /** Multiplier on the exchange current density. */
  i0Mul: number;
  /** Multiplier on the impedance growth rate. */
  growthMul: number;
  /** Multiplier on the thermal resistance to ambient (x1.5 for interior cells). */
  rthMul: number;
  /** Interface instability score s of this cell. */
  instability: number;
}

/** Position and hidden parameters of a cell. */
export interface CellStatic {
  /** Index in the pack, row-major (row * parallel + col). */
  id: number;
  /** Series position. */
  row: number;
  /** Parallel position. */
  col: number;
  /** Ids of the thermal neighbours (4-connected on the grid). */
  neighbours: number[];
  params: CellParams;
}

/** Per-cycle telemetry of one cell; index j is cycle j + 1. */
export interface CellSeries {
  /** Peak |current density|, mA/cm^2. */
  iPeak: number[];
  /** RMS current density over the cycle, mA/cm^2. */
  iRms: number[];
  /** Max / min terminal voltage, V. */
  vMax: number[];
  vMin: number[];
  /** Mean / max temperature, degrees C. */
  tMean: number[];
  tMax: number[];
  /** Measured interfacial resistance at the mean cycle temperature, ohm cm^2. */
  rInt: number[];
  /** State of charge at the end of the cycle, 0..1. */
  soc: number[];
  /** Charge (plating) current only: integral of i^2 over the cycle's charge time, (mA/cm^2)^2 h. */
  q2Chg: number[];
  /** Peak charge current density of the cycle, mA/cm^2 (0 without charge). */
  iChgPk: number[];
}

/** Electrode area of one cell, cm^2 (assumed: ~18 Ah at 3 mAh/cm^2). */
const CELL_AREA_CM2 = 6000;
/** Thermal resistance cell -> ambient, K/W (assumed). */
const RTH_K_PER_W = 5;
/** Fraction of each neighbour's excess temperature a cell picks up (assumed). */
const NEIGHBOUR_COUPLING = 0.1;
/** Thermal time constant, hours (assumed). */
const TAU_THERMAL_H = 1;

/** Mutable simulation state of a cell. */
export class CellState {
  readonly s: CellStatic;
  /** R_ct at 298 K from the cell's exchange current density, ohm cm^2. */
  readonly rct298: number;
  tK: number;
  i = 0;
  rTot = 1;
  soc = 0.5;
  deltaR = 0;
  damage = 0;
  progress = 0;
  initiated = false;
  alive = true;
  initiationCycle: number | null = null;
  shortCycle: number | null = null;
  readonly series: CellSeries = { iPeak: [], iRms: [], vMax: [], vMin: [], tMean: [], tMax: [], rInt: [], soc: [], q2Chg: [], iChgPk: [] };

  constructor(s: CellStatic, rct298: number, tK: number) {
    this.s = s;
    this.rct298 = rct298;
    this.tK = tK;
  }
}

/** Accumulates one cell's telemetry over the segments of a cycle. */
export class CycleStats {
  touched = false;
  iPeak = 0;
  i2dt = 0;
  dt = 0;
  charge = 0;
  vMax = -Infinity;
  vMin = Infinity;
  tDt = 0;
  tMax = -Infinity;
  q2Chg = 0;
  iChgPk = 0;

  /** Adds a segment: current (mA/cm^2), duration (h), voltage (V), temperature (K). */
  add(i: number, dtH: number, v: number, tK: number): void {
    this.touched = true;
    this.iPeak = Math.max(this.iPeak, Math.abs(i));
    this.i2dt += i * i * dtH;
    this.dt += dtH;
    this.charge += Math.abs(i) * dtH;
    if (i > 0) { this.q2Chg += i * i * dtH; this.iChgPk = Math.max(this.iChgPk, i); }
    this.vMax = Math.max(this.vMax, v);
    this.vMin = Math.min(this.vMin, v);
    this.tDt += tK * dtH;
    this.tMax = Math.max(this.tMax, tK);
  }

  /** Time-weighted mean temperature, K. */
  meanTK(): number {
    return this.dt > 0 ? this.tDt / this.dt : this.tMax;
  }
}

/** A fresh accumulator. */
export function newCycleStats(): CycleStats {
  return new CycleStats();
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

/** Appends one cycle's telemetry (rounded for compact output) to the cell's series. */
export function recordCycle(cell: CellState, st: CycleStats, rMeas: number): void {
  const s = cell.series;
  s.iPeak.push(round(st.iPeak, 4));
  s.iRms.push(round(Math.sqrt(st.i2dt / st.dt), 4));
  s.vMax.push(round(st.vMax, 4));
  s.vMin.push(round(st.vMin, 4));
  s.tMean.push(round(st.meanTK() - 273.15, 2));
  s.tMax.push(round(st.tMax - 273.15, 2));
  s.rInt.push(round(rMeas, 3));
  s.soc.push(round(cell.soc, 4));
  s.q2Chg.push(round(st.q2Chg, 6));
  s.iChgPk.push(round(st.iChgPk, 4));
}

/**
 * Moves every cell's temperature toward its steady state over dtH hours: ambient plus its own
 * Joule heat (i^2 R over the electrode area) through its thermal resistance plus a share of its
 * neighbours' excess temperature. Uses the neighbours' previous temperatures (explicit step).
 */
export function stepThermal(cells: CellState[], tAmbK: number, dtH: number): void {
  const prev = cells.map((c) => c.tK);
  const relax = 1 - Math.exp(-dtH / TAU_THERMAL_H);
  for (const cell of cells) {
    const heatW = cell.alive ? (cell.i / 1000) ** 2 * cell.rTot * CELL_AREA_CM2 : 0;
    let nb = 0;
    for (const j of cell.s.neighbours) nb += prev[j] - tAmbK;
    const ss = tAmbK + RTH_K_PER_W * cell.s.params.rthMul * heatW + NEIGHBOUR_COUPLING * nb;
    cell.tK += (ss - cell.tK) * relax;
  }
}

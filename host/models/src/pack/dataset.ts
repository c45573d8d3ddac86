/**
 * Labelled data for the pack dendrite-risk model, generated with the seeded pack simulator.
 *
 * Packs vary in topology (series x parallel, at most {@link MAX_CELLS} cells), electrolyte preset,
 * duty profile, current density (a fraction of the preset's CCD at the pack's ambient mean) and
 * ambient temperature. A sample is one pack at the end of cycle t: per cell a window of the last
 * {@link WINDOW} cycles of telemetry plus static/physics features, and per cell the label
 * "dendrite initiation within the next {@link HORIZON} cycles" (t < initiation <= t + HORIZON).
 * A label is valid only for a cell that is alive and not yet initiated at t, and whose outcome is
 * known (not censored by the end of the simulation). Shorted (fused) cells stay in the graph with
 * zero features and alive flag 0; padding nodes (beyond the pack's cells) are masked out.
 * Features come from what a BMS measures (sensors.ts: noise, offsets, drift, dropouts) and the
 * preset's nominal laws; the cells' true (hidden) parameters never enter them.
 *
 * Split by pack configuration: the test set only holds packs with at least one held-out factor
 * (electrolyte {@link HELD_OUT.electrolyte}, duty {@link HELD_OUT.duty}, or one of the topologies
 * {@link HELD_OUT.topologies}); train and validation never contain any of them.
 */
import { simulatePack, type PackResult } from './simulator.ts';
import { Rng } from './rng.ts';
import type { Duty } from './profiles.ts';
import { ELECTROLYTES, conductivityAt, type ElectrolyteId } from '../physics/electrolytes.ts';
import { criticalCurrentDensity } from '../physics/ccd.ts';
import { LI_SHEAR_MODULUS_GPA } from '../physics/constants.ts';
import type { CellSeries } from './cell.ts';
import { BMS_SENSORS, measurePack, type SensorModel } from './sensors.ts';
import { nominalDamage, physicsLead, projectedDamage } from './damage.ts';

/** Fixed number of graph nodes (packs with fewer cells are padded). */
export const MAX_CELLS = 16;
/** Cycles of telemetry in a window. */
export const WINDOW = 8;
/** Label horizon N: positive when initiation happens within the next N cycles. */
export const HORIZON = 20;
/**
 * Per-cycle channels of the window, in feature order (measured, sensors.ts); `stress` is log10 of
 * the physics estimator's nominal damage increment of the cycle (damage.ts; names kept for the
 * firmware's attribution texts).
 */
export const CYCLE_CHANNELS = ['iPeak', 'iRms', 'vSpread', 'tMean', 'rInt', 'stress'] as const;
/** Static / cumulative per-cell features appended after the window; `logCumStress` is log10 of the physics estimator's projected damage. */
export const STATIC_CHANNELS = ['logSigma', 'logShearRatio', 'ccd', 'logAge', 'logCumStress', 'alive'] as const;
/** Features per node: WINDOW x cycle channels (cycle-major) then the static channels. */
export const N_FEATURES = WINDOW * CYCLE_CHANNELS.length + STATIC_CHANNELS.length;
/** Gate logit added to padding nodes so the attention softmax ignores them. */
export const MASK_LOGIT = -10;
/** Simulated cycles per pack. */
export const SIM_CYCLES = 500;

/** Factors never seen in training or validation. */
export const HELD_OUT = {
  electrolyte: 'argyrodite' as ElectrolyteId,
  duty: 'solar-smoothing' as Duty,
  topologies: ['2x8', '5x3'] as readonly string[],
};
const ALL_ELECTROLYTES: ElectrolyteId[] = ['llzo', 'lgps', 'argyrodite', 'peo'];
const ALL_DUTIES: Duty[] = ['peak-shaving', 'constant', 'solar-smoothing'];
const ALL_TOPOLOGIES = ['4x4', '8x2', '4x3', '2x6', '6x2', '3x3', '2x8', '5x3'];

/** One pack's generating configuration. */
export interface PackSpec {
  id: number;
  split: SplitName;
  series: number;
  parallel: number;
  electrolyte: ElectrolyteId;
  duty: Duty;
  /** Fraction of the nominal CCD used as the duty's nominal current density. */
  ccdFraction: number;
  currentDensity: number;
  ambientC: number;
  seed: number;
}

/** Split names. */
export type SplitName = 'train' | 'val' | 'test';

/** Samples of one split; node-major arrays, sample s occupies [s*MAX_CELLS*..]. */
export interface PackSplit {
  packs: PackSpec[];
  /** Pack index (into `packs`) per sample. */
  pack: Int32Array;
  /** Last observed cycle t (1-based) per sample. */
  cycle: Int32Array;
  /** Raw (unnormalized) features [S, MAX_CELLS, N_FEATURES]. */
  x: Float32Array;
  /** Per-cell labels and validity [S, MAX_CELLS]. */
  yCell: Float32Array;
  wCell: Float32Array;
  /**
   * Physics-estimator score per cell [S, MAX_CELLS]: the nominal cumulative damage projected
   * HORIZON cycles ahead (damage.ts), from the same measured telemetry the model sees.
   */
  rule: Float32Array;
  /** The physics estimator's cycles to initiation per cell [S, MAX_CELLS] (damage.ts physicsLead). */
  physicsLead: Float32Array;
  /**
   * The simulator's truth for the lead head, per cell [S, MAX_CELLS] (set where wCell is 1):
   * cycles from t to initiation when `ttcObserved` is 1, else the cycles left in the simulation
   * (initiation comes later: a lower bound).
   */
  ttc: Float32Array;
  ttcObserved: Float32Array;
  /** Pack label (any valid cell positive) and validity [S]. */
  yPack: Float32Array;
  wPack: Float32Array;
  /** Initiation cycle per pack cell (null if none), for lead times. */
  initiation: (number | null)[][];
  size: number;
}

/** The whole data set. */
export interface PackDataset {
  seed: number;
  train: PackSplit;
  val: PackSplit;
  test: PackSplit;
}

/** Options of {@link buildDataset}. */
export interface DatasetOptions {
  seed?: number;
  /** Packs per split (defaults 96 / 24 / 40). */
  packs?: { train: number; val: number; test: number };
  /** Sample every k-th cycle (defaults train 3, val/test 1). */
  stride?: { train: number; val: number; test: number };
  /** Simulated cycles per pack (default {@link SIM_CYCLES}). */
  cycles?: number;
  /** Splits to simulate (default all); the others come back empty (specs still drawn). */
  only?: SplitName[];
}

const topo = (s: string): [number, number] => s.split('x').map(Number) as [number, number];
const pick = <T>(rng: Rng, a: readonly T[]): T => a[Math.floor(rng.next() * a.length)];

/** True when a spec uses any held-out factor. */
export function hasHeldOut(p: Pick<PackSpec, 'electrolyte' | 'duty' | 'series' | 'parallel'>): boolean {
  return p.electrolyte === HELD_OUT.electrolyte || p.duty === HELD_OUT.duty || HELD_OUT.topologies.includes(`${p.series}x${p.parallel}`);
}

/** Draws one pack spec; test specs always have a held-out factor, others never. */
function drawSpec(rng: Rng, id: number, split: SplitName): PackSpec {
  for (;;) {
    const inTrain = split !== 'test';
    const els = inTrain ? ALL_ELECTROLYTES.filter((e) => e !== HELD_OUT.electrolyte) : ALL_ELECTROLYTES;
    const duties = inTrain ? ALL_DUTIES.filter((d) => d !== HELD_OUT.duty) : ALL_DUTIES;
    const topos = inTrain ? ALL_TOPOLOGIES.filter((t) => !HELD_OUT.topologies.includes(t)) : ALL_TOPOLOGIES;
    const [series, parallel] = topo(pick(rng, topos));
    const electrolyte = pick(rng, els);
    const duty = pick(rng, duties);
    if (!inTrain && !hasHeldOut({ electrolyte, duty, series, parallel })) continue;
    const e = ELECTROLYTES[electrolyte];
    const ambientC = e.operatingTempC + (rng.next() * 2 - 1) * 8;
    const ccdFraction = 0.25 + rng.next() * 0.35;
    const ccd = criticalCurrentDensity(e, ambientC + 273.15, e.ccdRefPressureMPa);
    return { id, split, series, parallel, electrolyte, duty, ccdFraction, currentDensity: ccdFraction * ccd, ambientC, seed: rng.nextU32() };
  }
}

/** Static physics features of the preset: log10 conductivity at ambient, log10 G/G_Li, CCD(T). */
function presetFeatures(spec: PackSpec): { logSigma: number; logShear: number } {
  const e = ELECTROLYTES[spec.electrolyte];
  return {
    logSigma: Math.log10(conductivityAt(e, spec.ambientC + 273.15)),
    logShear: Math.log10(e.shearModulusGpa / LI_SHEAR_MODULUS_GPA),
  };
}

/** Measured series (sensors.ts) of a pack; `sensors` null: the series are taken as measured already (a BMS export). */
function measured(r: PackResult, spec: PackSpec, sensors: SensorModel | null): CellSeries[] {
  const raw = r.cells.map((c) => c.series);
  return sensors === null ? raw : measurePack(raw, spec.seed, sensors);
}

/** Floor added before the log of a nominal damage (rate) feature. */
const PHYS_FLOOR = 1e-6;

/** Derived per-cell series from the measured telemetry, with the preset's nominal laws only. */
interface Derived { m: CellSeries[]; ccd: number[][]; damage: { rate: number[]; cum: number[] }[] }

/**
 * Per cell and cycle: nominal CCD at the measured mean temperature and the physics estimator's
 * nominal damage increment and running sum (damage.ts).
 */
function derive(m: CellSeries[], r: PackResult, spec: PackSpec): Derived {
  const e = ELECTROLYTES[spec.electrolyte];
  const p = r.config.stackPressureMPa;
  const ccd = m.map((s) => s.tMean.map((t) => criticalCurrentDensity(e, t + 273.15, p)));
  return { m, ccd, damage: m.map((s) => nominalDamage(s, e, p)) };
}

/** Writes one cell's feature vector for window end t (1-based) at `off`; returns false if dead. */
function cellFeatures(k: number, t: number, d: Derived, pf: ReturnType<typeof presetFeatures>, x: Float32Array, off: number): boolean {
  const s = d.m[k];
  if (s.iPeak.length < t) return false;
  const nc = CYCLE_CHANNELS.length;
  for (let w = 0; w < WINDOW; w++) {
    const j = t - WINDOW + w;
    const o = off + w * nc;
    x[o] = s.iPeak[j]; x[o + 1] = s.iRms[j]; x[o + 2] = s.vMax[j] - s.vMin[j];
    x[o + 3] = s.tMean[j]; x[o + 4] = s.rInt[j]; x[o + 5] = Math.log10(PHYS_FLOOR + d.damage[k].rate[j]);
  }
  const o = off + WINDOW * nc;
  x[o] = pf.logSigma; x[o + 1] = pf.logShear; x[o + 2] = d.ccd[k][t - 1];
  x[o + 3] = Math.log(t); x[o + 4] = Math.log10(PHYS_FLOOR + projectedDamage(d.damage[k], t, WINDOW, HORIZON)); x[o + 5] = 1;
  return true;
}

interface Acc { pack: number[]; cycle: number[]; x: number[][]; yCell: number[][]; wCell: number[][]; rule: number[][]; lead: number[][]; ttc: number[][]; obs: number[][]; yPack: number[]; wPack: number[] }

/** Adds every window of one simulated pack to the accumulator. */
function addPackSamples(acc: Acc, r: PackResult, spec: PackSpec, packIdx: number, stride: number, cycles: number): void {
  const d = derive(measured(r, spec, BMS_SENSORS), r, spec);
  const pf = presetFeatures(spec);
  const last = Math.max(...r.cells.map((c) => c.series.iPeak.length));
  for (let t = WINDOW; t <= last; t += stride) {
    const x = new Float32Array(MAX_CELLS * N_FEATURES);
    const y = new Array<number>(MAX_CELLS).fill(0);
    const w = new Array<number>(MAX_CELLS).fill(0);
    const rule = new Array<number>(MAX_CELLS).fill(0);
    const lead = new Array<number>(MAX_CELLS).fill(0);
    const ttc = new Array<number>(MAX_CELLS).fill(0);
    const obs = new Array<number>(MAX_CELLS).fill(0);
    r.cells.forEach((c, k) => {
      if (!cellFeatures(k, t, d, pf, x, k * N_FEATURES)) return;
      rule[k] = projectedDamage(d.damage[k], t, WINDOW, HORIZON);
      lead[k] = physicsLead(d.damage[k], t, WINDOW);
      const init = c.initiationCycle;
      if (init !== null && init <= t) return;
      if (init === null && t + HORIZON > cycles) return; // outcome censored
      w[k] = 1;
      y[k] = init !== null && init <= t + HORIZON ? 1 : 0;
      ttc[k] = init !== null ? init - t : cycles - t;
      obs[k] = init !== null ? 1 : 0;
    });
    if (!w.some((v) => v > 0)) continue;
    acc.pack.push(packIdx); acc.cycle.push(t); acc.x.push(Array.from(x));
    acc.yCell.push(y); acc.wCell.push(w); acc.rule.push(rule); acc.lead.push(lead); acc.ttc.push(ttc); acc.obs.push(obs);
    acc.yPack.push(y.some((v, k) => v > 0 && w[k] > 0) ? 1 : 0); acc.wPack.push(1);
  }
}

/** Simulates the packs of one split and flattens their samples. */
function buildSplit(specs: PackSpec[], stride: number, cycles: number, onPack?: () => void): PackSplit {
  const acc: Acc = { pack: [], cycle: [], x: [], yCell: [], wCell: [], rule: [], lead: [], ttc: [], obs: [], yPack: [], wPack: [] };
  const initiation: (number | null)[][] = [];
  specs.forEach((spec, i) => {
    const r = simulatePack({
      series: spec.series, parallel: spec.parallel, electrolyte: spec.electrolyte, duty: spec.duty,
      cycles, seed: spec.seed, currentDensity: spec.currentDensity, ambient: { meanC: spec.ambientC },
    });
    initiation.push(r.cells.map((c) => c.initiationCycle));
    addPackSamples(acc, r, spec, i, stride, cycles);
    onPack?.();
  });
  const flat = (a: number[][]) => Float32Array.from(a.flat());
  return {
    packs: specs, pack: Int32Array.from(acc.pack), cycle: Int32Array.from(acc.cycle), x: flat(acc.x),
    yCell: flat(acc.yCell), wCell: flat(acc.wCell), rule: flat(acc.rule), physicsLead: flat(acc.lead),
    ttc: flat(acc.ttc), ttcObserved: flat(acc.obs),
    yPack: Float32Array.from(acc.yPack), wPack: Float32Array.from(acc.wPack), initiation, size: acc.pack.length,
  };
}

/**
 * The per-cell feature rows of every window of one simulated pack, as the board's pack front-end
 * delivers them (DMA channel 1): frame j is the window ending at cycle t = WINDOW + j, a
 * Float32Array [MAX_CELLS * N_FEATURES] of raw features (cell-major, the same as a sample's `x`;
 * dead and padding cells all zero, alive flag 0). Frames stop at the last cycle any cell reached.
 * The simulator's telemetry goes through the BMS sensor model (sensors.ts, seeded by the spec's
 * seed) unless `sensors` is null (data measured already, as a BMS export).
 */
export function packFeatureFrames(r: PackResult, spec: PackSpec, sensors: SensorModel | null = BMS_SENSORS): Float32Array[] {
  const d = derive(measured(r, spec, sensors), r, spec);
  const pf = presetFeatures(spec);
  const last = Math.max(...r.cells.map((c) => c.series.iPeak.length));
  const frames: Float32Array[] = [];
  for (let t = WINDOW; t <= last; t++) {
    const x = new Float32Array(MAX_CELLS * N_FEATURES);
    r.cells.forEach((_, k) => cellFeatures(k, t, d, pf, x, k * N_FEATURES));
    frames.push(x);
  }
  return frames;
}

/** The pack specs of every split (deterministic in the seed). */
export function drawSpecs(seed: number, packs: { train: number; val: number; test: number }): Record<SplitName, PackSpec[]> {
  const rng = new Rng(seed).fork('pack-dataset');
  let id = 0;
  const out = { train: [], val: [], test: [] } as Record<SplitName, PackSpec[]>;
  for (const split of ['train', 'val', 'test'] as const) {
    for (let k = 0; k < packs[split]; k++) out[split].push(drawSpec(rng, id++, split));
  }
  return out;
}

/**
 * Generates the labelled data set. Deterministic in the options (same seed, same arrays).
 *
 * @throws RangeError when a pack count or stride is not a positive integer (or a simulator
 *   configuration is invalid, which the defaults never produce).
 */
export function buildDataset(o: DatasetOptions = {}, onPack?: () => void): PackDataset {
  const seed = o.seed ?? 1;
  const packs = o.packs ?? { train: 96, val: 24, test: 40 };
  const stride = o.stride ?? { train: 3, val: 1, test: 1 };
  for (const v of [...Object.values(packs), ...Object.values(stride)]) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`pack dataset: counts and strides must be positive integers, got ${v}`);
  }
  const cycles = o.cycles ?? SIM_CYCLES;
  const specs = drawSpecs(seed, packs);
  const only = o.only ?? ['train', 'val', 'test'];
  const split = (n: SplitName) => buildSplit(only.includes(n) ? specs[n] : [], stride[n], cycles, onPack);
  return { seed, train: split('train'), val: split('val'), test: split('test') };
}

/** Per-feature normalization (mean, population std) over the live cells of a split. */
export interface FeatureNorm {
  mean: number[];
  std: number[];
}

/** Normalization statistics from the live (alive flag 1) nodes of `split`. */
export function featureNorm(split: PackSplit): FeatureNorm {
  const sum = new Float64Array(N_FEATURES);
  const sq = new Float64Array(N_FEATURES);
  let n = 0;
  const aliveIdx = N_FEATURES - 1;
  for (let node = 0; node < split.size * MAX_CELLS; node++) {
    const o = node * N_FEATURES;
    if (split.x[o + aliveIdx] !== 1) continue;
    n++;
    for (let f = 0; f < N_FEATURES; f++) { sum[f] += split.x[o + f]; sq[f] += split.x[o + f] ** 2; }
  }
  const mean = Array.from(sum, (s) => s / Math.max(1, n));
  const std = Array.from(sq, (s, f) => Math.sqrt(Math.max(0, s / Math.max(1, n) - mean[f] ** 2)) || 1);
  mean[aliveIdx] = 0; std[aliveIdx] = 1;
  return { mean, std };
}

/** Normalized features (z-scores clipped to +-6); dead and padding nodes stay all zero. */
export function normalizeX(split: PackSplit, norm: FeatureNorm): Float32Array {
  const out = new Float32Array(split.x.length);
  for (let node = 0; node < split.size * MAX_CELLS; node++) {
    const o = node * N_FEATURES;
    if (split.x[o + N_FEATURES - 1] !== 1) continue;
    for (let f = 0; f < N_FEATURES; f++) out[o + f] = Math.max(-6, Math.min(6, (split.x[o + f] - norm.mean[f]) / norm.std[f]));
  }
  return out;
}

/**
 * Normalized adjacency of a pack, [MAX_CELLS x MAX_CELLS] row-major: edges join cells of the same
 * parallel group (electrical) and 4-connected grid neighbours (thermal); A = D^-1/2 (E + I) D^-1/2
 * over the real cells, zero rows/columns for padding. `identity` gives I on the real cells (the
 * graph-free baseline).
 */
export function packAdjacency(series: number, parallel: number, identity = false): Float32Array {
  const n = series * parallel;
  if (n > MAX_CELLS) throw new RangeError(`pack has ${n} cells, the model takes at most ${MAX_CELLS}`);
  const e = new Float32Array(MAX_CELLS * MAX_CELLS);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const [ra, ca, rb, cb] = [Math.floor(a / parallel), a % parallel, Math.floor(b / parallel), b % parallel];
      const edge = a === b || (!identity && (ra === rb || (ca === cb && Math.abs(ra - rb) === 1)));
      e[a * MAX_CELLS + b] = edge ? 1 : 0;
    }
  }
  const deg = Array.from({ length: MAX_CELLS }, (_, a) => e.slice(a * MAX_CELLS, (a + 1) * MAX_CELLS).reduce((s, v) => s + v, 0));
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) e[a * MAX_CELLS + b] /= Math.sqrt(deg[a] * deg[b]);
  return e;
}

/** Gate bias per node: 0 for the pack's cells, {@link MASK_LOGIT} for padding. */
export function packMask(series: number, parallel: number): Float32Array {
  return Float32Array.from({ length: MAX_CELLS }, (_, k) => (k < series * parallel ? 0 : MASK_LOGIT));
}

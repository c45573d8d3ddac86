/**
 * Host mirror of the board's pack app (firmware/assembly/app/pack/: pack.ts, packattrib.ts, packpub.ts;
 * CONTRACTS.md "Pack model on the board"): the same input preparation from a DMA frame, the host
 * int8 executor, the same risk read-out, exact Shapley attribution, hysteresis and 4-decimal rounding,
 * so tests can predict the board's dendrite.risk alerts exactly.
 */
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { runInt8 } from '../quant/executor.ts';
import { roundHalfAway } from '../quant/fixedpoint.ts';
import { decodeDendraMeta, type DendraMeta } from '@dendra/core/tflite/metadata.ts';
import { CYCLE_CHANNELS } from './dataset.ts';
import { InputError } from '@dendra/core/errors.ts';
import { exactShapley, topPlayers } from '../attrib/shapley.ts';

/**
 * Players of the attribution (firmware app/pack/packattrib.ts): the per-cycle channels (all W
 * cycles each), then three groups of the static channels (the alive flag is in none):
 * `electrolyte` = logSigma + logShearRatio, `ccd`, `history` = logAge + logCumStress.
 * 9 players: 2^9 = 512 inferences per raised alert.
 */
export const PACK_GROUPS = [...CYCLE_CHANNELS, 'electrolyte', 'ccd', 'history'] as const;
/** Static channels (indices into STATIC_CHANNELS) of the static groups, in PACK_GROUPS order. */
export const STATIC_GROUPS: readonly (readonly number[])[] = [[0, 1], [2], [3, 4]];
/** Groups reported per alert. */
export const PACK_TOP = 3;

/**
 * Minimum hold of a dendrite.risk alarm, in pack frames between the raise and the clear (firmware
 * app/alarm.ts ALARM_HOLD_DENDRITE; tests/alarm-e2e.test.ts checks they agree).
 */
export const PACK_ALARM_HOLD = 3;

/** Columns of an alert's risk map: ceil(sqrt(cells)) (firmware packMapCols). */
export const packMapCols = (cells: number): number => { let c = 1; while (c * c < cells) c++; return c; };

/** The alert's `cells`: rounded risks (null = dead cell) in rows of packMapCols(cells). */
export function riskMap(risks: (number | null)[]): (number | null)[][] {
  const cols = packMapCols(risks.length);
  const rows: (number | null)[][] = [];
  for (let k = 0; k < risks.length; k += cols) rows.push(risks.slice(k, k + cols));
  return rows;
}

/** Rounds as the board prints risks: roundHalfAway(v * 1e4) / 1e4 (+ 0: no -0). */
export const r4 = (v: number): number => roundHalfAway(v * 1e4) / 1e4 + 0;

/**
 * The pack metadata of `m`.
 * @throws InputError `E_MODEL` when the model has no Dendra metadata or it is not a pack model.
 */
export function packMetaOf(m: QModel): DendraMeta {
  const raw = m.metadata.dendra;
  if (!raw) throw new InputError('E_MODEL', 'model has no "dendra" metadata');
  const meta = decodeDendraMeta(raw);
  if (meta.kind !== 'pack') throw new InputError('E_MODEL', `model "${meta.name}" is not a pack model (metadata kind ${meta.kind ?? 'grid'})`);
  return meta;
}

/** The int8 input the board writes for one frame, and which cells are alive (alive flag exactly 1). */
export function boardInput(m: QModel, meta: DendraMeta, frame: Float32Array): { input: Int8Array; alive: boolean[] } {
  const F = meta.nChannels;
  const cells = meta.target;
  const q = m.tensors[m.inputs[0]].quant!;
  const [scale, zp] = [q.scale[0], q.zeroPoint[0]];
  const input = new Int8Array(cells * F).fill(zp);
  const alive: boolean[] = [];
  for (let k = 0; k < cells; k++) {
    alive.push(frame[k * F + F - 1] === 1);
    if (!alive[k]) continue;
    for (let f = 0; f < F; f++) {
      const x = frame[k * F + f];
      let z = Number.isFinite(x) ? (x - meta.mean[f]) / meta.std[f] : 0;
      z = Math.max(-6, Math.min(6, z));
      input[k * F + f] = Math.max(-128, Math.min(127, roundHalfAway(Math.fround(z) / scale) + zp));
    }
  }
  return { input, alive };
}

/**
 * Cell risks and the pack risk of an int8 output, and each cell's lead as the board reads it: with
 * lead rows (output [2 cells + 1]) q - zp cycles, else the horizon `horizon`.
 */
function risksOf(m: QModel, y: Int8Array, cells: number, horizon = 0): { cells: number[]; pack: number; leads: number[] } {
  const q = m.tensors[m.outputs[0]].quant!;
  const p = (v: number) => (v - q.zeroPoint[0]) * q.scale[0];
  const hasLead = y.length === 2 * cells + 1;
  const leads = Array.from({ length: cells }, (_, k) => (hasLead ? y[cells + 1 + k] - q.zeroPoint[0] : horizon));
  return { cells: Array.from(y.subarray(0, cells), p), pack: p(y[cells]), leads };
}

/** Input feature indices (within a cell's row) of player g of {@link PACK_GROUPS}, for window W. */
export function groupFeatures(g: number, window: number): number[] {
  const nc = CYCLE_CHANNELS.length;
  if (g < nc) return Array.from({ length: window }, (_, w) => w * nc + g);
  return STATIC_GROUPS[g - nc].map((f) => window * nc + f);
}

/**
 * Exact Shapley values (risk units) of the game v(S) = mean risk of the alerted cells (flags
 * `inAlert`, summed in cell order) with every live cell's features of the groups outside S at the
 * input zero point: what the board computes for a raised alert. 2^9 runs of `run` (default: the
 * host int8 executor). Never throws for a pack model of STATIC_CHANNELS.length static channels.
 */
export function packShapley(m: QModel, meta: DendraMeta, input: Int8Array, alive: boolean[], inAlert: boolean[], run: (x: Int8Array) => Int8Array = (x) => runInt8(m, x)): Float64Array {
  const F = meta.nChannels;
  const zp = m.tensors[m.inputs[0]].quant!.zeroPoint[0];
  const feats = PACK_GROUPS.map((_, g) => groupFeatures(g, meta.window));
  return exactShapley(PACK_GROUPS.length, (present) => {
    const x = input.slice();
    feats.forEach((fs, g) => {
      if ((present >> g) & 1) return;
      alive.forEach((a, k) => { if (a) for (const f of fs) x[k * F + f] = zp; });
    });
    const risk = risksOf(m, run(x), meta.target).cells;
    let sum = 0;
    let n = 0;
    inAlert.forEach((on, k) => { if (on) { sum += risk[k]; n++; } });
    return n > 0 ? sum / n : 0;
  });
}

/** The board's top feature groups by exact Shapley value for the alerted cells (flags `inAlert`); `run` as in packShapley. */
export function boardAttribution(m: QModel, meta: DendraMeta, input: Int8Array, alive: boolean[], inAlert: boolean[], run?: (x: Int8Array) => Int8Array): { input: string; weight: number }[] {
  const phi = packShapley(m, meta, input, alive, inAlert, run);
  return topPlayers(phi, PACK_TOP).map((g) => ({ input: PACK_GROUPS[g], weight: r4(phi[g]) }));
}

/** A dendrite.risk alert as the board publishes it (the fields tests compare). */
export interface BoardPackAlert {
  state: 'raised' | 'cleared';
  window: number;
  value: number;
  threshold: number;
  lead_cycles: number;
  pack_risk: number;
  at_risk: number;
  /** Ids of the cells in the alert, largest risk first (ties: lower id); empty when cleared. */
  alerted: number[];
  /** The whole pack's risk map (riskMap). */
  cells: (number | null)[][];
  top?: { input: string; weight: number }[];
}

/** One frame's board state: rounded cell risks (null = dead cell) and pack risk, as in telemetry. */
export interface BoardPackFrame { cells: (number | null)[]; pack_risk: number }

/**
 * Runs the board's pack pipeline over `frames` (window index = frame index) and returns every
 * telemetry record's risks and every alert it publishes, in order: raised once (a cell entering
 * while the alarm is active only updates the board's alarm table), cleared once no cell is in the
 * alert and PACK_ALARM_HOLD frames passed since the raise. `run` is the int8 runner (default the
 * host executor; a bit-exact one such as the firmware engine is faster: a raised alert costs 2^9 runs).
 *
 * @throws InputError `E_MODEL` when `m` is not a pack model.
 */
export function boardPackRun(m: QModel, frames: Float32Array[], run: (x: Int8Array) => Int8Array = (x) => runInt8(m, x)): { telemetry: BoardPackFrame[]; alerts: BoardPackAlert[] } {
  const meta = packMetaOf(m);
  const cells = meta.target;
  const [thr, hyst] = [meta.otLimitC, meta.hysteresisC];
  const inAlert = new Array<boolean>(cells).fill(false);
  let active = false;
  let raisedAt = 0;
  const telemetry: BoardPackFrame[] = [];
  const alerts: BoardPackAlert[] = [];
  frames.forEach((frame, w) => {
    const { input, alive } = boardInput(m, meta, frame);
    const r = risksOf(m, run(input), cells, meta.horizon);
    let entered = false;
    for (let k = 0; k < cells; k++) {
      if (!alive[k]) inAlert[k] = false;
      else if (!inAlert[k] && r.cells[k] >= thr) { inAlert[k] = true; entered = true; } else if (inAlert[k] && r.cells[k] < thr - hyst) inAlert[k] = false;
    }
    const any = inAlert.some(Boolean);
    const listed = inAlert.map((on, k) => (on ? k : -1)).filter((k) => k >= 0).sort((a, b) => r.cells[b] - r.cells[a] || a - b);
    const rounded = r.cells.map((v, k) => (alive[k] ? r4(v) : null));
    const base = { window: w, threshold: r4(thr), pack_risk: r4(r.pack), at_risk: listed.length, alerted: listed, cells: riskMap(rounded) };
    if (entered && !active) {
      active = true;
      raisedAt = w;
      const top = boardAttribution(m, meta, input, alive, inAlert, run);
      alerts.push({ ...base, state: 'raised', value: r4(r.cells[listed[0]]), lead_cycles: r.leads[listed[0]], top });
    } else if (active && !any && !entered && w - raisedAt >= PACK_ALARM_HOLD) {
      active = false;
      const value = Math.max(0, ...r.cells.filter((_, k) => alive[k]));
      alerts.push({ ...base, state: 'cleared', value: r4(value), lead_cycles: 0 });
    }
    telemetry.push({ cells: rounded, pack_risk: r4(r.pack) });
  });
  return { telemetry, alerts };
}

/**
 * Host mirror of the board's pack app (firmware/assembly/app/pack/: pack.ts, packattrib.ts, packpub.ts;
 * CONTRACTS.md "Pack model on the board"): the same input preparation from a DMA frame, the host
 * int8 executor, the same risk read-out, occlusion attribution, hysteresis and 4-decimal rounding,
 * so tests can predict the board's dendrite.risk alerts exactly.
 */
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { runInt8 } from '../quant/executor.ts';
import { roundHalfAway } from '../quant/fixedpoint.ts';
import { decodeDendraMeta, type DendraMeta } from '@dendra/core/tflite/metadata.ts';
import { CYCLE_CHANNELS, STATIC_CHANNELS } from './dataset.ts';
import { InputError } from '@dendra/core/errors.ts';

/** Feature groups of the attribution: the per-cycle channels, then the static ones but `alive`. */
export const PACK_GROUPS = [...CYCLE_CHANNELS, ...STATIC_CHANNELS.slice(0, -1)] as const;
/** Groups reported per alert. */
export const PACK_TOP = 3;

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

/** Cell risks and the pack risk of an int8 output. */
function risksOf(m: QModel, y: Int8Array, cells: number): { cells: number[]; pack: number } {
  const q = m.tensors[m.outputs[0]].quant!;
  const p = (v: number) => (v - q.zeroPoint[0]) * q.scale[0];
  return { cells: Array.from(y.subarray(0, cells), p), pack: p(y[cells]) };
}

/** The board's top feature groups by occlusion for the alerted cells (flags `inAlert`). */
export function boardAttribution(m: QModel, meta: DendraMeta, input: Int8Array, alive: boolean[], inAlert: boolean[], risk: number[]): { input: string; weight: number }[] {
  const F = meta.nChannels;
  const zp = m.tensors[m.inputs[0]].quant!.zeroPoint[0];
  const cyc = meta.window * CYCLE_CHANNELS.length;
  const inGroup = (g: number, f: number) => (g < CYCLE_CHANNELS.length ? f < cyc && f % CYCLE_CHANNELS.length === g : f === cyc + g - CYCLE_CHANNELS.length);
  const deltas = PACK_GROUPS.map((_, g) => {
    const x = input.slice();
    alive.forEach((a, k) => { if (a) for (let f = 0; f + 1 < F; f++) if (inGroup(g, f)) x[k * F + f] = zp; });
    const occ = risksOf(m, runInt8(m, x), meta.target).cells;
    let sum = 0;
    let n = 0;
    inAlert.forEach((on, k) => { if (on) { sum += risk[k] - occ[k]; n++; } });
    return n > 0 ? sum / n : 0;
  });
  const order = deltas.map((_, g) => g).sort((a, b) => Math.abs(deltas[b]) - Math.abs(deltas[a]) || a - b);
  return order.slice(0, PACK_TOP).map((g) => ({ input: PACK_GROUPS[g], weight: r4(deltas[g]) }));
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
 * telemetry record's risks and every alert it publishes, in order.
 *
 * @throws InputError `E_MODEL` when `m` is not a pack model.
 */
export function boardPackRun(m: QModel, frames: Float32Array[]): { telemetry: BoardPackFrame[]; alerts: BoardPackAlert[] } {
  const meta = packMetaOf(m);
  const cells = meta.target;
  const [thr, hyst] = [meta.otLimitC, meta.hysteresisC];
  const inAlert = new Array<boolean>(cells).fill(false);
  let active = false;
  const telemetry: BoardPackFrame[] = [];
  const alerts: BoardPackAlert[] = [];
  frames.forEach((frame, w) => {
    const { input, alive } = boardInput(m, meta, frame);
    const r = risksOf(m, runInt8(m, input), cells);
    let entered = false;
    for (let k = 0; k < cells; k++) {
      if (!alive[k]) inAlert[k] = false;
      else if (!inAlert[k] && r.cells[k] >= thr) { inAlert[k] = true; entered = true; } else if (inAlert[k] && r.cells[k] < thr - hyst) inAlert[k] = false;
    }
    const any = inAlert.some(Boolean);
    const listed = inAlert.map((on, k) => (on ? k : -1)).filter((k) => k >= 0).sort((a, b) => r.cells[b] - r.cells[a] || a - b);
    const rounded = r.cells.map((v, k) => (alive[k] ? r4(v) : null));
    const base = { window: w, threshold: r4(thr), pack_risk: r4(r.pack), at_risk: listed.length, alerted: listed, cells: riskMap(rounded) };
    if (entered) {
      active = true;
      const top = boardAttribution(m, meta, input, alive, inAlert, r.cells);
      alerts.push({ ...base, state: 'raised', value: r4(r.cells[listed[0]]), lead_cycles: meta.horizon, top });
    } else if (active && !any) {
      active = false;
      const value = Math.max(0, ...r.cells.filter((_, k) => alive[k]));
      alerts.push({ ...base, state: 'cleared', value: r4(value), lead_cycles: 0 });
    }
    telemetry.push({ cells: rounded, pack_risk: r4(r.pack) });
  });
  return { telemetry, alerts };
}

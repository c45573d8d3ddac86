/**
 * `dendra eval pack --data BMS.csv`: scores a BMS export (bms.ts, docs/bms.md) with the pack model
 * exactly as the board does (the host int8 executor, board.ts): the per-cell feature windows are
 * built from the export's per-cycle telemetry with the same code the simulator's frames use
 * (dataset.ts `packFeatureFrames`), so the model's risk per cell per cycle (from cycle WINDOW on)
 * is what a board fed this data would publish. With a `label` column, the risk is compared with
 * it: Pearson, Mann-Whitney U (label >= 0.5 as positive) and Bland-Altman (agreement.ts).
 *
 * What the export cannot give is taken from the stated electrolyte preset (its conductivity,
 * shear modulus and critical current density enter the static features) and the stack pressure:
 * both are options, and the report names them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '@dendra/core/errors.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { REPO_ROOT } from '@dendra/core/paths.ts';
import { ELECTROLYTES, type ElectrolyteId } from '../physics/electrolytes.ts';
import { boardPackRun } from './board.ts';
import { packFeatureFrames, WINDOW, type PackSpec } from './dataset.ts';
import type { PackResult } from './simulator.ts';
import { blandAltman, mannWhitney, pearson, type BlandAltman, type MannWhitney } from './agreement.ts';
import type { BmsData, RowError } from './bms.ts';

/** Default pack model. */
export const DEFAULT_PACK_MODEL = path.join(REPO_ROOT, 'models', 'pack', 'pack.tflite');

/** Options of {@link evalBms}. */
export interface BmsEvalOptions { model?: string; electrolyte: ElectrolyteId; stackPressureMPa?: number }

/** One risk of one cell at the end of one cycle, with the label of that cycle when given. */
export interface BmsRisk { cycle: number; cell: number; risk: number; label: number | null }

/** What `eval pack --data` reports. */
export interface BmsEvalReport {
  data: { file: string; rows: number; cycles: number; cells: number[]; filled: number; errors: RowError[] };
  model: string;
  assumptions: { electrolyte: ElectrolyteId; stackPressureMPa: number; ambientC: number };
  risks: BmsRisk[];
  agreement: { n: number; pearson: number | null; mannWhitney: MannWhitney | null; blandAltman: BlandAltman | null } | null;
}

/**
 * Scores a read BMS export with the pack model.
 * @throws InputError `E_MODEL` for a missing or non-pack model; `E_BMS` when the export has fewer
 *   than WINDOW cycles (no window to score).
 */
export function evalBms(d: BmsData, o: BmsEvalOptions): BmsEvalReport {
  const file = o.model ?? DEFAULT_PACK_MODEL;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new InputError('E_MODEL', `${file}: cannot read the pack model (${(e as NodeJS.ErrnoException).code ?? String(e)})`, file);
  }
  if (d.cycles < WINDOW) throw new InputError('E_BMS', `${d.source}: ${d.cycles} cycles; the model needs at least ${WINDOW} to score a window`, d.source);
  const e = ELECTROLYTES[o.electrolyte];
  const p = o.stackPressureMPa ?? e.ccdRefPressureMPa;
  const present = d.cells.map((c, k) => (c ? k : -1)).filter((k) => k >= 0);
  const temps = present.flatMap((k) => d.cells[k]!.tMean);
  const ambientC = temps.reduce((a, b) => a + b, 0) / temps.length;
  const empty = { iPeak: [], iRms: [], vMax: [], vMin: [], tMean: [], tMax: [], rInt: [], soc: [] };
  const r = { config: { stackPressureMPa: p }, cells: d.cells.map((c) => ({ series: c ? { ...c, soc: [] } : empty })) } as unknown as PackResult;
  const spec = { electrolyte: o.electrolyte, ambientC } as PackSpec;
  const frames = packFeatureFrames(r, spec);
  const run = boardPackRun(readTflite(bytes), frames);
  const risks: BmsRisk[] = [];
  run.telemetry.forEach((f, w) => {
    const cycle = WINDOW + w;
    for (const k of present) {
      const v = f.cells[k];
      if (v !== null) risks.push({ cycle, cell: k, risk: v, label: d.cells[k]!.label[cycle - 1] ?? null });
    }
  });
  const pairs = risks.filter((x) => x.label !== null);
  const agreement = d.hasLabel ? {
    n: pairs.length,
    pearson: pearson(pairs.map((x) => x.risk), pairs.map((x) => x.label!)),
    mannWhitney: mannWhitney(pairs.map((x) => x.risk), pairs.map((x) => x.label! >= 0.5)),
    blandAltman: blandAltman(pairs.map((x) => x.risk), pairs.map((x) => x.label!)),
  } : null;
  return {
    data: { file: d.source, rows: d.rows, cycles: d.cycles, cells: present, filled: d.filled, errors: d.errors },
    model: file, assumptions: { electrolyte: o.electrolyte, stackPressureMPa: p, ambientC }, risks, agreement,
  };
}

/** Text form of the report: summary, per-row errors (first 10), last-cycle risk per cell, agreement. Pure. */
export function formatBmsEval(r: BmsEvalReport): string[] {
  const f = (v: number | null, d = 3) => (v === null ? '-' : v.toFixed(d));
  const out = [`data ${r.data.file}: ${r.data.rows} rows, ${r.data.cycles} cycles, cells ${r.data.cells.join(',')}; ${r.data.errors.length} bad rows skipped; ${r.data.filled} cell-cycles filled from the previous cycle (dropouts)`];
  for (const e of r.data.errors.slice(0, 10)) out.push(`  line ${e.line}: ${e.message}`);
  if (r.data.errors.length > 10) out.push(`  ... ${r.data.errors.length - 10} more`);
  out.push(`model ${r.model}; assumed electrolyte ${r.assumptions.electrolyte}, stack pressure ${r.assumptions.stackPressureMPa} MPa, ambient ${r.assumptions.ambientC.toFixed(1)} C (mean cell temperature)`);
  const last = Math.max(...r.risks.map((x) => x.cycle));
  out.push(`risk (dendrite initiation within the model's horizon) at cycle ${last}: ${r.risks.filter((x) => x.cycle === last).map((x) => `cell ${x.cell} ${f(x.risk)}`).join(', ')}`);
  if (!r.agreement) out.push('agreement: no label column');
  else {
    const a = r.agreement;
    out.push(`agreement with the label (${a.n} cell-cycles): Pearson r ${f(a.pearson)}; Mann-Whitney ${a.mannWhitney ? `U ${a.mannWhitney.u.toFixed(1)} (AUC ${f(a.mannWhitney.auc)}, z ${f(a.mannWhitney.z, 2)}, p ${a.mannWhitney.p.toExponential(2)}, ${a.mannWhitney.nPos} positive / ${a.mannWhitney.nNeg} negative)` : '- (one class only)'}; Bland-Altman ${a.blandAltman ? `bias ${f(a.blandAltman.bias)}, 95% limits ${f(a.blandAltman.lower)} .. ${f(a.blandAltman.upper)}` : '-'}`);
  }
  return out;
}

/**
 * `dendra eval grid`: an honest evaluation of the committed int8 grid model. Runs the .tflite
 * through the host int8 executor (bit-exact with the board) on every validation and test window
 * (no dropped last batch), next to baselines fitted/computed by Dendra on the same split (last
 * value, seasonal naive 24 h, ridge linear S and MS), alert precision/recall/lead on the test split,
 * and published ETTh1 figures, each labelled with the setting it was measured in.
 *
 * The "drop_last" pitfall: the reference loaders of several LTSF code bases build the test loader
 * with drop_last=True, so the last incomplete batch of test windows is never scored and the
 * reported figure depends on the batch size. Dendra scores every window.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import type { QModel } from '../tflite/ir.ts';
import { readTflite } from '../tflite/reader.ts';
import { decodeDendraMeta, type DendraMeta } from '../tflite/metadata.ts';
import { evaluateAlerting, type AlertingReport } from './alerts_eval.ts';
import { checkSplits, DEFAULT_ETT_CSV, loadEtt, normalizeRows, REPO_ROOT, STANDARD_SPLITS, TARGET, WINDOW, windowStarts, type Splits } from './data.ts';
import { fitLinear } from './linear.ts';
import { baselines, type ErrorMetrics } from './metrics.ts';
import { evalInt8Windows } from './quantize.ts';
import { forecastC } from './window.ts';

/** Default model directory (grid.tflite + grid.card.json). */
export const DEFAULT_GRID_DIR = path.join(REPO_ROOT, 'models', 'grid');

/** One row of our own results (normalized OT units, all 24 steps, every window). */
export interface EvalRow {
  name: string;
  setting: string;
  val: ErrorMetrics;
  test: ErrorMetrics;
}

/** A published ETTh1 figure (test split, normalized units) with its source and setting. */
export interface PublishedRow {
  model: string;
  setting: string;
  lookback: number;
  horizon: number;
  mse: number;
  mae: number;
  source: string;
  /** How it differs from our setting (horizon, channels, look-back). */
  note: string;
}

/**
 * Published ETTh1 test figures. Each was checked with Dendra's search tool against a copy of the
 * paper's table (secondary reproductions of the tables; see the report in docs). MS-24 with a
 * 96-h look-back, as here, is not a setting any of these papers report.
 */
export const PUBLISHED: readonly PublishedRow[] = [
  { model: 'Informer', setting: 'S', lookback: 0, horizon: 24, mse: 0.098, mae: 0.247, source: 'Zhou et al., Informer, AAAI 2021, univariate table (ETTh1, 24)', note: 'OT only in/out; look-back tuned per horizon' },
  { model: 'Informer', setting: 'M', lookback: 0, horizon: 24, mse: 0.577, mae: 0.549, source: 'Zhou et al., Informer, AAAI 2021, multivariate table (ETTh1, 24)', note: 'all 7 channels forecast and averaged (not OT only)' },
  { model: 'DLinear', setting: 'M', lookback: 336, horizon: 96, mse: 0.375, mae: 0.399, source: 'Zeng et al., Are Transformers Effective for Time Series Forecasting?, AAAI 2023, Table 2', note: 'horizon 96, 7 channels averaged, look-back 336' },
  { model: 'PatchTST/64', setting: 'M', lookback: 512, horizon: 96, mse: 0.370, mae: 0.400, source: 'Nie et al., A Time Series is Worth 64 Words, ICLR 2023, Table 3', note: 'horizon 96, 7 channels averaged, look-back 512' },
];

/** Everything `dendra eval grid` reports. */
export interface GridEvalReport {
  model: { path: string; bytes: number; name: string; version: number };
  data: { file: string; split: Splits; windows: { train: number; val: number; test: number } };
  units: string;
  rows: EvalRow[];
  linearAlphas: { S: number; MS: number };
  alerting: AlertingReport;
  published: readonly PublishedRow[];
  notes: string[];
}

/** Progress of {@link evalGrid}: int8 windows done, then the linear fits. */
export interface EvalProgress {
  stage: 'int8' | 'linear';
  done: number;
  total: number;
}

/** Options of {@link evalGrid}. */
export interface EvalOptions {
  /** ETT-layout CSV (default ETTh1 in ../shared/data). */
  dataCsv?: string;
  /** Directory holding grid.tflite (and optionally grid.card.json for the split). */
  modelDir?: string;
  onProgress?: (p: EvalProgress) => void;
}

/** A loaded int8 grid model with its metadata and split. */
export interface LoadedGrid {
  file: string;
  bytes: number;
  model: QModel;
  meta: DendraMeta;
  splits: Splits;
}

/**
 * Reads `<dir>/grid.tflite`, its "dendra" metadata and the split from `<dir>/grid.card.json`
 * (STANDARD_SPLITS when there is no card).
 *
 * @throws InputError (code `E_MODEL`) when the model is missing, not a .tflite, or has no or bad
 *   "dendra" metadata; (code `E_MODEL`) when the card exists but is not JSON.
 */
export function loadGrid(dir: string = DEFAULT_GRID_DIR): LoadedGrid {
  const file = path.join(dir, 'grid.tflite');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (err) {
    throw new InputError('E_MODEL', `${file}: cannot read the grid model (${(err as NodeJS.ErrnoException).code ?? String(err)})`, file);
  }
  const model = readTflite(bytes);
  const raw = model.metadata.dendra;
  if (!raw) throw new InputError('E_MODEL', `${file}: no "dendra" metadata (not a grid model)`, file);
  const meta = decodeDendraMeta(raw);
  let splits = STANDARD_SPLITS;
  const cardPath = path.join(dir, 'grid.card.json');
  let text: string | undefined;
  try {
    text = readFileSync(cardPath, 'utf8');
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    try {
      splits = (JSON.parse(text) as { data?: { split?: Splits } }).data?.split ?? STANDARD_SPLITS;
    } catch (err) {
      throw new InputError('E_MODEL', `${cardPath}: not JSON (${(err as Error).message})`, cardPath);
    }
  }
  return { file, bytes: bytes.length, model, meta, splits };
}

/** int8 errors on val and test plus the test forecasts in degC (for alerting). */
function runInt8Splits(g: LoadedGrid, data: ReturnType<typeof loadEtt>, z: Float32Array, starts: { val: number[]; test: number[] }, onProgress?: EvalOptions['onProgress']) {
  const total = starts.val.length + starts.test.length;
  const report = (base: number) => (done: number) => onProgress?.({ stage: 'int8', done: base + done, total });
  const outQ = g.model.tensors[g.model.outputs[0]].quant;
  if (!outQ) throw new InputError('E_MODEL', `${g.file}: model output has no quantization parameters`, g.file);
  const val = evalInt8Windows(g.model, g.meta, data, z, starts.val, report(0));
  const forecasts: number[][] = [];
  const test = evalInt8Windows(g.model, g.meta, data, z, starts.test, report(starts.val.length), (k, y) => {
    const last = data.rows[starts.test[k] + WINDOW - 1][TARGET];
    forecasts.push(forecastC(y, outQ, g.meta.std[TARGET], last, Infinity).ot);
  });
  onProgress?.({ stage: 'int8', done: total, total });
  return { val, test, forecasts };
}

/**
 * Evaluates the committed int8 grid model and the baselines (see the file comment).
 *
 * @throws InputError for a missing/malformed model or CSV, or a CSV too short for the split.
 */
export function evalGrid(opts: EvalOptions = {}): GridEvalReport {
  const g = loadGrid(opts.modelDir ?? DEFAULT_GRID_DIR);
  const dataCsv = opts.dataCsv ?? DEFAULT_ETT_CSV;
  const data = loadEtt(dataCsv);
  const splits = checkSplits(data, g.splits);
  const z = normalizeRows(data, { mean: Array.from(g.meta.mean), std: Array.from(g.meta.std) });
  const starts = { train: windowStarts(splits.train), val: windowStarts(splits.val), test: windowStarts(splits.test) };
  const int8 = runInt8Splits(g, data, z, starts, opts.onProgress);
  const base = { val: baselines(z, starts.val), test: baselines(z, starts.test) };
  opts.onProgress?.({ stage: 'linear', done: 0, total: 2 });
  const linS = fitLinear(z, starts, 'S');
  opts.onProgress?.({ stage: 'linear', done: 1, total: 2 });
  const linMS = fitLinear(z, starts, 'MS');
  opts.onProgress?.({ stage: 'linear', done: 2, total: 2 });
  const rows: EvalRow[] = [
    { name: 'grid GNN int8 (this model)', setting: 'MS', val: int8.val, test: int8.test },
    { name: 'last value', setting: 'S', val: base.val.lastValue, test: base.test.lastValue },
    { name: 'seasonal naive 24 h', setting: 'S', val: base.val.seasonalNaive24h, test: base.test.seasonalNaive24h },
    { name: 'linear (ridge, Dendra)', setting: 'S', val: linS.val, test: linS.test },
    { name: 'linear (ridge, Dendra)', setting: 'MS', val: linMS.val, test: linMS.test },
  ];
  const alerting = evaluateAlerting({
    data, split: splits.test, starts: starts.test, int8Forecasts: int8.forecasts,
    extraLimits: [{ limitC: g.meta.otLimitC, limitSource: 'board limit from the model metadata' }],
  });
  return {
    model: { path: g.file, bytes: g.bytes, name: g.meta.name, version: g.meta.modelVersion },
    data: { file: dataCsv, split: splits, windows: { train: starts.train.length, val: starts.val.length, test: starts.test.length } },
    units: 'normalized OT (training-split std), MSE/MAE over all 24 horizon steps and every window',
    rows, linearAlphas: { S: linS.model.alpha, MS: linMS.model.alpha }, alerting, published: PUBLISHED,
    notes: [
      'our setting: look-back 96 h, horizon 24 h, all 7 channels in, OT out (MS-like); published rows are for the settings stated (M averages all 7 channels, S is OT only) and are NOT directly comparable',
      'every window is scored: Dendra does not drop the last incomplete batch (drop_last=True in the test loader of several LTSF code bases silently skips up to batch_size-1 test windows)',
      'linear baselines: ridge least squares in closed form on the training windows, inputs and targets relative to the last value (as the GNN); alpha chosen on validation MSE, test never used for fitting',
    ],
  };
}

const f4 = (v: number | null) => (v === null ? '   -  ' : v.toFixed(4));
const pct = (v: number | null) => (v === null ? '  -  ' : `${(v * 100).toFixed(1)}%`.padStart(6));

/** The report as text lines: our table, published figures, alerting (pure, for the CLI). */
export function formatEval(r: GridEvalReport): string[] {
  const out: string[] = [];
  out.push(`model ${r.model.path} (${r.model.bytes} B, ${r.model.name} v${r.model.version}); data ${path.basename(r.data.file)}; windows val ${r.data.windows.val}, test ${r.data.windows.test} (all scored)`);
  out.push(`units: ${r.units}`, '');
  out.push(`${'ours: L=96, H=24'.padEnd(34)} set  val MSE  val MAE  test MSE test MAE`);
  for (const row of r.rows) {
    out.push(`${row.name.padEnd(34)} ${row.setting.padEnd(4)} ${f4(row.val.mse)}   ${f4(row.val.mae)}   ${f4(row.test.mse)}   ${f4(row.test.mae)}`);
  }
  out.push('', 'published ETTh1 test figures (different settings; not directly comparable):');
  for (const p of r.published) {
    out.push(`  ${p.model.padEnd(12)} ${p.setting}-${p.horizon} L=${p.lookback || 'tuned'}  MSE ${p.mse.toFixed(3)}  MAE ${p.mae.toFixed(3)}  ${p.note}; ${p.source}`);
  }
  out.push('', `alerting on the ${r.alerting.split} split (rows ${r.alerting.rows.start}..${r.alerting.rows.end - 1}): alert = forecast > limit within 24 h`);
  out.push('  limit (degC)  source                                 model      prec   recall | onset prec recall | events det  median lead');
  for (const l of r.alerting.limits) {
    for (const [name, s] of [['int8', l.int8], ['last value', l.lastValue]] as const) {
      const lead = s.events.medianLeadH === null ? '-' : `${s.events.medianLeadH} h`;
      out.push(`  ${l.limitC.toFixed(2).padStart(8)}      ${l.limitSource.padEnd(38)} ${name.padEnd(10)} ${pct(s.all.precision)} ${pct(s.all.recall)} | ${pct(s.onset.precision)} ${pct(s.onset.recall)} | ${String(s.events.count).padStart(4)} ${String(s.events.detected).padStart(4)}  ${lead}`);
    }
  }
  out.push('', ...r.notes.map((n) => `note: ${n}`));
  return out;
}

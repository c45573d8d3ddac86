/**
 * `dendra eval grid`: an honest evaluation of the committed int8 grid model. Runs the .tflite
 * through the host int8 executor (bit-exact with the board) on every validation and test window
 * (no dropped last batch), next to baselines fitted/computed by Dendra on the same split (last
 * value, seasonal naive 24 h, ridge linear S and MS), alert precision/recall/lead on the test split,
 * and published figures for the same dataset and input length, each labelled with the setting it was measured in.
 *
 * The "drop_last" pitfall: the reference loaders of several LTSF code bases build the test loader
 * with drop_last=True, so the last incomplete batch of test windows is never scored and the
 * reported figure depends on the batch size. Dendra scores every window.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '@dendra/core/errors.ts';
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { decodeDendraMeta, type DendraMeta } from '@dendra/core/tflite/metadata.ts';
import { evaluateAlerting, type AlertingReport } from './alerts_eval.ts';
import { CHANNELS, checkSplits, loadEtt, normalization, normalizeRows, STANDARD_SPLITS, TARGET, WINDOW, windowStarts, type EttData, type Splits } from './data.ts';
import { fitLinear } from './linear.ts';
import { baselines, type ErrorMetrics } from './metrics.ts';
import { evalInt8Layout, evalInt8Windows } from './quantize.ts';
import { forecastC } from './window.ts';
import { BOARD_CONFIG } from './config.ts';
import { protocolBaselines, type ProtocolBaselines, type ProtocolReport, type ProtocolRow } from './protocol.ts';
import { datasetFrom, type SplitMetrics } from './train.ts';
import { datasetOf, publishedForDataset, type PublishedRow } from './published.ts';
import { DEFAULT_ETT, REPO_ROOT } from '@dendra/core/paths.ts';

export { formatEval } from './eval_format.ts';
export { PUBLISHED, datasetOf, type PublishedRow } from './published.ts';

/** Default model directory (grid.tflite + grid.card.json). */
export const DEFAULT_GRID_DIR = path.join(REPO_ROOT, 'models', 'grid');

/** One row of our own results (normalized OT units, all 24 steps, every window). */
export interface EvalRow {
  name: string;
  setting: string;
  val: ErrorMetrics;
  test: ErrorMetrics;
}

/** Everything `dendra eval grid` reports. */
export interface GridEvalReport {
  model: { path: string; bytes: number; name: string; version: number };
  /** `dataset` keys the published figures (see published.ts `datasetOf`). */
  data: { file: string; dataset: string; split: Splits; windows: { train: number; val: number; test: number } };
  units: string;
  rows: EvalRow[];
  linearAlphas: { S: number; MS: number };
  /** The protocol table: int8 re-run here, float from the card, baselines re-fitted here. */
  protocol: ProtocolEvalRow[];
  /** Input length of the protocol models (h). */
  protocolWindow: number;
  alerting: AlertingReport;
  /** Figures published for this dataset (empty when none is cited for it). */
  published: readonly PublishedRow[];
  notes: string[];
}

/** One protocol configuration as `dendra eval grid` scores it. */
export interface ProtocolEvalRow {
  label: string;
  config: ProtocolRow['config'];
  file: string;
  /** Float GNN as the card records it (training run; tfjs is not loaded by eval). */
  float: SplitMetrics;
  /** int8 GNN re-run here on the .tflite (host executor). */
  int8: SplitMetrics;
  baselines: { val: ProtocolBaselines; test: ProtocolBaselines };
}

/** Progress of {@link evalGrid}: int8 windows done, then the linear fits, then the protocol models. */
export interface EvalProgress {
  stage: 'int8' | 'linear' | 'protocol';
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
  /** Re-run the card's protocol models too (default true; false leaves `protocol` empty). */
  protocol?: boolean;
}

/** A loaded int8 grid model with its metadata and split. */
export interface LoadedGrid {
  file: string;
  bytes: number;
  model: QModel;
  meta: DendraMeta;
  splits: Splits;
  /** The card's protocol table, when the card has one. */
  protocol?: ProtocolReport;
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
  let protocol: ProtocolReport | undefined;
  const cardPath = path.join(dir, 'grid.card.json');
  let text: string | undefined;
  try {
    text = readFileSync(cardPath, 'utf8');
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    try {
      const card = JSON.parse(text) as { data?: { split?: Splits }; protocol?: ProtocolReport };
      splits = card.data?.split ?? STANDARD_SPLITS;
      protocol = card.protocol;
    } catch (err) {
      throw new InputError('E_MODEL', `${cardPath}: not JSON (${(err as Error).message})`, cardPath);
    }
  }
  return { file, bytes: bytes.length, model, meta, splits, protocol };
}

/**
 * Re-runs every protocol model of the card (its .tflite beside the card) on all val/test windows
 * and re-fits Dendra's baselines for its setting on the same windows.
 *
 * @throws InputError (code `E_MODEL`) when a protocol .tflite named by the card is missing.
 */
export function evalProtocol(dir: string, report: ProtocolReport, data: EttData, onProgress?: EvalOptions['onProgress']): ProtocolEvalRow[] {
  const rows = [...report.rows, ...report.thermal.rows];
  return rows.map((r, k) => {
    onProgress?.({ stage: 'protocol', done: k, total: rows.length });
    const file = path.join(dir, r.file);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (err) {
      throw new InputError('E_MODEL', `${file}: cannot read the protocol model ${r.label} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, file);
    }
    const ds = datasetFrom(data, undefined, r.config);
    const model = readTflite(bytes);
    const int8 = { val: evalInt8Layout(model, ds.z, ds.starts.val, ds.layout), test: evalInt8Layout(model, ds.z, ds.starts.test, ds.layout) };
    return { label: r.label, config: r.config, file: r.file, float: r.float, int8, baselines: protocolBaselines(ds) };
  });
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

/** Relative tolerance of {@link checkDataMatchesModel}: f32 rounding of the stored statistics, with margin. */
const STATS_RTOL = 1e-4;

/**
 * Refuses data the model was not trained on: the per-channel mean and population std of the
 * training split of `data` must equal (within f32 rounding) the training statistics stored in the
 * model's "dendra" metadata (the card's normalization). Scoring a model on data normalized with
 * another dataset's statistics gives meaningless figures, so this is an error, not a warning.
 *
 * @throws InputError (code `E_DATA_MISMATCH`) naming the first channel that differs.
 */
export function checkDataMatchesModel(data: EttData, train: Splits['train'], meta: Pick<DendraMeta, 'mean' | 'std'>, modelFile: string): void {
  const got = normalization(data, train);
  const close = (a: number, b: number) => Math.abs(a - b) <= STATS_RTOL * Math.max(1, Math.abs(a), Math.abs(b));
  for (let c = 0; c < meta.mean.length && c < got.mean.length; c++) {
    if (close(got.mean[c], meta.mean[c]) && close(got.std[c], meta.std[c])) continue;
    throw new InputError('E_DATA_MISMATCH', `${data.source}: training-split statistics do not match the model's card (${CHANNELS[c] ?? `#${c}`} mean ${got.mean[c].toPrecision(5)}, std ${got.std[c].toPrecision(5)} vs ${meta.mean[c].toPrecision(5)}, ${meta.std[c].toPrecision(5)} in ${path.basename(modelFile)}): this model was trained on other data`, data.source);
  }
}

/**
 * Evaluates the committed int8 grid model and the baselines (see the file comment).
 *
 * @throws InputError for a missing/malformed model or CSV, a CSV too short for the split, or
 *   (code `E_DATA_MISMATCH`) data whose training statistics differ from the model's.
 */
export function evalGrid(opts: EvalOptions = {}): GridEvalReport {
  const g = loadGrid(opts.modelDir ?? DEFAULT_GRID_DIR);
  const dataCsv = opts.dataCsv ?? DEFAULT_ETT;
  const data = loadEtt(dataCsv);
  const splits = checkSplits(data, g.splits);
  checkDataMatchesModel(data, splits.train, g.meta, g.file);
  const dataset = datasetOf(dataCsv);
  const published = publishedForDataset(dataset);
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
  const protocol = g.protocol && opts.protocol !== false ? evalProtocol(opts.modelDir ?? DEFAULT_GRID_DIR, g.protocol, data, opts.onProgress) : [];
  return {
    model: { path: g.file, bytes: g.bytes, name: g.meta.name, version: g.meta.modelVersion },
    data: { file: dataCsv, dataset, split: splits, windows: { train: starts.train.length, val: starts.val.length, test: starts.test.length } },
    units: 'normalized OT (training-split std), MSE/MAE over all 24 horizon steps and every window',
    rows, linearAlphas: { S: linS.model.alpha, MS: linMS.model.alpha }, protocol, protocolWindow: g.protocol?.window ?? BOARD_CONFIG.window, alerting, published,
    notes: [
      published.length === 0
        ? `no published anchor for ${dataset}: no figure is cited for this dataset (published figures are keyed by dataset and input length; see host/models/src/grid/published.ts)`
        : `board model: look-back ${BOARD_CONFIG.window} h, horizon ${BOARD_CONFIG.horizon} h, all 7 channels in, OT out (MS); published rows are ${dataset} figures for the settings and input lengths stated (M averages all 7 channels, S is OT only); only rows at L = ${BOARD_CONFIG.window} are directly comparable, the others use a longer or tuned look-back; published test loaders may drop the last incomplete batch (see below)`,
      'protocol table: every model trained by "dendra train grid" with the board model\'s seed and budget, epoch and ridge alpha chosen on validation only; M = every channel forecast (per-node heads), averaged over the 7 channels',
      'every window is scored: Dendra does not drop the last incomplete batch (drop_last=True in the test loader of several LTSF code bases silently skips up to batch_size-1 test windows)',
      'linear baselines: ridge least squares in closed form on the training windows, inputs and targets relative to the last value (as the GNN); alpha chosen on validation MSE, test never used for fitting',
    ],
  };
}

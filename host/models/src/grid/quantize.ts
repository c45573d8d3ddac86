/**
 * `dendra quantize` for the grid model: float weights -> calibration -> int8 QModel with the
 * "dendra" metadata -> .tflite, then the model card with float vs int8 metrics measured by the
 * host int8 executor on every validation and test window.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '@dendra/core/errors.ts';
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { encodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import { runInt8 } from '../quant/executor.ts';
import { N_CHANNELS, loadEtt, percentile, TARGET, WINDOW, normalizeRows, type EttData } from './data.ts';
import { BOARD_CONFIG, type GridConfig, type Layout } from './config.ts';
import { buildCard, type GridCard } from './card.ts';
import { ErrorAccumulator, type ErrorMetrics } from './metrics.ts';
import { disposeParams, importWeights } from './model.ts';
import { initBackend } from '@dendra/core/tfjs.ts';
import { buildGridQModel, calibrate } from './qmodel.ts';
import { datasetFrom, evalWindows, loadFloatModel, type FloatModelFile, type GridDataset } from './train.ts';
import { forecastC, gatherWindows, prepareInput, type InputNorm } from './window.ts';
import { evaluateAlerting } from './alerts_eval.ts';
import type { ProtocolReport } from './protocol.ts';
import { mulberry32, shuffled } from '@dendra/core/random.ts';
import { REPO_ROOT } from '@dendra/core/paths.ts';

/** File name of the protocol report `dendra train grid` writes beside grid.float.json. */
export const PROTOCOL_FILE = 'grid.protocol.json';

/**
 * Reads `<dir>/grid.protocol.json` when present.
 *
 * @throws InputError (code `E_MODEL`) when the file exists but is not JSON.
 */
export function loadProtocol(dir: string): ProtocolReport | undefined {
  const file = path.join(dir, PROTOCOL_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ProtocolReport;
  } catch (err) {
    throw new InputError('E_MODEL', `${file}: not JSON (${(err as Error).message})`, file);
  }
}

/** Keys a bench run adds to a card; valid as long as the .tflite bytes are the same. */
const BENCH_KEYS = ['boards', 'bench'] as const;

/** The bench figures of the card already at `cardPath` when `tflitePath` holds exactly `bytes`. */
function keptBench(cardPath: string, tflitePath: string, bytes: Uint8Array): Record<string, unknown> {
  try {
    if (!Buffer.from(readFileSync(tflitePath)).equals(Buffer.from(bytes))) return {};
    const old = JSON.parse(readFileSync(cardPath, 'utf8')) as Record<string, unknown>;
    return Object.fromEntries(BENCH_KEYS.filter((k) => old[k] !== undefined).map((k) => [k, old[k]]));
  } catch {
    return {};
  }
}

/** Progress of a quantization stage. */
export interface QuantizeProgress {
  stage: 'calibrate' | 'evaluate';
  done: number;
  total: number;
}

/** Options of {@link quantizeGrid}. */
export interface QuantizeOptions {
  /** Directory holding grid.float.json (from trainGrid). */
  modelDir: string;
  /** Where grid.tflite and grid.card.json go (created if needed). */
  outDir: string;
  /** Training windows used for calibration (default 512). */
  calibrationWindows?: number;
  /** CSV to calibrate/evaluate on (default: the one the model was trained on). */
  dataCsv?: string;
  /** Alert limit in degC (default: 95th percentile of OT on the training split). */
  otLimitC?: number;
  /** Alert hysteresis in degC (default 1.0). */
  hysteresisC?: number;
  /** Monotonic model version written to the metadata and card (default 1). */
  version?: number;
  /** Per-channel weights (default true). */
  perChannel?: boolean;
  /** File stem of the outputs (default "grid"). */
  fileStem?: string;
  /** Called as stages advance. */
  onProgress?: (p: QuantizeProgress) => void;
}

/** Result of {@link quantizeGrid}. */
export interface QuantizeResult {
  /** Path of the written .tflite (the CLI prints this). */
  tflite: string;
  /** Same as `tflite`. */
  tflitePath: string;
  cardPath: string;
  card: GridCard;
}

/**
 * Errors of the int8 model on the windows starting at `starts`: each window's raw rows go through
 * {@link prepareInput} (CONTRACTS.md "Input preparation"), then {@link runInt8}; the output is
 * dequantized to the normalized change of OT and compared with the change in `z` (the same error as
 * on absolute normalized OT: the last value cancels). `onWindow` is called every 256 windows;
 * `onOutput` (when given) receives each window's index and raw int8 output, e.g. for alert scoring.
 */
export function evalInt8Windows(
  model: QModel, norm: InputNorm, data: EttData, z: Float32Array, starts: readonly number[],
  onWindow?: (done: number) => void, onOutput?: (k: number, y: Int8Array) => void,
): ErrorMetrics {
  const out = model.tensors[model.outputs[0]].quant!;
  const H = model.tensors[model.outputs[0]].shape.reduce((a, b) => a * b, 1);
  const acc = new ErrorAccumulator(H);
  const pred = new Float64Array(H);
  const target = new Float64Array(H);
  starts.forEach((s, k) => {
    const y = runInt8(model, prepareInput(model, norm, data.rows.slice(s, s + WINDOW)));
    onOutput?.(k, y);
    for (let h = 0; h < H; h++) {
      pred[h] = (y[h] - out.zeroPoint[0]) * out.scale[0];
      target[h] = z[(s + WINDOW + h) * N_CHANNELS + TARGET] - z[(s + WINDOW - 1) * N_CHANNELS + TARGET];
    }
    acc.add(pred, target);
    if (onWindow && (k + 1) % 256 === 0) onWindow(k + 1);
  });
  return acc.result();
}

/**
 * Errors of an int8 model of any layout on the windows starting at `starts`: the float windows of
 * gatherWindows (normalized change from the last hour) are quantized with the input's scale and
 * zero point (round half away from zero, saturated), run through {@link runInt8}, dequantized and
 * compared with the targets. For the board layout {@link evalInt8Windows} is the exact board path;
 * the two differ only by f32 vs f64 rounding of the input.
 */
export function evalInt8Layout(model: QModel, z: Float32Array, starts: readonly number[], lay: Layout): ErrorMetrics {
  const inQ = model.tensors[model.inputs[0]].quant!;
  const out = model.tensors[model.outputs[0]].quant!;
  const acc = new ErrorAccumulator(lay.perWindow);
  const nIn = lay.inputs.length * lay.cfg.window;
  const pred = new Float64Array(lay.perWindow);
  for (let i = 0; i < starts.length; i += 256) {
    const b = gatherWindows(z, starts.slice(i, i + 256), lay);
    for (let k = 0; k < b.size; k++) {
      const x = new Int8Array(nIn);
      for (let j = 0; j < nIn; j++) {
        const v = Math.round(b.x[k * nIn + j] / inQ.scale[0]) + inQ.zeroPoint[0];
        x[j] = v < -128 ? -128 : v > 127 ? 127 : v;
      }
      const y = runInt8(model, x);
      for (let h = 0; h < lay.perWindow; h++) pred[h] = (y[h] - out.zeroPoint[0]) * out.scale[0];
      acc.add(pred, b.y.subarray(k * lay.perWindow, (k + 1) * lay.perWindow));
    }
  }
  return acc.result();
}

/** True when this is the board's configuration: the 7 DMA channels in, OT out, L = BOARD_CONFIG.window (336). */
export function boardDeployable(cfg: GridConfig): boolean {
  return cfg.setting === 'MS' && !cfg.thermal && cfg.window === WINDOW;
}

/** Checks numeric options; returns them with defaults. */
function resolve(o: QuantizeOptions) {
  const r = { calibrationWindows: o.calibrationWindows ?? 512, hysteresisC: o.hysteresisC ?? 1.0, version: o.version ?? 1 };
  if (!Number.isInteger(r.calibrationWindows) || r.calibrationWindows < 1) throw new InputError('E_USAGE', `quantize: calibration windows must be a positive integer, got ${r.calibrationWindows}`);
  if (!Number.isInteger(r.version) || r.version < 0 || r.version > 0xffffffff) throw new InputError('E_USAGE', `quantize: version must be a u32, got ${r.version}`);
  if (!Number.isFinite(r.hysteresisC) || r.hysteresisC < 0) throw new InputError('E_USAGE', `quantize: hysteresis must be >= 0, got ${r.hysteresisC}`);
  return r;
}

/** The dataset, normalized with the float model's own statistics and graph. */
function datasetFor(f: FloatModelFile, dataCsv: string | undefined): GridDataset {
  const ds = datasetFrom(loadEtt(dataCsv ?? path.resolve(REPO_ROOT, f.dataCsv)), f.splits, f.config ?? BOARD_CONFIG);
  return { ...ds, norm: f.norm, adjacency: f.adjacency, z: normalizeRows(ds.data, f.norm) };
}

/** Calibrates the float model and builds the int8 QModel with its metadata. */
function buildQuantized(f: FloatModelFile, ds: GridDataset, o: QuantizeOptions, r: ReturnType<typeof resolve>) {
  const lay = ds.layout;
  const calSeed = f.seed + 1;
  const calStarts = shuffled(ds.starts.train, mulberry32(calSeed)).slice(0, r.calibrationWindows);
  const p = importWeights(f.weights, lay);
  try {
    o.onProgress?.({ stage: 'calibrate', done: 0, total: calStarts.length });
    const ranges = calibrate(p, f.adjacency, ds.z, calStarts, 256, lay);
    o.onProgress?.({ stage: 'calibrate', done: calStarts.length, total: calStarts.length });
    const otLimitC = Math.fround(o.otLimitC ?? percentile(ds.data, ds.splits.train, TARGET, 95));
    const thresholds = {
      otLimitC, hysteresisC: Math.fround(r.hysteresisC),
      otLimitSource: o.otLimitC === undefined ? '95th percentile of OT on the training split' : 'given',
    };
    const metadata = encodeDendraMeta({
      nChannels: lay.inputs.length, window: lay.cfg.window, horizon: lay.cfg.horizon, target: lay.targetNode,
      mean: lay.inputs.map((c) => f.norm.mean[c]), std: lay.inputs.map((c) => f.norm.std[c]), otLimitC, hysteresisC: thresholds.hysteresisC,
      modelVersion: r.version, name: 'grid',
    });
    const model = buildGridQModel(f.weights, f.adjacency, ranges, { metadata, perChannel: o.perChannel ?? true, layout: lay });
    const float = {
      val: evalWindows(p, f.adjacency, ds.z, ds.starts.val, 512, lay),
      test: evalWindows(p, f.adjacency, ds.z, ds.starts.test, 512, lay),
    };
    return { model, float, thresholds, calSeed, calCount: calStarts.length };
  } finally {
    disposeParams(p);
  }
}

/**
 * Quantizes a trained grid model: writes `<outDir>/grid.tflite` and `<outDir>/grid.card.json`.
 *
 * @throws InputError when the float model or the CSV is missing/malformed or an option is out of
 *   range; a file system error when `outDir` cannot be written.
 */
export async function quantizeGrid(opts: QuantizeOptions): Promise<QuantizeResult> {
  const r = resolve(opts);
  await initBackend();
  const f = loadFloatModel(opts.modelDir);
  if (!boardDeployable(f.config ?? BOARD_CONFIG)) {
    throw new InputError('E_USAGE', `quantize: ${opts.modelDir} holds a ${f.config?.setting}-${f.config?.horizon} model; dendra quantize makes board models (MS, L ${WINDOW}, no thermal node); the protocol models are quantized by dendra train grid`);
  }
  const ds = datasetFor(f, opts.dataCsv);
  const protocol = loadProtocol(opts.modelDir);
  const q = buildQuantized(f, ds, opts, r);
  const bytes = writeTflite(q.model);
  const total = ds.starts.val.length + ds.starts.test.length;
  const report = (base: number) => (done: number) => opts.onProgress?.({ stage: 'evaluate', done: base + done, total });
  const outQ = q.model.tensors[q.model.outputs[0]].quant!;
  const testForecasts: number[][] = [];
  const keepForecast = (k: number, y: Int8Array) => {
    const last = ds.data.rows[ds.starts.test[k] + WINDOW - 1][TARGET];
    testForecasts.push(forecastC(y, outQ, f.norm.std[TARGET], last, Infinity).ot);
  };
  const int8 = {
    val: evalInt8Windows(q.model, f.norm, ds.data, ds.z, ds.starts.val, report(0)),
    test: evalInt8Windows(q.model, f.norm, ds.data, ds.z, ds.starts.test, report(ds.starts.val.length), keepForecast),
  };
  const alerting = evaluateAlerting({
    data: ds.data, split: ds.splits.test, starts: ds.starts.test, int8Forecasts: testForecasts,
    extraLimits: [{ limitC: q.thresholds.otLimitC, limitSource: 'board limit from the model metadata' }],
  });
  opts.onProgress?.({ stage: 'evaluate', done: total, total });
  const card = buildCard({
    model: q.model, bytes: bytes.length, floatModel: f, float: q.float, int8,
    windows: { train: ds.starts.train.length, val: ds.starts.val.length, test: ds.starts.test.length },
    calibration: { windows: q.calCount, seed: q.calSeed, perChannel: opts.perChannel ?? true },
    thresholds: q.thresholds, version: r.version, alerting, protocol,
  });
  mkdirSync(opts.outDir, { recursive: true });
  const stem = opts.fileStem ?? 'grid';
  const tflite = path.join(opts.outDir, `${stem}.tflite`);
  const cardPath = path.join(opts.outDir, `${stem}.card.json`);
  const kept = keptBench(cardPath, tflite, bytes);
  if (Object.keys(kept).length === 0) writeFileSync(tflite, bytes);
  writeFileSync(cardPath, JSON.stringify({ ...card, ...kept }, null, 2) + '\n');
  if (protocol && path.resolve(opts.outDir) !== path.resolve(opts.modelDir)) {
    for (const row of [...protocol.rows, ...protocol.thermal.rows]) {
      mkdirSync(path.dirname(path.join(opts.outDir, row.file)), { recursive: true });
      copyFileSync(path.join(opts.modelDir, row.file), path.join(opts.outDir, row.file));
    }
  }
  return { tflite, tflitePath: tflite, cardPath, card };
}

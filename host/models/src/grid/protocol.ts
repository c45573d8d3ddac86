/**
 * The ETTh1 protocol table and the thermal-prior ablation, run by `dendra train grid` beside the
 * board model: the GNN (float and int8) in the settings S and M (and MS, labelled as such) at
 * horizons 24 and 96 with input length 96, next to Dendra's own baselines on the same windows
 * (last value, seasonal naive 24 h, ridge linear on the window: the DLinear-style map of the
 * setting). Every model is trained with the same seed and budget, selected on validation only, and
 * quantized to int8 (host executor); its .tflite goes to `<out>/protocol/`. Only the MS-24 model
 * without the thermal node can run on the board (see BOARD_CONFIG); the others are host-only.
 * Then the graph ablations and look-back rows (ablation.ts; float): the same GNN without edges and
 * with a learned adjacency, the ridge skip alone, three seeds at the goal cells S-96 and M-96; and
 * channel mixing after a channel-independent ridge trunk (mixing.ts), three seeds per cell.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { encodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import { configLabel, type GridConfig } from './config.ts';
import { loadEtt, percentile, TARGET, type EttData } from './data.ts';
import { fitLinear, type LinearResult } from './linear.ts';
import { baselines, type ErrorMetrics } from './metrics.ts';
import { disposeParams, importWeights } from './model.ts';
import { initBackend } from '@dendra/core/tfjs.ts';
import { buildGridQModel, calibrate } from './qmodel.ts';
import { datasetFrom, evalWindows, fitGrid, type FitResult, type GridDataset, type ResolvedOptions, type SplitMetrics } from './train.ts';
import { evalInt8Layout } from './quantize.ts';
import { countMacs } from '@dendra/core/tflite/estimate.ts';
import { THERMAL } from './thermal.ts';
import { mulberry32, shuffled } from '@dendra/core/random.ts';
import { DEFAULT_ETT } from '@dendra/core/paths.ts';
import { InputError } from '@dendra/core/errors.ts';
import { runAblation, runKey, type AblationReport, type Run } from './ablation.ts';
import { runMixing, type MixVariant } from './mixing.ts';

const cfg = (setting: GridConfig['setting'], horizon: number, thermal = false): GridConfig => ({ window: 96, horizon, setting, thermal });

/** The protocol settings, in table order. */
export const PROTOCOL_CONFIGS: readonly GridConfig[] = [cfg('S', 24), cfg('S', 96), cfg('M', 24), cfg('M', 96), cfg('MS', 24), cfg('MS', 96)];
/**
 * Epoch cap of the protocol runs (the board model keeps its own budget): keeps `dendra train grid`
 * with all eight runs well under 10 minutes on 2 cores; early stopping on validation still applies.
 */
export const PROTOCOL_MAX_EPOCHS = 20;

/** The thermal ablation: MS with the prior node, compared with the same MS rows without it. */
export const THERMAL_CONFIGS: readonly GridConfig[] = [cfg('MS', 24, true), cfg('MS', 96, true)];

/** Settings whose ablation runs three seeds (the protocol's seed and the next two): the goal cells of issue 16. */
export const GOAL_LABELS: readonly string[] = ['S-96', 'M-96'];
/** Settings where the learned adjacency is tried (one seed: the goal's M cell and the board's cell). */
export const ADAPTIVE_LABELS: readonly string[] = ['M-96', 'MS-24'];
/** Look-back rows (GNN and ridge at a longer input), as `setting-horizon@L`. */
export const LOOKBACK_SPECS: readonly string[] = ['S-96@336', 'M-96@336', 'S-96@512', 'M-96@512'];
/**
 * Channel-mixing cells (mixing.ts), as `setting-horizon@L`: the goal cells at L 336 (S: the trunk
 * alone, nothing to mix; MS-96: the S task with the other channels as covariates) and the board's
 * task MS-24 at L 336 and at its own L 96.
 */
export const MIXING_SPECS: readonly string[] = ['S-96@336', 'M-96@336', 'MS-96@336', 'MS-24@336', 'MS-24@96'];
/** Mixing variants trained, each with the ablation's three seeds. */
export const MIXING_VARIANTS: readonly MixVariant[] = ['graph', 'noEdges', 'learned'];

/** What the ablation trains: the protocol settings, their seeds and the look-back configs. */
export interface AblationPlan {
  configs: readonly GridConfig[];
  seedsOf: (c: GridConfig) => readonly number[];
  lookback: GridConfig[];
}

/**
 * The ablation plan: every protocol setting with `seeds[0]`, the `goal` settings (labels such as
 * "M-96") with all `seeds`, and look-back configs from specs such as "M-96@336".
 *
 * @throws InputError (code `E_USAGE`) for an empty seed list, a bad seed or a malformed spec.
 */
export function ablationPlan(seeds: readonly number[], goal: readonly string[], lookback: readonly string[]): AblationPlan {
  if (seeds.length === 0 || !seeds.every((s) => Number.isInteger(s) && s > 0)) throw new InputError('E_USAGE', `ablation: seeds must be positive integers, got ${seeds.join(',')}`);
  const specs = lookback.map((spec) => {
    const m = /^(S|M|MS)-(\d+)@(\d+)$/.exec(spec);
    if (!m) throw new InputError('E_USAGE', `ablation: look-back spec must look like M-96@336, got "${spec}"`);
    return { window: Number(m[3]), horizon: Number(m[2]), setting: m[1] as GridConfig['setting'], thermal: false };
  });
  return { configs: PROTOCOL_CONFIGS, seedsOf: (c) => (goal.includes(configLabel(c)) ? seeds : [seeds[0]]), lookback: specs };
}

/**
 * The protocol report's own GNN rows as ablation runs (float metrics, seed = the report's seed), so
 * the ablation does not train them again. Never throws.
 */
export function protocolReuse(p: ProtocolReport): Record<string, Run> {
  const out: Record<string, Run> = {};
  for (const r of p.rows) {
    out[runKey('gnn', r.config, p.seed ?? 1)] = { val: r.float.val, test: r.float.test, bestEpoch: r.training.bestEpoch, epochsRun: r.training.epochsRun };
  }
  return out;
}

/** Dendra's baselines for one setting on one split. */
export interface ProtocolBaselines {
  lastValue: ErrorMetrics;
  seasonalNaive24h: ErrorMetrics;
  /** Ridge linear map of the setting's window (S: OT; MS: 7 channels -> OT; M: channel-shared). */
  linear: ErrorMetrics;
  /** MS only: the ridge map of the OT window alone (the strongest S baseline, also an MS forecaster). */
  linearS?: ErrorMetrics;
}

/** One row of the protocol table. */
export interface ProtocolRow {
  label: string;
  config: GridConfig;
  /** The int8 model, relative to the output directory. */
  file: string;
  bytes: number;
  macs: number;
  float: SplitMetrics;
  int8: SplitMetrics;
  /** 100 * (int8 - float) / float test MSE. */
  int8VsFloatTestPct: number;
  training: { epochsRun: number; bestEpoch: number; seconds: number; skipAlpha: number };
  baselines: { val: ProtocolBaselines; test: ProtocolBaselines };
}

/** The protocol report stored in the card (`protocol`). */
export interface ProtocolReport {
  window: number;
  units: string;
  selection: string;
  rows: ProtocolRow[];
  thermal: {
    prior: typeof THERMAL;
    how: string;
    rows: ProtocolRow[];
  };
  seconds: number;
  /** Seed of every protocol row (reports written before it was recorded: 1). */
  seed?: number;
  /** The graph ablations and look-back rows (ablation.ts); absent in older reports. */
  ablation?: AblationReport;
}

/** Options of {@link runProtocol}. */
export interface ProtocolOptions {
  dataCsv?: string;
  outDir: string;
  /** Training budget and seed, as the board model's. */
  train: ResolvedOptions;
  /** Weights already trained for a configuration label (the board model's MS-24), reused as they are. */
  reuse?: Record<string, FitResult>;
  /** Called when a configuration starts. */
  onStage?: (label: string, k: number, total: number) => void;
  /** Run the graph ablations and look-back rows too (default true; about 35 min of CPU). */
  ablation?: boolean;
}

/** Calibrates, quantizes and scores one trained model; writes its .tflite. */
function quantizeRow(ds: GridDataset, fit: FitResult, o: ProtocolOptions, calSeed: number): Omit<ProtocolRow, 'training' | 'baselines'> {
  const lay = ds.layout;
  const label = configLabel(lay.cfg);
  const p = importWeights(fit.weights, lay);
  try {
    const cal = shuffled(ds.starts.train, mulberry32(calSeed)).slice(0, 512);
    const ranges = calibrate(p, ds.adjacency, ds.z, cal, 256, lay);
    const metadata = encodeDendraMeta({
      nChannels: lay.inputs.length, window: lay.cfg.window, horizon: lay.cfg.horizon, target: lay.targetNode,
      mean: lay.inputs.map((c) => ds.norm.mean[c]), std: lay.inputs.map((c) => ds.norm.std[c]),
      otLimitC: Math.fround(percentile(ds.data, ds.splits.train, TARGET, 95)), hysteresisC: 1, modelVersion: 1, name: `grid-${label}`,
    });
    const model = buildGridQModel(fit.weights, ds.adjacency, ranges, { metadata, layout: lay });
    const float = { val: evalWindows(p, ds.adjacency, ds.z, ds.starts.val, 512, lay), test: evalWindows(p, ds.adjacency, ds.z, ds.starts.test, 512, lay) };
    const int8 = { val: evalInt8Layout(model, ds.z, ds.starts.val, lay), test: evalInt8Layout(model, ds.z, ds.starts.test, lay) };
    const bytes = writeTflite(model);
    const file = path.join('protocol', `grid-${label}.tflite`);
    mkdirSync(path.join(o.outDir, 'protocol'), { recursive: true });
    writeFileSync(path.join(o.outDir, file), bytes);
    return {
      label, config: { ...lay.cfg }, file, bytes: bytes.length, macs: countMacs(model), float, int8,
      int8VsFloatTestPct: (100 * (int8.test.mse - float.test.mse)) / float.test.mse,
    };
  } finally {
    disposeParams(p);
  }
}

/**
 * Dendra's baselines for a dataset's setting: last value and seasonal naive on its output channels,
 * and the ridge map of the setting (the skip's own fit for S and M; the 7-channel map for MS).
 */
export function protocolBaselines(ds: GridDataset, skip?: LinearResult): { val: ProtocolBaselines; test: ProtocolBaselines } {
  const lay = ds.layout;
  const shape = { window: lay.cfg.window, horizon: lay.cfg.horizon, cols: lay.cols };
  const mode = lay.cfg.setting;
  const own = mode === 'MS' ? fitLinear(ds.z, ds.starts, 'MS', undefined, shape) : (skip ?? fitLinear(ds.z, ds.starts, mode, undefined, shape));
  const s = mode === 'MS' ? (skip ?? fitLinear(ds.z, ds.starts, 'S', undefined, shape)) : undefined;
  const split = (k: 'val' | 'test'): ProtocolBaselines => ({
    ...baselines(ds.z, ds.starts[k], lay), linear: own[k], ...(s ? { linearS: s[k] } : {}),
  });
  return { val: split('val'), test: split('test') };
}

/** Trains (or reuses), quantizes and scores one configuration. */
async function runOne(raw: EttData, c: GridConfig, o: ProtocolOptions): Promise<ProtocolRow> {
  const ds = datasetFrom(raw, undefined, c);
  const label = configLabel(c);
  const fit = o.reuse?.[label] ?? (await fitGrid(ds, { ...o.train, epochs: Math.min(o.train.epochs, PROTOCOL_MAX_EPOCHS) }));
  const row = quantizeRow(ds, fit, o, o.train.seed + 1);
  return {
    ...row,
    training: { epochsRun: fit.epochsRun, bestEpoch: fit.bestEpoch, seconds: Math.round(fit.seconds * 10) / 10, skipAlpha: fit.skip.model.alpha },
    baselines: protocolBaselines(ds, fit.skip),
  };
}

/**
 * Runs the protocol table and the thermal ablation (see the file comment). Seeded: the same
 * options give the same weights and numbers.
 *
 * @throws InputError for bad data (as loadDataset); a file system error when `outDir` cannot be written.
 */
export async function runProtocol(o: ProtocolOptions): Promise<ProtocolReport> {
  const t0 = performance.now();
  await initBackend();
  const raw = loadEtt(o.dataCsv ?? DEFAULT_ETT);
  const all = [...PROTOCOL_CONFIGS, ...THERMAL_CONFIGS];
  const rows: ProtocolRow[] = [];
  for (const [k, c] of all.entries()) {
    o.onStage?.(configLabel(c), k, all.length);
    rows.push(await runOne(raw, c, o));
  }
  const report: ProtocolReport = {
    window: 96,
    units: 'normalized units (training-split mean/std per channel), MSE/MAE over every horizon step of every forecast channel and every window (no drop_last)',
    selection: `epoch chosen on validation MSE only (at most ${PROTOCOL_MAX_EPOCHS} epochs, patience as the board model; MS-24 is the board model's own weights); ridge alpha chosen on validation; test never used for a choice`,
    rows: rows.filter((r) => !r.config.thermal),
    thermal: {
      prior: THERMAL,
      how: 'extra graph node (8th input channel): the IEC 60076-7 exponential top-oil response to the HV-side load factor squared, normalized like the other channels; compared with the same MS model without it',
      rows: rows.filter((r) => r.config.thermal),
    },
    seconds: 0,
    seed: o.train.seed,
  };
  if (o.ablation !== false) {
    o.onStage?.('ablation', all.length, all.length);
    const plan = ablationPlan([o.train.seed, o.train.seed + 1, o.train.seed + 2], GOAL_LABELS, LOOKBACK_SPECS);
    report.ablation = await runAblation({
      raw, train: { ...o.train, epochs: Math.min(o.train.epochs, PROTOCOL_MAX_EPOCHS) }, configs: plan.configs, seedsOf: plan.seedsOf,
      lookback: plan.lookback, reuse: protocolReuse(report),
      adaptive: true, adaptiveSeedsOf: (c) => (ADAPTIVE_LABELS.includes(configLabel(c)) ? [o.train.seed] : []),
    });
    o.onStage?.('channel mixing', all.length, all.length);
    const seeds = [o.train.seed, o.train.seed + 1, o.train.seed + 2];
    report.ablation.mixing = await runMixing({ raw, configs: ablationPlan(seeds, [], MIXING_SPECS).lookback, seeds, variants: MIXING_VARIANTS });
  }
  report.seconds = Math.round((performance.now() - t0) / 100) / 10;
  return report;
}


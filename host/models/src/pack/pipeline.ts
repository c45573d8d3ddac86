/**
 * End-to-end pack model runs used by `dendra train pack` and `dendra eval pack`: simulate the data
 * set, train the graph model and the graph-free baseline, score the physics rule, quantize to int8
 * (models/pack/pack.tflite for the 4s4p reference pack), and write the float weights and the card.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { InputError } from '@dendra/core/errors.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { encodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import {
  buildDataset, featureNorm, normalizeX, HORIZON, MAX_CELLS, N_FEATURES, WINDOW, type DatasetOptions, type FeatureNorm, type PackSplit,
} from './dataset.ts';
import { bestF1Threshold, evaluateRisk, rocAuc, type RiskMetrics, type Scored } from './metrics.ts';
import { predictSplit, trainModel, type SplitTensors, type TrainedModel } from './train.ts';
import { buildPackQModel, calibrate, predictInt8, type Ranges } from './quantize.ts';
import { buildPackCard, type PackCard } from './card.ts';
import type { PackWeights } from './model.ts';

/** Reference topology of the committed .tflite. */
export const REFERENCE_PACK = { series: 4, parallel: 4 };
/** File names inside a model directory. */
export const FILES = { float: 'pack.float.json', tflite: 'pack.tflite', card: 'pack.card.json' };

/** Progress events. */
export type PackProgress =
  | { stage: 'simulate'; done: number; total: number }
  | { stage: 'train'; model: 'gnn' | 'per-cell'; epoch: number; epochs: number; loss: number; valLoss: number }
  | { stage: 'evaluate'; what: string };

/** Options of {@link trainPack}. */
export interface TrainPackOptions {
  outDir: string;
  seed?: number;
  epochs?: number;
  dataset?: DatasetOptions;
  onProgress?: (p: PackProgress) => void;
}

/** Saved float model. */
export interface PackFloatFile {
  format: 'dendra-pack-float';
  version: 1;
  seed: number;
  dataset: DatasetOptions;
  norm: FeatureNorm;
  gnn: { weights: PackWeights; ranges: Ranges; thresholds: { float: number; int8: number } };
  perCell: { weights: PackWeights; threshold: number };
  ruleThreshold: number;
}

/** Metrics table of one run (test split unless stated). */
export interface PackMetricsTable {
  gnnFloat: RiskMetrics;
  gnnInt8: RiskMetrics;
  perCellFloat: RiskMetrics;
  physicsRule: RiskMetrics;
  packAuc: { float: number; int8: number };
  int8AucDropPoints: number;
}

/** Per-cell scored items of the valid labels of a split. */
export function scoredItems(s: PackSplit, cellScores: ArrayLike<number>): Scored[] {
  const out: Scored[] = [];
  for (let i = 0; i < s.size; i++) {
    for (let k = 0; k < MAX_CELLS; k++) {
      const j = i * MAX_CELLS + k;
      if (s.wCell[j] > 0) out.push({ score: cellScores[j], label: s.yCell[j] > 0 ? 1 : 0, pack: s.pack[i], cell: k, cycle: s.cycle[i] });
    }
  }
  return out;
}

/** Threshold maximising F1 on the validation items. */
function valThreshold(items: Scored[]): number {
  return bestF1Threshold(items.map((i) => i.score), items.map((i) => i.label));
}

/** Metrics of a scorer on the test split at a threshold (bootstrap seeded by `seed`). */
function testMetrics(test: PackSplit, scores: ArrayLike<number>, threshold: number, seed: number): RiskMetrics {
  return evaluateRisk(scoredItems(test, scores), threshold, test.initiation, seed);
}

/** Risk hysteresis of the board's dendrite.risk alert: raised at >= threshold, cleared below threshold - this. */
export const PACK_HYSTERESIS = 0.05;

/**
 * The encoded metadata of the pack model (kind 'pack', CONTRACTS.md "Pack model on the board"):
 * features per cell, window and horizon (cycles), cells (in `target`), normalization, the int8
 * alert threshold and its hysteresis, model version.
 */
export function packMeta(norm: FeatureNorm, threshold: number, modelVersion = 1): Uint8Array {
  return encodeDendraMeta({
    kind: 'pack', nChannels: N_FEATURES, window: WINDOW, horizon: HORIZON, target: MAX_CELLS, mean: norm.mean, std: norm.std,
    otLimitC: Math.fround(threshold), hysteresisC: Math.fround(PACK_HYSTERESIS), modelVersion, name: 'pack',
  });
}

/** Trains both models, scores everything, quantizes and writes the artifacts. */
export async function trainPack(o: TrainPackOptions): Promise<{ table: PackMetricsTable; card: PackCard; files: typeof FILES; outDir: string }> {
  const seed = o.seed ?? 1;
  const dsOpts: DatasetOptions = { ...o.dataset, seed };
  const t0 = performance.now();
  const packsTotal = Object.values(dsOpts.packs ?? { a: 96, b: 24, c: 40 }).reduce((a, b) => a + b, 0);
  let done = 0;
  const ds = buildDataset(dsOpts, () => o.onProgress?.({ stage: 'simulate', done: ++done, total: packsTotal }));
  const norm = featureNorm(ds.train);
  const st = (s: PackSplit): SplitTensors => ({ split: s, x: normalizeX(s, norm) });
  const [train, val, test] = [st(ds.train), st(ds.val), st(ds.test)];
  const fit = (identity: boolean): Promise<TrainedModel> => trainModel(train, val, {
    seed, identity, epochs: o.epochs ?? 20,
    onEpoch: (e) => o.onProgress?.({ stage: 'train', model: identity ? 'per-cell' : 'gnn', ...e }),
  });
  const gnn = await fit(false);
  const perCell = await fit(true);
  o.onProgress?.({ stage: 'evaluate', what: 'float' });
  const gv = await predictSplit(gnn.weights, val);
  const gt = await predictSplit(gnn.weights, test);
  const pv = await predictSplit(perCell.weights, val, true);
  const pt = await predictSplit(perCell.weights, test, true);
  const thr = { gnn: valThreshold(scoredItems(ds.val, gv.cell)), perCell: valThreshold(scoredItems(ds.val, pv.cell)), rule: valThreshold(scoredItems(ds.val, ds.val.rule)) };
  o.onProgress?.({ stage: 'evaluate', what: 'int8' });
  const ranges = await calibrate(gnn.weights, train, 1024, seed + 1);
  const build = (series: number, parallel: number) => buildPackQModel(gnn.weights, ranges, { series, parallel });
  const iv = predictInt8(val, build);
  const it = predictInt8(test, build);
  const int8Thr = valThreshold(scoredItems(ds.val, iv.cell));
  const model = buildPackQModel(gnn.weights, ranges, { ...REFERENCE_PACK, metadata: packMeta(norm, int8Thr) });
  const bytes = writeTflite(model);
  const table: PackMetricsTable = {
    gnnFloat: testMetrics(ds.test, gt.cell, thr.gnn, seed),
    gnnInt8: testMetrics(ds.test, it.cell, int8Thr, seed),
    perCellFloat: testMetrics(ds.test, pt.cell, thr.perCell, seed),
    physicsRule: testMetrics(ds.test, ds.test.rule, thr.rule, seed),
    packAuc: { float: rocAuc(gt.pack, ds.test.yPack), int8: rocAuc(it.pack, ds.test.yPack) },
    int8AucDropPoints: 0,
  };
  table.int8AucDropPoints = 100 * (table.gnnFloat.auc.value - table.gnnInt8.auc.value);
  const floatFile: PackFloatFile = {
    format: 'dendra-pack-float', version: 1, seed, dataset: dsOpts, norm,
    gnn: { weights: gnn.weights, ranges, thresholds: { float: thr.gnn, int8: int8Thr } },
    perCell: { weights: perCell.weights, threshold: thr.perCell }, ruleThreshold: thr.rule,
  };
  const card = buildPackCard({
    model, bytes: bytes.length, table, seed, dataset: ds, gnn, perCell, seconds: (performance.now() - t0) / 1000,
  });
  mkdirSync(o.outDir, { recursive: true });
  writeFileSync(path.join(o.outDir, FILES.float), JSON.stringify(floatFile) + '\n');
  writeFileSync(path.join(o.outDir, FILES.tflite), bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(path.join(o.outDir, FILES.card), JSON.stringify({ ...card, sha256 }, null, 2) + '\n');
  return { table, card, files: FILES, outDir: o.outDir };
}

/**
 * Reads `<dir>/pack.float.json`.
 *
 * @throws InputError (code `E_MODEL`) when it is missing, not JSON or not a pack float model.
 */
export function loadPackFloat(dir: string): PackFloatFile {
  const file = path.join(dir, FILES.float);
  let f: PackFloatFile;
  try {
    f = JSON.parse(readFileSync(file, 'utf8')) as PackFloatFile;
  } catch (err) {
    throw new InputError('E_MODEL', `${file}: cannot read the pack model (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); run "dendra train pack" first`, file);
  }
  if (f.format !== 'dendra-pack-float' || f.version !== 1 || !f.gnn?.weights || !f.norm) throw new InputError('E_MODEL', `${file}: not a dendra pack float model`, file);
  return f;
}

/**
 * Re-simulates the test split of a trained model and scores the float and int8 graph model, the
 * per-cell baseline and the physics rule with the stored thresholds. Also checks that the saved
 * .tflite equals a rebuild from the stored weights and ranges.
 *
 * @throws InputError when the model directory is incomplete (see {@link loadPackFloat}).
 */
export async function evalPack(dir: string, onProgress?: (p: PackProgress) => void): Promise<{ table: PackMetricsTable; tfliteMatches: boolean }> {
  const f = loadPackFloat(dir);
  let done = 0;
  const total = f.dataset.packs?.test ?? 40;
  const ds = buildDataset({ ...f.dataset, only: ['test'] }, () => onProgress?.({ stage: 'simulate', done: ++done, total }));
  const test: SplitTensors = { split: ds.test, x: normalizeX(ds.test, f.norm) };
  onProgress?.({ stage: 'evaluate', what: 'float + int8' });
  const gt = await predictSplit(f.gnn.weights, test);
  const pt = await predictSplit(f.perCell.weights, test, true);
  const it = predictInt8(test, (series, parallel) => buildPackQModel(f.gnn.weights, f.gnn.ranges, { series, parallel }));
  const table: PackMetricsTable = {
    gnnFloat: testMetrics(ds.test, gt.cell, f.gnn.thresholds.float, f.seed),
    gnnInt8: testMetrics(ds.test, it.cell, f.gnn.thresholds.int8, f.seed),
    perCellFloat: testMetrics(ds.test, pt.cell, f.perCell.threshold, f.seed),
    physicsRule: testMetrics(ds.test, ds.test.rule, f.ruleThreshold, f.seed),
    packAuc: { float: rocAuc(gt.pack, ds.test.yPack), int8: rocAuc(it.pack, ds.test.yPack) },
    int8AucDropPoints: 0,
  };
  table.int8AucDropPoints = 100 * (table.gnnFloat.auc.value - table.gnnInt8.auc.value);
  const rebuilt = writeTflite(buildPackQModel(f.gnn.weights, f.gnn.ranges, { ...REFERENCE_PACK, metadata: packMeta(f.norm, f.gnn.thresholds.int8) }));
  let saved: Uint8Array;
  try {
    saved = readFileSync(path.join(dir, FILES.tflite));
  } catch {
    throw new InputError('E_MODEL', `${path.join(dir, FILES.tflite)}: missing; run "dendra train pack" first`);
  }
  const tfliteMatches = saved.length === rebuilt.length && saved.every((b, i) => b === rebuilt[i]);
  return { table, tfliteMatches };
}

/**
 * Rebuilds `<dir>/pack.tflite` from the stored float model (weights, calibrated ranges, int8
 * threshold; no retraining) with the current metadata layout, and updates the card's `bytes` and
 * `sha256` (the metrics do not change: the metadata does not enter inference). Returns both.
 *
 * @throws InputError when the directory has no pack float model or card.
 */
export function requantizePack(dir: string): { bytes: number; sha256: string; changed: boolean } {
  const f = loadPackFloat(dir);
  const out = writeTflite(buildPackQModel(f.gnn.weights, f.gnn.ranges, { ...REFERENCE_PACK, metadata: packMeta(f.norm, f.gnn.thresholds.int8) }));
  const file = path.join(dir, FILES.tflite);
  const cardFile = path.join(dir, FILES.card);
  let card: Record<string, unknown>;
  try {
    card = JSON.parse(readFileSync(cardFile, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new InputError('E_MODEL', `${cardFile}: cannot read the pack card (${(err as Error).message})`, cardFile);
  }
  let old: Uint8Array | null = null;
  try { old = readFileSync(file); } catch { /* written below */ }
  const changed = !old || old.length !== out.length || old.some((b, i) => b !== out[i]);
  const sha256 = createHash('sha256').update(out).digest('hex');
  writeFileSync(file, out);
  card.bytes = out.length;
  card.sha256 = sha256;
  writeFileSync(cardFile, JSON.stringify(card, null, 2) + '\n');
  return { bytes: out.length, sha256, changed };
}

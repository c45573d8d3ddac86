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
import { bestF1Threshold, evaluateRisk, rocAuc, type RiskMetrics, type Scored, type WithCi } from './metrics.ts';
import { aucDifference, hazardLead, leadMae, type LeadItem, type LeadScore } from './lead.ts';
import { fitLead, hiddenStates, withHead, type LeadChoice, type LeadRecipe } from './lead_head.ts';
import { predictSplit, trainModel, type SplitTensors, type TrainedModel } from './train.ts';
import { buildPackQModel, calibrate, predictInt8, type Ranges } from './quantize.ts';
import { buildPackCard, type PackCard } from './card.ts';
import type { PackWeights } from './model.ts';

/** Reference topology of the committed .tflite. */
export const REFERENCE_PACK = { series: 4, parallel: 4 };
/** File names inside a model directory. */
export const FILES = { float: 'pack.float.json', tflite: 'pack.tflite', card: 'pack.card.json', study: 'pack.study.json' };

/** Progress events. */
export type PackProgress =
  | { stage: 'simulate'; done: number; total: number }
  | { stage: 'train'; model: 'gnn' | 'per-cell'; epoch: number; epochs: number; loss: number; valLoss: number }
  | { stage: 'evaluate'; what: string };

/** Options of {@link trainPack}. */
export interface TrainPackOptions {
  outDir: string;
  /** Models trained already with this data set and seed (scripts/pack-study.ts ship); skips training. */
  trained?: { gnn: TrainedModel; perCell: TrainedModel };
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
  /** Scale of the constant-hazard lead fitted on validation ({@link fitLeadScale}). */
  leadScale: number;
  /** How the lead head was fitted on the frozen trunk ({@link LEAD_RECIPE}), already in gnn.weights and ranges. */
  lead?: LeadChoice;
}

/** Metrics table of one run (test split unless stated). */
export interface PackMetricsTable {
  gnnFloat: RiskMetrics;
  gnnInt8: RiskMetrics;
  perCellFloat: RiskMetrics;
  /** The cumulative-damage physics estimator (damage.ts): nominal damage projected HORIZON cycles ahead. */
  physicsRule: RiskMetrics;
  packAuc: { float: number; int8: number };
  int8AucDropPoints: number;
  /** Paired bootstrap AUC differences of the float GNN against each baseline (same samples). */
  aucGain: { vsPhysics: WithCi; vsPerCell: WithCi; perCellVsPhysics: WithCi };
  /** MAE (cycles) of lead_cycles at each initiating cell's first alert against the simulator's truth. */
  lead: Record<LeadName, LeadScore>;
}

/**
 * Lead predictors scored in the card; `headInt8` is what the board publishes (the int8 lead row of
 * the alerted cell, at the int8 risk's first alerts).
 */
export type LeadName = 'headInt8' | 'constantHorizon' | 'constantOnVal' | 'hazardInt8' | 'hazardInt8Calibrated' | 'physics';

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

/** Scores of every scorer on one split, with thresholds from validation; `int8Lead` the int8 lead rows (cycles). */
interface Scorers { gnn: ArrayLike<number>; int8: ArrayLike<number>; perCell: ArrayLike<number>; int8Lead: ArrayLike<number> }

/**
 * The comparison table on the test split: risk metrics of every scorer, paired AUC differences and
 * the lead MAE of the constant horizon, the int8 risk's constant-hazard lead (raw and with the
 * scale `leadScale` fitted on validation) and the physics estimator's own lead.
 */
function buildTable(test: PackSplit, sc: Scorers & { packFloat: ArrayLike<number>; packInt8: ArrayLike<number> }, thr: { gnn: number; int8: number; perCell: number; rule: number }, lead: { scale: number; valConstant: number }, seed: number): PackMetricsTable {
  const leadScale = lead.scale;
  const items = (v: ArrayLike<number>) => scoredItems(test, v);
  const withLead = (v: ArrayLike<number>, f: (score: number, j: number) => number): LeadItem[] => {
    const out: LeadItem[] = [];
    for (let i = 0; i < test.size; i++) {
      for (let k = 0; k < MAX_CELLS; k++) {
        const j = i * MAX_CELLS + k;
        if (test.wCell[j] > 0) out.push({ score: v[j], label: test.yCell[j] > 0 ? 1 : 0, pack: test.pack[i], cell: k, cycle: test.cycle[i], lead: f(v[j], j) });
      }
    }
    return out;
  };
  const t: PackMetricsTable = {
    gnnFloat: testMetrics(test, sc.gnn, thr.gnn, seed),
    gnnInt8: testMetrics(test, sc.int8, thr.int8, seed),
    perCellFloat: testMetrics(test, sc.perCell, thr.perCell, seed),
    physicsRule: testMetrics(test, test.rule, thr.rule, seed),
    packAuc: { float: rocAuc(sc.packFloat, test.yPack), int8: rocAuc(sc.packInt8, test.yPack) },
    int8AucDropPoints: 0,
    aucGain: {
      vsPhysics: aucDifference(items(sc.gnn), items(test.rule), seed),
      vsPerCell: aucDifference(items(sc.gnn), items(sc.perCell), seed),
      perCellVsPhysics: aucDifference(items(sc.perCell), items(test.rule), seed),
    },
    lead: {
      headInt8: leadMae(withLead(sc.int8, (_, j) => sc.int8Lead[j]), thr.int8, test.initiation, seed),
      constantHorizon: leadMae(withLead(sc.int8, () => HORIZON), thr.int8, test.initiation, seed),
      constantOnVal: leadMae(withLead(sc.int8, () => lead.valConstant), thr.int8, test.initiation, seed),
      hazardInt8: leadMae(withLead(sc.int8, (p) => hazardLead(p, HORIZON)), thr.int8, test.initiation, seed),
      hazardInt8Calibrated: leadMae(withLead(sc.int8, (p) => leadScale * hazardLead(p, HORIZON)), thr.int8, test.initiation, seed),
      physics: leadMae(withLead(test.rule, (_, j) => test.physicsLead[j]), thr.rule, test.initiation, seed),
    },
  };
  t.int8AucDropPoints = 100 * (t.gnnFloat.auc.value - t.gnnInt8.auc.value);
  return t;
}

/**
 * The scale c of lead = c x hazardLead(p) that minimises the absolute error at first alerts on
 * validation (the median of true / predicted); 1 when nothing was alerted.
 */
export function fitLeadScale(val: PackSplit, int8: ArrayLike<number>, threshold: number): number {
  const first = new Map<string, { cycle: number; p: number }>();
  for (let i = 0; i < val.size; i++) {
    for (let k = 0; k < MAX_CELLS; k++) {
      const j = i * MAX_CELLS + k;
      const init = val.initiation[val.pack[i]][k];
      if (!(val.wCell[j] > 0) || init === null || int8[j] < threshold) continue;
      const key = `${val.pack[i]}:${k}`;
      const f = first.get(key);
      if (!f || val.cycle[i] < f.cycle) first.set(key, { cycle: val.cycle[i], p: int8[j] });
    }
  }
  const ratios: number[] = [];
  for (const [key, f] of first) {
    const [p, k] = key.split(':').map(Number);
    ratios.push((val.initiation[p][k]! - f.cycle) / hazardLead(f.p, HORIZON));
  }
  if (ratios.length === 0) return 1;
  ratios.sort((a, b) => a - b);
  return ratios[Math.floor(ratios.length / 2)];
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

/**
 * How the shipped lead head is fitted on the frozen trunk (scripts/pack-lead.ts chose it on
 * validation packs, models/pack/pack.study.json "leadHead"); the validation constant ships instead
 * when grouped CV over validation packs does not prefer the head.
 */
export const LEAD_RECIPE: LeadRecipe = { windows: 'soft', loss: { log: false, clip: 100 }, recal: 'first' };

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
  const gnn = o.trained?.gnn ?? await fit(false);
  const perCell = o.trained?.perCell ?? await fit(true);
  o.onProgress?.({ stage: 'evaluate', what: 'float' });
  const gv = await predictSplit(gnn.weights, val);
  const gt = await predictSplit(gnn.weights, test);
  const pv = await predictSplit(perCell.weights, val, true);
  const pt = await predictSplit(perCell.weights, test, true);
  const thr = { gnn: valThreshold(scoredItems(ds.val, gv.cell)), perCell: valThreshold(scoredItems(ds.val, pv.cell)), rule: valThreshold(scoredItems(ds.val, ds.val.rule)) };
  o.onProgress?.({ stage: 'evaluate', what: 'int8' });
  const ranges0 = await calibrate(gnn.weights, train, 1024, seed + 1);
  const iv = predictInt8(val, (se, pa) => buildPackQModel(gnn.weights, ranges0, { series: se, parallel: pa }));
  const int8Thr = valThreshold(scoredItems(ds.val, iv.cell));
  const [hTr, hVa] = [await hiddenStates(gnn.weights, train), await hiddenStates(gnn.weights, val)];
  const lead = fitLead(LEAD_RECIPE, { train: ds.train, val: ds.val, hTrain: hTr.h, hVal: hVa.h, riskTrain: hTr.risk, scoreVal: iv.cell, threshold: int8Thr });
  const gw = withHead(gnn.weights, lead.head);
  gnn.weights = gw; // risk rows unchanged: only the lead head's FC (and its range Zl) differ
  const ranges = { ...ranges0, Zl: (await calibrate(gw, train, 1024, seed + 1)).Zl };
  const leadChoice: LeadChoice = { recipe: LEAD_RECIPE, constant: lead.constant, cvMae: lead.cvMae, cvMaeConstant: lead.cvMaeConstant, valMae: lead.valMae, recal: lead.recal, valConstant: lead.valConstant, cvDiff: lead.cvDiff };
  const it = predictInt8(test, (se, pa) => buildPackQModel(gw, ranges, { series: se, parallel: pa }));
  const model = buildPackQModel(gw, ranges, { ...REFERENCE_PACK, metadata: packMeta(norm, int8Thr) });
  const bytes = writeTflite(model);
  const leadScale = fitLeadScale(ds.val, iv.cell, int8Thr);
  const table = buildTable(ds.test, { gnn: gt.cell, int8: it.cell, perCell: pt.cell, int8Lead: it.lead, packFloat: gt.pack, packInt8: it.pack },
    { gnn: thr.gnn, int8: int8Thr, perCell: thr.perCell, rule: thr.rule }, { scale: leadScale, valConstant: lead.valConstant }, seed);
  const floatFile: PackFloatFile = {
    format: 'dendra-pack-float', version: 1, seed, dataset: dsOpts, norm,
    gnn: { weights: gnn.weights, ranges, thresholds: { float: thr.gnn, int8: int8Thr } },
    perCell: { weights: perCell.weights, threshold: thr.perCell }, ruleThreshold: thr.rule, leadScale, lead: leadChoice,
  };
  const card = buildPackCard({
    model, bytes: bytes.length, table, seed, dataset: ds, gnn, perCell, seconds: (performance.now() - t0) / 1000, leadScale, lead: leadChoice, study: readStudy(o.outDir),
  });
  mkdirSync(o.outDir, { recursive: true });
  writeFileSync(path.join(o.outDir, FILES.float), JSON.stringify(floatFile) + '\n');
  writeFileSync(path.join(o.outDir, FILES.tflite), bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(path.join(o.outDir, FILES.card), JSON.stringify({ ...card, sha256 }, null, 2) + '\n');
  return { table, card, files: FILES, outDir: o.outDir };
}

/** `<dir>/pack.study.json` (scripts/pack-study.ts report --write), or null when absent or unreadable. */
function readStudy(dir: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(path.join(dir, FILES.study), 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
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
  const table = buildTable(ds.test, { gnn: gt.cell, int8: it.cell, perCell: pt.cell, int8Lead: it.lead, packFloat: gt.pack, packInt8: it.pack },
    { gnn: f.gnn.thresholds.float, int8: f.gnn.thresholds.int8, perCell: f.perCell.threshold, rule: f.ruleThreshold }, { scale: f.leadScale ?? 1, valConstant: f.lead?.valConstant ?? HORIZON }, f.seed);
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

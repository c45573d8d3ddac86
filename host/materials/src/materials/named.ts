/**
 * `materials predict --model NAME`: which of the models the card lists can predict. A card written
 * by card.ts lists exactly the runnable ones in `models` (`selected`, `median`, `obelix-rf`; the
 * graph networks are in `notRunnable` with the reason). Older cards listed more:
 * - the shipped model (`materials.model.json`, `selected` or its `kind`);
 * - `obelix-rf`: the OBELiX-features forest, trained at predict time (obelix-rf.ts);
 * - `median`: the training median (the boosted trees' initial value), with the card's grouped-CV
 *   RMSE of the median baseline on exact rows as its (global) uncertainty.
 * Every other listed model (rf, gbt, mlp, mlp-cens, and the graph networks gnn-cens,
 * gnn-state-cens, gnn-resid-gbt-cens) was trained inside the CV runs only; no weights are
 * committed, so predicting with one needs a training run first (issue 16). Asking for one is a
 * one-line error naming that, not a silent substitution.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, UsageError } from '@dendra/core/errors.ts';
import { parseComposition } from './obelix.ts';
import { CARD_FILE, fileMedian, type MaterialsModelFile, type Prediction } from './model.ts';
import type { MaterialRow } from './features.ts';
import { OBELIX_RF_TREES, obelixElements, obelixForestPredict } from './obelix-rf.ts';

interface CardRow { model: string; protocol?: string; subset?: string; exact?: { rmse?: { value: number } } }

/**
 * Names of every model the card lists, sorted: its `models` list (cards from card.ts), else (older
 * cards) the CV table and graph-network tables. Never throws.
 */
export function listedModels(card: Record<string, unknown>): string[] {
  const names = new Set<string>();
  if (Array.isArray(card.models)) return (card.models as { name?: unknown }[]).flatMap((m) => (typeof m?.name === 'string' ? [m.name] : [])).sort();
  for (const r of (card.cv as CardRow[] | undefined) ?? []) names.add(r.model);
  for (const [k, v] of Object.entries(card)) {
    if (!k.startsWith('gnn') || typeof v !== 'object' || v === null) continue;
    for (const r of ((v as { rows?: CardRow[] }).rows ?? [])) names.add(r.model);
  }
  return [...names].sort();
}

/** Reads the card beside a model file ({} when absent). @throws InputError `E_MODEL` when not JSON. */
export function readCard(dir: string): Record<string, unknown> {
  const path = join(dir, CARD_FILE);
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new InputError('E_MODEL', `${path}: not valid JSON (${e instanceof Error ? e.message : String(e)})`, path);
  }
}

/** The card's RMSE of the median baseline on exact rows (`medianRmse`, or the old grouped-CV table), or null when the card has none. Never throws. */
export function medianRmse(card: Record<string, unknown>): number | null {
  if (typeof card.medianRmse === 'number') return card.medianRmse;
  const row = ((card.cv as CardRow[] | undefined) ?? []).find((r) => r.model === 'median' && r.protocol === 'grouped' && r.subset === 'all');
  return row?.exact?.rmse?.value ?? null;
}

/**
 * Gives rows that fell back to the training median without calibrated intervals (older model
 * files) the median baseline's own uncertainty (the card's grouped-CV RMSE of the median), instead
 * of the failed sub-model's. Never throws.
 */
export function withMedianUncertainty(preds: readonly Prediction[], card: Record<string, unknown>): Prediction[] {
  const u = medianRmse(card);
  return u === null ? [...preds] : preds.map((p) => (p.fallback === 'median' && p.interval68 === null ? { ...p, uncertainty: u } : p));
}

/** How `--model NAME` predicts: with the model file, or with the training median. */
export type NamedModel = { name: string; use: 'file' } | { name: 'median'; use: 'median'; median: number; rmse: number } | { name: 'obelix-rf'; use: 'obelix-rf' };

/**
 * Resolves `--model NAME` against the model file in the directory and its card.
 * @throws UsageError for a name the card does not list (naming the listed ones); InputError
 *   `E_MODEL_NOT_BUILT` for a listed model with no committed weights.
 */
export function resolveNamedModel(name: string, file: MaterialsModelFile, card: Record<string, unknown>): NamedModel {
  if (name === file.kind || name === 'selected') return { name, use: 'file' };
  const listed = listedModels(card);
  if (!listed.includes(name)) throw new UsageError(`--model: '${name}' is neither a model directory nor a model the card lists (${[...new Set([file.kind, ...listed])].join(', ')})`);
  if (name === 'median') {
    const median = fileMedian(file);
    const rmse = medianRmse(card);
    if (median !== null && rmse !== null) return { name, use: 'median', median, rmse };
  }
  if (name === 'obelix-rf') return { name, use: 'obelix-rf' };
  throw new InputError('E_MODEL_NOT_BUILT', `--model ${name}: listed in the card (cross-validated only) but no weights are committed; only ${file.kind}, median and obelix-rf predict`);
}

/** Replaces each prediction by the training median (per-row errors kept). Never throws. */
export function asMedian(preds: readonly Prediction[], m: Extract<NamedModel, { use: 'median' }>): Prediction[] {
  return preds.map((p) => ({ ...p, log10Sigma: m.median, sigma: 10 ** m.median, uncertainty: m.rmse, uncertaintyKind: 'cv-rmse', uncertaintyScope: 'global', interval68: null, interval90: null,
    features: 'median', fallback: null }));
}

/**
 * Replaces each prediction by the OBELiX-features forest trained on `train` (cached; the first run
 * takes seconds, announced through `note`). A row whose composition cannot be parsed keeps its
 * per-row error and gets no forest prediction; elements outside the forest's columns are named in
 * the row's error (their amounts are dropped, as the benchmark's columns do not include them).
 * No per-row uncertainty (null). Never throws for a bad row; @throws RangeError for `trees` < 1.
 */
export function obelixPredictions(preds: readonly Prediction[], rows: readonly MaterialRow[], train: readonly MaterialRow[], note: (m: string) => void, trees = OBELIX_RF_TREES): Prediction[] {
  if (!(Number.isInteger(trees) && trees >= 1)) throw new RangeError(`trees ${trees} must be an integer >= 1`);
  const known = new Set(obelixElements(train));
  const ok: number[] = [];
  const errs = rows.map((r, i) => {
    try {
      const unknown = [...parseComposition(r.trueComposition).keys()].filter((e) => !known.has(e)).sort();
      ok.push(i);
      return unknown.length > 0 ? `element${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} outside the forest's columns (amounts dropped)` : null;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  });
  note(`obelix-rf: ${trees}-tree forest on the OBELiX training split (cached after the first run, a few seconds)`);
  const p = obelixForestPredict(train, ok.map((i) => rows[i]), trees, 0);
  const got = new Map(ok.map((i, k) => [i, p[k]]));
  return preds.map((x, i) => {
    const v = got.get(i) ?? null;
    return { ...x, log10Sigma: v, sigma: v === null ? null : 10 ** v, uncertainty: null, uncertaintyKind: 'none', uncertaintyScope: 'global', interval68: null, interval90: null,
      features: 'composition', error: errs[i], fallback: null };
  });
}

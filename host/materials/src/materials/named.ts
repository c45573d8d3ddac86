/**
 * `materials predict --model NAME`: which of the models the card lists can predict from the
 * committed artifacts without training. Only two can:
 * - the shipped model (`materials.model.json`, its `kind`, gbt-cens today);
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
import { CARD_FILE, trainingMedian, type MaterialsModelFile, type Prediction } from './model.ts';

interface CardRow { model: string; protocol?: string; subset?: string; exact?: { rmse?: { value: number } } }

/** Names of every model the card lists (CV table and graph-network tables), sorted. Never throws. */
export function listedModels(card: Record<string, unknown>): string[] {
  const names = new Set<string>();
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

/** The card's grouped-CV RMSE of the median baseline on exact rows, or null when the card has none. Never throws. */
export function medianRmse(card: Record<string, unknown>): number | null {
  const row = ((card.cv as CardRow[] | undefined) ?? []).find((r) => r.model === 'median' && r.protocol === 'grouped' && r.subset === 'all');
  return row?.exact?.rmse?.value ?? null;
}

/**
 * Gives rows that fell back to the training median the median baseline's own uncertainty (the
 * card's grouped-CV RMSE of the median), instead of the failed sub-model's. Never throws.
 */
export function withMedianUncertainty(preds: readonly Prediction[], card: Record<string, unknown>): Prediction[] {
  const u = medianRmse(card);
  return u === null ? [...preds] : preds.map((p) => (p.fallback === 'median' ? { ...p, uncertainty: u } : p));
}

/** How `--model NAME` predicts: with the model file, or with the training median. */
export type NamedModel = { name: string; use: 'file' } | { name: 'median'; use: 'median'; median: number; rmse: number };

/**
 * Resolves `--model NAME` against the model file in the directory and its card.
 * @throws UsageError for a name the card does not list (naming the listed ones); InputError
 *   `E_MODEL_NOT_BUILT` for a listed model with no committed weights.
 */
export function resolveNamedModel(name: string, file: MaterialsModelFile, card: Record<string, unknown>): NamedModel {
  if (name === file.kind) return { name, use: 'file' };
  const listed = listedModels(card);
  if (!listed.includes(name)) throw new UsageError(`--model: '${name}' is neither a model directory nor a model the card lists (${[...new Set([file.kind, ...listed])].join(', ')})`);
  if (name === 'median') {
    const median = trainingMedian(file.composition);
    const rmse = medianRmse(card);
    if (median !== null && rmse !== null) return { name, use: 'median', median, rmse };
  }
  throw new InputError('E_MODEL_NOT_BUILT', `--model ${name}: listed in the card (cross-validated only) but no weights are committed; only ${file.kind} and median predict without training`);
}

/** Replaces each prediction by the training median (per-row errors kept). Never throws. */
export function asMedian(preds: readonly Prediction[], m: Extract<NamedModel, { use: 'median' }>): Prediction[] {
  return preds.map((p) => ({ ...p, log10Sigma: m.median, sigma: 10 ** m.median, uncertainty: m.rmse, uncertaintyKind: 'cv-rmse', uncertaintyScope: 'global',
    features: 'median', fallback: null }));
}

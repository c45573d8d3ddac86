/**
 * Grouped cross-validation folds for OBELiX. Rows that share a source paper (any DOI in common;
 * the DOI field may hold several DOIs separated by `|`) or the same normalized reduced formula of
 * `True Composition` ({@link compositionKey}: `Li3.0N1.0` == `Li6.0N2.0` == `N1Li3`) are linked;
 * groups are the connected components of that relation (union-find). No group is ever split
 * across folds, so near-duplicate measurements cannot leak between train and validation.
 *
 * Grouping by the normalized formula replaced grouping by the exact string on 2026-12-07: the
 * cross-validated figures in models/materials/materials.card.json predate it (see docs/materials.md).
 */
import { mulberry32 } from '@dendra/core/random.ts';
import { parseComposition } from './obelix.ts';

/** What grouping needs from a row. */
export interface GroupableRow {
  readonly doi: string;
  readonly trueComposition: string;
}

/** Disjoint-set forest with path halving and union by size. */
class UnionFind {
  private readonly parent: number[];
  private readonly size: number[];
  constructor(n: number) {
    this.parent = Array.from({ length: n }, (_, i) => i);
    this.size = new Array<number>(n).fill(1);
  }
  find(x: number): number {
    while (this.parent[x] !== x) {
      this.parent[x] = this.parent[this.parent[x]];
      x = this.parent[x];
    }
    return x;
  }
  union(a: number, b: number): void {
    let ra = this.find(a), rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra] < this.size[rb]) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] += this.size[rb];
  }
}

/** DOIs of a row: split on `|`, trimmed, lower-cased (DOIs are case-insensitive), empties dropped. */
export function splitDois(field: string): string[] {
  return field.split('|').map((d) => d.trim().toLowerCase()).filter((d) => d.length > 0);
}

/**
 * The normalized reduced formula of a composition: element amounts divided by their sum (so any
 * multiple of a formula gives the same key), rounded to 6 decimals, elements sorted by symbol,
 * e.g. `Li:0.750000 N:0.250000` for `Li3.0N1.0`, `Li6.0N2.0` and `N1Li3`. A composition that does
 * not parse keys by its trimmed text (so it still groups with identical strings); empty gives ''.
 * Never throws.
 */
export function compositionKey(formula: string): string {
  const text = formula.trim();
  if (text.length === 0) return '';
  let amounts: Map<string, number>;
  try {
    amounts = parseComposition(text);
  } catch {
    return `text:${text}`;
  }
  const total = [...amounts.values()].reduce((a, b) => a + b, 0);
  if (!(total > 0) || !Number.isFinite(total)) return `text:${text}`;
  return [...amounts.entries()].filter(([, v]) => v > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([e, v]) => `${e}:${(v / total).toFixed(6)}`).join(' ');
}

/**
 * Group ids per row (0..nGroups-1, numbered by first appearance).
 * Keys linking rows: each DOI and the normalized reduced formula of `True Composition`
 * ({@link compositionKey}; empty compositions link nothing). Never throws.
 */
export function groupRows(rows: readonly GroupableRow[]): { groupOf: number[]; nGroups: number } {
  const uf = new UnionFind(rows.length);
  const firstByKey = new Map<string, number>();
  const link = (key: string, i: number): void => {
    const j = firstByKey.get(key);
    if (j === undefined) firstByKey.set(key, i);
    else uf.union(i, j);
  };
  rows.forEach((r, i) => {
    for (const d of splitDois(r.doi)) link(`doi:${d}`, i);
    const c = compositionKey(r.trueComposition);
    if (c.length > 0) link(`comp:${c}`, i);
  });
  const idOfRoot = new Map<number, number>();
  const groupOf = rows.map((_, i) => {
    const root = uf.find(i);
    let id = idOfRoot.get(root);
    if (id === undefined) idOfRoot.set(root, (id = idOfRoot.size));
    return id;
  });
  return { groupOf, nGroups: idOfRoot.size };
}

/**
 * Assign whole groups to `k` folds, balancing row counts: groups are shuffled with `seed`
 * (Fisher-Yates), stably sorted by size (largest first), and each is given to the fold with the
 * fewest rows so far (lowest index on ties). Deterministic for a given (rows, k, seed).
 * @returns fold index (0..k-1) per row.
 * @throws RangeError when `k` is not an integer >= 2 or exceeds the number of groups.
 */
export function groupedFolds(rows: readonly GroupableRow[], k = 5, seed = 0): number[] {
  const { groupOf, nGroups } = groupRows(rows);
  if (!(Number.isInteger(k) && k >= 2)) throw new RangeError(`fold count ${k} is not an integer >= 2`);
  if (k > nGroups) throw new RangeError(`fold count ${k} exceeds the ${nGroups} groups`);
  const sizes = new Array<number>(nGroups).fill(0);
  for (const g of groupOf) sizes[g]++;
  const order = Array.from({ length: nGroups }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  order.sort((a, b) => sizes[b] - sizes[a]);
  const load = new Array<number>(k).fill(0);
  const foldOfGroup = new Array<number>(nGroups);
  for (const g of order) {
    let best = 0;
    for (let f = 1; f < k; f++) if (load[f] < load[best]) best = f;
    foldOfGroup[g] = best;
    load[best] += sizes[g];
  }
  return groupOf.map((g) => foldOfGroup[g]);
}

/**
 * Exact Shapley values of a game of n players, computed as the board computes them
 * (firmware/assembly/app/shapley.ts): every coalition's value once, in mask order (bit p = player p
 * present), then for each player p
 *   phi[p] = sum over S without p, in mask order, of w(|S|) * (v(S + p) - v(S)),  w(s) = s! (n-1-s)! / n!,
 * with the same f64 operations in the same order, so a board and its host mirror agree bit for bit
 * when their values do. The ranking of the alert's `top` is here too ({@link topPlayers}).
 */
import { InputError } from '@dendra/core/errors.ts';

/** Most players the board accepts (firmware SHAP_MAX_PLAYERS: 2^10 = 1024 inferences). */
export const MAX_PLAYERS = 10;
/** Entries of an alert's `top` (firmware SHAP_TOP). */
export const TOP_K = 3;

/** s! as the board computes it (successive f64 products; exact for s <= 18). */
function fact(s: number): number {
  let f = 1;
  for (let k = 2; k <= s; k++) f *= k;
  return f;
}

/**
 * The value of every coalition, index = presence mask.
 * @throws InputError `E_USAGE` when n is not in 1..{@link MAX_PLAYERS}; whatever `value` throws.
 */
export function coalitionValues(n: number, value: (presentMask: number) => number): Float64Array {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PLAYERS) throw new InputError('E_USAGE', `exact Shapley needs 1..${MAX_PLAYERS} players, got ${n}`);
  const v = new Float64Array(1 << n);
  for (let m = 0; m < 1 << n; m++) v[m] = value(m);
  return v;
}

/**
 * Exact Shapley values from a table of coalition values (length 2^n), in the board's order.
 * @throws InputError `E_USAGE` when the table's length is not 2^n for n in 1..{@link MAX_PLAYERS}.
 */
export function shapleyFromValues(v: ArrayLike<number>): Float64Array {
  const n = Math.log2(v.length);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PLAYERS) throw new InputError('E_USAGE', `a table of ${v.length} coalition values is not 2^n for n in 1..${MAX_PLAYERS}`);
  const phi = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    let acc = 0;
    for (let m = 0; m < 1 << n; m++) {
      if ((m >> p) & 1) continue;
      let s = 0;
      for (let b = m; b; b &= b - 1) s++;
      acc += ((fact(s) * fact(n - 1 - s)) / fact(n)) * (v[m | (1 << p)] - v[m]);
    }
    phi[p] = acc;
  }
  return phi;
}

/**
 * Exact Shapley values of the game `value` over n players (2^n calls of `value`).
 * @throws InputError `E_USAGE` when n is not in 1..{@link MAX_PLAYERS}; whatever `value` throws.
 */
export function exactShapley(n: number, value: (presentMask: number) => number): Float64Array {
  return shapleyFromValues(coalitionValues(n, value));
}

/**
 * The `k` players with the largest |value|, largest first, ties broken by the lower index (the
 * board's order). Returns min(k, values.length) indices; never throws.
 */
export function topPlayers(values: ArrayLike<number>, k = TOP_K): number[] {
  const idx = Array.from({ length: values.length }, (_, p) => p);
  idx.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]) || a - b);
  return idx.slice(0, k);
}

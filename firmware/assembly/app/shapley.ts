// Exact Shapley attribution of a raised alert (CONTRACTS.md "Alert attribution"), shared by the grid
// and pack apps. A game of n players on the resident model's int8 input: the value of coalition S
// is the app's alert quantity read from the output after one inference with every player outside S
// set to its baseline (the app's `occlude`). All 2^n coalitions are run once each, in mask order
// (bit p = player p present) into a table of values, then for each player p
//   phi[p] = sum over S without p, in mask order, of w(|S|) * (v(S + p) - v(S)),  w(s) = s! (n - 1 - s)! / n!
// (a player that never changes the value gets exactly 0). The host mirror (shapleyValues in
// host/models/src/grid/attrib.ts) does the same f64 steps in the same order, so the two agree
// bit for bit. Bounded loops, no allocation: static buffers.

import { modelInputPtr, modelInvoke } from "../interp/interpreter";
import * as S from "../status";

/** Most players (2^10 = 1024 inferences); a larger game is refused with E_TOO_MANY. */
export const SHAP_MAX_PLAYERS: i32 = 10;
/** Entries reported per alert (fewer when the game has fewer players). */
export const SHAP_TOP: i32 = 3;
/** Largest model input the attribution saves and restores (the pack's 32 x 390; the grid's 16 x 512 is smaller). */
const SAVED_CAP: i32 = 12480;

const phi: usize = memory.data(8 * SHAP_MAX_PLAYERS);
const topIdx: usize = memory.data(4 * SHAP_TOP);
const saved: usize = memory.data(SAVED_CAP);
/** v(S) per coalition mask (f64). */
const vals: usize = memory.data(8 << SHAP_MAX_PLAYERS);
let topCount: i32 = 0;

/** s! as f64 (exact for s <= 18). */
function fact(s: i32): f64 {
  let f: f64 = 1;
  for (let k = 2; k <= s; k++) f *= <f64>k;
  return f;
}

/**
 * Exact Shapley values of the game described above: `occlude(p)` sets player p's inputs to the
 * baseline (the input holds the original values before each coalition), `value()` reads the
 * game's value from the output of the inference just run. `bytes` is the input's size; the input
 * is restored byte for byte afterwards (the output holds the last coalition's run, all players
 * present). Then shapCount/shapPlayer/shapValue give the top SHAP_TOP players by |phi| (ties:
 * lower player). 2^n inferences.
 *
 * Returns OK; E_TOO_MANY when n is not in 1..SHAP_MAX_PLAYERS or the input exceeds the save
 * buffer; otherwise the failing modelInvoke status. On any failure shapCount() is 0.
 */
export function shapley(n: i32, bytes: i32, occlude: (p: i32) => void, value: () => f64): i32 {
  topCount = 0;
  const inp = modelInputPtr();
  if (n < 1 || n > SHAP_MAX_PLAYERS || bytes > SAVED_CAP) return S.E_TOO_MANY;
  memory.copy(saved, inp, bytes);
  let st = S.OK;
  for (let m = 0; m < 1 << n; m++) {
    memory.copy(inp, saved, bytes);
    for (let p = 0; p < n; p++) if (((m >> p) & 1) == 0) occlude(p);
    st = modelInvoke();
    if (st != S.OK) break;
    store<f64>(vals + 8 * m, value());
  }
  memory.copy(inp, saved, bytes);
  if (st != S.OK) return st;
  for (let p = 0; p < n; p++) {
    let acc: f64 = 0;
    for (let m = 0; m < 1 << n; m++) {
      if ((m >> p) & 1) continue;
      const s = popcnt(m);
      acc += fact(s) * fact(n - 1 - s) / fact(n) * (load<f64>(vals + 8 * (m | (1 << p))) - load<f64>(vals + 8 * m));
    }
    store<f64>(phi + 8 * p, acc);
  }
  const k = min<i32>(SHAP_TOP, n);
  for (let i = 0; i < k; i++) {
    let best: i32 = -1;
    for (let p = 0; p < n; p++) {
      let taken = false;
      for (let j = 0; j < i; j++) if (load<i32>(topIdx + 4 * j) == p) taken = true;
      if (!taken && (best < 0 || Math.abs(load<f64>(phi + 8 * p)) > Math.abs(load<f64>(phi + 8 * best)))) best = p;
    }
    store<i32>(topIdx + 4 * i, best);
  }
  topCount = k;
  return S.OK;
}

/** Top entries of the last shapley() (0 after a failure or before any). */
export function shapCount(): i32 {
  return topCount;
}

/** Player of top entry i (0 = largest |phi|); no bounds check: i < shapCount(). */
export function shapPlayer(i: i32): i32 {
  return load<i32>(topIdx + 4 * i);
}

/** Shapley value of top entry i (the app's unit); no bounds check: i < shapCount(). */
export function shapValue(i: i32): f64 {
  return load<f64>(phi + 8 * shapPlayer(i));
}

/** Shapley value of player p of the last successful shapley() (tests; no bounds check). */
export function shapPhi(p: i32): f64 {
  return load<f64>(phi + 8 * p);
}

// Graph checks and the static arena plan. Constant tensors stay in the model bytes; every other
// tensor used by the graph gets an arena slot, placed greedily by size (largest first) at the
// lowest offset that does not overlap a placed tensor whose lifetime overlaps (TFLite Micro's
// GreedyMemoryPlanner idea). Lifetimes are op indices [first, last]: the graph input lives for
// the whole invocation (so the caller's input survives modelInvoke and a second invoke gives the
// same result), the graph output until the last op. Static tables only; loops bounded by MAX_TENSORS.

import * as S from "../status";
import {
  MAX_TENSORS, MAX_OP_INPUTS, nTensors, nOps, gInput, gOutput, oIn, oNIn, oOut, tConst, tBytes,
} from "../tflite/model";
import { Table } from "../table";

/** Arena slots are aligned to this many bytes. */
export const ARENA_ALIGN: i32 = 16;

const first = changetype<Table<i32>>(memory.data(MAX_TENSORS * <i32>sizeof<i32>(), 8)); // -1 = not in the arena
const last = changetype<Table<i32>>(memory.data(MAX_TENSORS * <i32>sizeof<i32>(), 8));
const offset = changetype<Table<i32>>(memory.data(MAX_TENSORS * <i32>sizeof<i32>(), 8));
const placed = changetype<Table<i32>>(memory.data(MAX_TENSORS * <i32>sizeof<i32>(), 8)); // tensor indices in placement order
let nPlaced: i32 = 0;
let arenaUsed: i32 = 0;

/** Arena bytes needed by the last successful planArena(). */
export function planArenaBytes(): i32 {
  return arenaUsed;
}

/** Arena offset of tensor `t`, or -1 when it is constant or unused. */
export function planOffset(t: i32): i32 {
  return unchecked(first[t]) < 0 ? -1 : unchecked(offset[t]);
}

function alignUp(v: i32): i32 {
  return (v + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
}

/** Marks tensor `t` used by op `o` as an input; E_GRAPH when it is not available yet. */
function useInput(t: i32, o: i32): i32 {
  if (unchecked(tConst[t]) != 0) return S.OK;
  if (unchecked(first[t]) < 0) return S.E_GRAPH; // neither constant, graph input nor produced
  if (o > unchecked(last[t])) unchecked(last[t] = o);
  return S.OK;
}

/**
 * Checks that the operators run in order: every input is constant, the graph input or the
 * output of an earlier op; every output is written once, is not constant and not the graph
 * input; the graph output is produced. Records lifetimes. Returns OK or E_GRAPH.
 */
export function planLifetimes(): i32 {
  for (let t = 0; t < nTensors; t++) {
    unchecked(first[t] = -1);
    unchecked(last[t] = -1);
  }
  if (unchecked(tConst[gInput]) != 0) return S.E_GRAPH;
  unchecked(first[gInput] = 0);
  unchecked(last[gInput] = 0);
  for (let o = 0; o < nOps; o++) {
    const ni = unchecked(oNIn[o]);
    for (let k = 0; k < ni; k++) {
      const t = unchecked(oIn[o * MAX_OP_INPUTS + k]);
      if (t < 0) continue;
      const st = useInput(t, o);
      if (st != S.OK) return st;
    }
    const out = unchecked(oOut[o]);
    if (unchecked(tConst[out]) != 0 || unchecked(first[out]) >= 0) return S.E_GRAPH;
    unchecked(first[out] = o);
    unchecked(last[out] = o);
  }
  if (unchecked(first[gOutput]) < 0 || gOutput == gInput) return S.E_GRAPH;
  const end = nOps > 0 ? nOps - 1 : 0;
  unchecked(last[gOutput] = end);
  unchecked(last[gInput] = end);
  return S.OK;
}

/** True when the lifetimes of tensors a and b overlap. */
function liveTogether(a: i32, b: i32): bool {
  return unchecked(first[a]) <= unchecked(last[b]) && unchecked(first[b]) <= unchecked(last[a]);
}

/** Lowest aligned offset where tensor `t` fits among the placed tensors live with it. */
function lowestFit(t: i32): i32 {
  const size = unchecked(tBytes[t]);
  let off = 0;
  for (let pass = 0; pass <= nPlaced; pass++) {
    let moved = false;
    for (let i = 0; i < nPlaced; i++) {
      const p = unchecked(placed[i]);
      if (!liveTogether(t, p)) continue;
      const po = unchecked(offset[p]);
      const pe = po + unchecked(tBytes[p]);
      if (off < pe && po < off + size) {
        off = alignUp(pe);
        moved = true;
      }
    }
    if (!moved) break;
  }
  return off;
}

/** Next unplaced arena tensor with the most bytes (lowest index on ties), or -1. */
function nextLargest(done: Table<bool>): i32 {
  let best = -1;
  for (let t = 0; t < nTensors; t++) {
    if (unchecked(first[t]) < 0 || unchecked(done[t])) continue;
    if (best < 0 || unchecked(tBytes[t]) > unchecked(tBytes[best])) best = t;
  }
  return best;
}

const doneFlags = changetype<Table<bool>>(memory.data(MAX_TENSORS * <i32>sizeof<bool>(), 8));

/**
 * Places every arena tensor (after planLifetimes). Returns OK, or E_ARENA when the plan needs
 * more than `cap` bytes (planArenaBytes() then reports the need).
 */
export function planArena(cap: u32): i32 {
  nPlaced = 0;
  arenaUsed = 0;
  for (let t = 0; t < nTensors; t++) unchecked(doneFlags[t] = false);
  for (let n = 0; n < nTensors; n++) {
    const t = nextLargest(doneFlags);
    if (t < 0) break;
    const off = lowestFit(t);
    unchecked(offset[t] = off);
    unchecked(doneFlags[t] = true);
    unchecked(placed[nPlaced++] = t);
    const end = alignUp(off + unchecked(tBytes[t]));
    if (end > arenaUsed) arenaUsed = end;
  }
  return <u32>arenaUsed > cap ? S.E_ARENA : S.OK;
}

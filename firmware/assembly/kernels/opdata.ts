// Per-operator data computed by the kernels' prepare and read by their eval: a static table of
// NUM_SLOTS i32 parameters per operator (slot meanings are defined by each kernel), plus the
// per-channel multiplier/shift pairs, which live in the arena after the tensors (as TFLite Micro
// keeps them in its arena's persistent section), sized by the model: 8 bytes per channel.

import * as S from "../status";
import { MAX_OPS } from "../tflite/model";
import { Table } from "../table";

/** i32 parameter slots per operator. */
export const NUM_SLOTS: i32 = 16;
/** Arena bytes per channel: an i32 multiplier and an i32 shift. */
export const CHAN_BYTES: i32 = 8;

const params = changetype<Table<i32>>(memory.data((MAX_OPS * NUM_SLOTS) * <i32>sizeof<i32>(), 8));
let chanBase: usize = 0;
let chanCap: i32 = 0;
let chanUsed: i32 = 0;

/** Per-channel multiplier `i` (a plain load, for eval loops). */
// @ts-ignore: decorator
@inline
export function chanMultAt(i: i32): i32 {
  return load<i32>(chanBase + (<usize>i << 3));
}

/** Per-channel shift `i` (a plain load, for eval loops). */
// @ts-ignore: decorator
@inline
export function chanShiftAt(i: i32): i32 {
  return load<i32>(chanBase + (<usize>i << 3), 4);
}

/** Sets per-channel entry `i` (reserved by chanAlloc). */
export function chanSet(i: i32, mult: i32, shift: i32): void {
  store<i32>(chanBase + (<usize>i << 3), mult);
  store<i32>(chanBase + (<usize>i << 3), shift, 4);
}

/** Parameter `slot` of operator `o`. */
// @ts-ignore: decorator
@inline
export function getP(o: i32, slot: i32): i32 {
  // A plain load (not StaticArray's __uget, which -Os/-Oz leave as a call): read in eval loops.
  return load<i32>(changetype<usize>(params) + (<usize>(o * NUM_SLOTS + slot) << 2));
}

/** Sets parameter `slot` of operator `o`. */
// @ts-ignore: decorator
@inline
export function setP(o: i32, slot: i32, v: i32): void {
  unchecked(params[o * NUM_SLOTS + slot] = v);
}

/** Kernel init: zeroes operator `o`'s parameters. */
export function opDataInit(o: i32): void {
  for (let s = 0; s < NUM_SLOTS; s++) setP(o, s, 0);
}

/**
 * Frees every per-channel entry and places the pool at `base` with room for `cap` channels (call
 * before preparing a new model; the interpreter reserves the room in the arena).
 */
export function chanReset(base: usize, cap: i32): void {
  chanBase = base;
  chanCap = cap;
  chanUsed = 0;
}

/** Reserves `n` per-channel entries; returns the first index, or E_TOO_MANY when full. */
export function chanAlloc(n: i32): i32 {
  if (n < 0 || n > chanCap - chanUsed) return S.E_TOO_MANY;
  const base = chanUsed;
  chanUsed += n;
  return base;
}

// Per-operator data computed by the kernels' prepare and read by their eval: static tables
// (no allocation), NUM_SLOTS i32 parameters per operator plus a shared pool of per-channel
// multipliers and shifts. Slot meanings are defined by each kernel.

import * as S from "../status";
import { MAX_OPS } from "../tflite/model";

/** i32 parameter slots per operator. */
export const NUM_SLOTS: i32 = 16;
/** Per-channel multiplier/shift pairs shared by all operators of a model. */
export const MAX_CHANNELS: i32 = 1024;

const params = new StaticArray<i32>(MAX_OPS * NUM_SLOTS);
export const chanMult = new StaticArray<i32>(MAX_CHANNELS);
export const chanShift = new StaticArray<i32>(MAX_CHANNELS);
let chanUsed: i32 = 0;

/** Parameter `slot` of operator `o`. */
// @ts-ignore: decorator
@inline
export function getP(o: i32, slot: i32): i32 {
  return unchecked(params[o * NUM_SLOTS + slot]);
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

/** Frees every per-channel entry (call before preparing a new model). */
export function chanReset(): void {
  chanUsed = 0;
}

/** Reserves `n` per-channel entries; returns the first index, or E_TOO_MANY when full. */
export function chanAlloc(n: i32): i32 {
  if (n < 0 || n > MAX_CHANNELS - chanUsed) return S.E_TOO_MANY;
  const base = chanUsed;
  chanUsed += n;
  return base;
}

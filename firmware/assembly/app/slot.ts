// Model slot: reads the flashed model into the model window and hands it to the interpreter.
// The model region holds two banks (boot/banks.ts, docs/flash-protocol.md); each bank is a
// CONTRACTS.md slot: u32 magic "DMSL" | u32 length | u8[32] sha256 | u32 state | u32 generation,
// data at bank + 4096. The newest committed bank whose SHA-256 matches is loaded; if it fails, the
// other one is, so a half-written or refused image never replaces a good model.

import { flash_read, flash_region, REGION_MODEL, REGION_JOURNAL, flash_write } from "../hal/flash";
import { board_arena_limit } from "../hal/board";
import { modelLoad } from "../interp/interpreter";
import {
  banksConfigure, bankDataCap, bankNewest, bankGen, bankLen, bankVerify, bankSetActive,
} from "../boot/banks";
import * as S from "../status";

export { SLOT_MAGIC, SLOT_VALID, SLOT_HEADER_BYTES } from "../boot/banks";
/** Largest model the RAM window holds (the spine grid model is a few KiB). */
export const MAX_MODEL_WINDOW: u32 = 65536;

let windowPtr: usize = 0;
let windowCap: u32 = 0;
let arenaPtr: usize = 0;
let arenaCap: u32 = 0;
let modelAddr: u32 = 0;
let modelSize: u32 = 0;
const region: usize = memory.data(8);

/** Allocates the model window (one bank's data capacity, capped) and the arena once, at boot. Status. */
export function slotInit(): i32 {
  if (windowPtr != 0) return S.OK;
  if (flash_region(REGION_MODEL, region) < 0) return S.E_FLASH;
  modelAddr = load<u32>(region);
  modelSize = load<u32>(region, 4);
  banksConfigure(modelAddr, modelSize);
  if (bankDataCap() == 0) return S.E_FLASH;
  // The model is read in place from this window; a board with memory-mapped flash maps it instead.
  windowCap = min<u32>(bankDataCap(), MAX_MODEL_WINDOW);
  windowPtr = heap.alloc(<usize>windowCap);
  arenaCap = board_arena_limit();
  arenaPtr = heap.alloc(<usize>arenaCap);
  return S.OK;
}

/** The model window (where the flatbuffer is read in place) and its capacity. */
export function slotWindowPtr(): usize { return windowPtr; }
export function slotWindowCap(): u32 { return windowCap; }
/** Flash address of the model region (bank 0's header sector first). */
export function slotRegionAddr(): u32 { return modelAddr; }
/** Size of the model region (both banks). */
export function slotRegionSize(): u32 { return modelSize; }
/** Arena given to the interpreter. */
export function slotArenaPtr(): usize { return arenaPtr; }
export function slotArenaCap(): u32 { return arenaCap; }

/** Verifies bank i (header, SHA-256) into the window and loads it; marks it active on success. */
function loadBank(i: i32): i32 {
  const st = bankVerify(i, windowPtr, windowCap);
  if (st != S.OK) return st;
  const m = modelLoad(windowPtr, bankLen(i), arenaPtr, arenaCap);
  if (m == S.OK) bankSetActive(i);
  return m;
}

/**
 * Loads the model stored in the slot: the newest committed bank, or the other committed bank
 * when the newest fails its SHA-256 or the interpreter refuses it. Returns OK, E_NO_MODEL when
 * no bank is committed, or the newest bank's failure when neither loads.
 */
export function slotLoad(): i32 {
  bankSetActive(-1);
  if (windowPtr == 0) return S.E_NO_MODEL;
  const first = bankNewest();
  if (first < 0) return S.E_NO_MODEL;
  const st = loadBank(first);
  if (st == S.OK) return S.OK;
  const other = 1 - first;
  if (bankGen(other) != 0 && loadBank(other) == S.OK) return S.OK;
  return st;
}

/**
 * Boot counter kept in the journal region's first sector as cleared bits (NOR-friendly: one bit
 * per boot, no erase). Returns the number of this boot (1-based), or 0 if flash is unavailable.
 */
export function bootCount(): u32 {
  if (flash_region(REGION_JOURNAL, region) < 0) return 0;
  const base = load<u32>(region);
  const size = min<u32>(load<u32>(region, 4), 4096);
  const word: usize = memory.data(4);
  for (let off: u32 = 0; off < size; off += 4) {
    if (flash_read(base + off, word, 4) < 0) return 0;
    const w = load<u32>(word);
    if (w != 0) {
      const used = <u32>popcnt<u32>(~w);
      const next = w & (w - 1); // clear the lowest set bit
      store<u32>(word, next);
      if (flash_write(base + off, word, 4) < 0) return 0;
      return off * 8 + used + 1;
    }
  }
  return size * 8; // saturated: keep running with the last number
}

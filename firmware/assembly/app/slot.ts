// Model slot: reads the flashed model into the model window and hands it to the interpreter.
// Slot header (CONTRACTS.md): u32 magic "DMSL" | u32 length | u8[32] sha256 | u32 state; data at +4096.

import { flash_read, flash_region, REGION_MODEL, REGION_JOURNAL, flash_write } from "../hal/flash";
import { crypto_sha256 } from "../hal/crypto";
import { board_arena_limit } from "../hal/board";
import { modelLoad } from "../interp/interpreter";
import * as S from "../status";

export const SLOT_MAGIC: u32 = 0x4c534d44;
export const SLOT_VALID: u32 = 0x0000a5a5;
export const SLOT_HEADER_BYTES: u32 = 4096;
/** Largest model the RAM window holds (the spine grid model is a few KiB). */
export const MAX_MODEL_WINDOW: u32 = 65536;

let windowPtr: usize = 0;
let windowCap: u32 = 0;
let arenaPtr: usize = 0;
let arenaCap: u32 = 0;
let modelAddr: u32 = 0;
let modelSize: u32 = 0;
const header: usize = memory.data(48);
const digest: usize = memory.data(32);
const region: usize = memory.data(8);

/** Allocates the model window (model region minus header) and the arena once, at boot. Status. */
export function slotInit(): i32 {
  if (windowPtr != 0) return S.OK;
  if (flash_region(REGION_MODEL, region) < 0) return S.E_FLASH;
  modelAddr = load<u32>(region);
  modelSize = load<u32>(region, 4);
  if (modelSize <= SLOT_HEADER_BYTES) return S.E_FLASH;
  // The model is read in place from this window; a board with memory-mapped flash maps it instead.
  windowCap = min<u32>(modelSize - SLOT_HEADER_BYTES, MAX_MODEL_WINDOW);
  windowPtr = heap.alloc(<usize>windowCap);
  arenaCap = board_arena_limit();
  arenaPtr = heap.alloc(<usize>arenaCap);
  return S.OK;
}

/** The model window (where the flatbuffer is read in place) and its capacity. */
export function slotWindowPtr(): usize { return windowPtr; }
export function slotWindowCap(): u32 { return windowCap; }
/** Flash address of the model region (header sector first). */
export function slotRegionAddr(): u32 { return modelAddr; }
/** Arena given to the interpreter. */
export function slotArenaPtr(): usize { return arenaPtr; }
export function slotArenaCap(): u32 { return arenaCap; }

/**
 * Loads the model stored in the slot: header checks, read into the window, SHA-256 check, then
 * the interpreter validates and plans it. Returns OK, E_NO_MODEL for an empty slot, or the failure.
 */
export function slotLoad(): i32 {
  if (windowPtr == 0) return S.E_NO_MODEL;
  if (flash_read(modelAddr, header, 44) < 0) return S.E_FLASH;
  if (load<u32>(header, 40) != SLOT_VALID) return S.E_NO_MODEL;
  if (load<u32>(header) != SLOT_MAGIC) return S.E_BAD_MAGIC;
  const len = load<u32>(header, 4);
  if (len == 0 || len > windowCap) return S.E_TOO_LARGE;
  if (flash_read(modelAddr + SLOT_HEADER_BYTES, windowPtr, len) < 0) return S.E_FLASH;
  if (crypto_sha256(windowPtr, len, digest) < 0) return S.E_HASH;
  for (let i: u32 = 0; i < 32; i++) {
    if (load<u8>(digest + i) != load<u8>(header + 8 + i)) return S.E_HASH;
  }
  return modelLoad(windowPtr, len, arenaPtr, arenaCap);
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

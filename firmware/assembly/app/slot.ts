// Model slot: reads the flashed model into the model window and hands it to the interpreter.
// The model region holds two banks (boot/banks.ts, docs/flash-protocol.md); each bank is a
// CONTRACTS.md slot: u32 magic "DMSL" | u32 length | u8[32] sha256 | u32 state | u32 generation,
// data at bank + 4096. The newest committed bank whose SHA-256 matches is loaded; if it fails, the
// other one is, so a half-written or refused image never replaces a good model.
// Two model slots: slot 0 (region 3) the grid model, slot 2 (region 5, packModel) the pack model.
// Each has its own RAM window where its flatbuffer is read in place; they share one arena and
// the one interpreter. When the arena holds both models' tensors plus one interpreter state record
// (interp/interpreter.ts INTERP_STATE_BYTES), both stay loaded: the pack model's tensors at the
// arena's start, the grid's after them, the parked model's state record at the arena's end, and
// slotUse(slot) exchanges the two states (modelSwap, no parsing). Otherwise, or once another
// modelLoad spoiled the parked record (the bootloader validating a flash), slotUse re-runs
// modelLoad on the other window (time-sharing). The pack app reports its cost (swap_ms).

import { flash_read, flash_region, REGION_MODEL, REGION_JOURNAL, REGION_PACK_MODEL, flash_write } from "../hal/flash";
import { board_arena_limit } from "../hal/board";
import { modelLoad, modelSwap, modelLoads, modelArenaBytes, INTERP_STATE_BYTES } from "../interp/interpreter";
import {
  banksConfigure, banksConfigureSlot, banksSelect, bankDataCap, bankNewest, bankGen, bankLen, bankVerify, bankSetActive,
  bankSha,
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

/** Slot numbers (BEGIN type >> 4). */
export const SLOT_GRID: i32 = 0;
export const SLOT_PACK: i32 = 2;
let packPtr: usize = 0;
let packCap: u32 = 0;
let packAddr: u32 = 0;
let packSize: u32 = 0;
/** Length of the model loaded from each slot (0 = none). */
let gridLen: u32 = 0;
let packLen: u32 = 0;
/** The slot whose model the interpreter holds (-1 none). */
let resident: i32 = -1;
/** The slot whose model is parked in the record at parkPtr (-1 none), and modelLoads() then. */
let parked: i32 = -1;
let parkLoads: u32 = 0;
let parkPtr: usize = 0;
/** The arena the next loadBank gives modelLoad (the whole arena unless both models share it). */
let loadArena: usize = 0;
let loadCap: u32 = 0;

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
  packInit();
  return S.OK;
}

/** The pack slot's region and window, when the board has a packModel region (else no pack slot). */
function packInit(): void {
  if (flash_region(REGION_PACK_MODEL, region) < 0) return;
  packAddr = load<u32>(region);
  packSize = load<u32>(region, 4);
  banksConfigureSlot(SLOT_PACK, packAddr, packSize);
  if (banksSelect(SLOT_PACK) && bankDataCap() > 0) {
    packCap = min<u32>(bankDataCap(), MAX_MODEL_WINDOW);
    packPtr = heap.alloc(<usize>packCap);
  }
  banksSelect(SLOT_GRID);
}

/** The pack slot's window (where its flatbuffer is read in place); 0 when the board has no packModel region. */
export function slotPackWindowPtr(): usize { return packPtr; }
/** Bytes the pack slot's window holds (0 without a packModel region). */
export function slotPackWindowCap(): u32 { return packCap; }
/** Flash address of the board's packModel region (its two banks). */
export function slotPackRegionAddr(): u32 { return packAddr; }
/** Bytes of the board's packModel region (0 without one). */
export function slotPackRegionSize(): u32 { return packSize; }

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

/** Verifies bank i of the selected slot into [win, win+cap) and loads it; marks it active on success. */
function loadBank(i: i32, win: usize, cap: u32): i32 {
  const st = bankVerify(i, win, cap);
  if (st != S.OK) return st;
  const m = modelLoad(win, bankLen(i), loadArena, loadCap);
  if (m == S.OK) bankSetActive(i);
  return m;
}

/** slotLoad for the selected slot and window; returns the status (the loaded length in loadedLen). */
function loadSelected(win: usize, cap: u32): i32 {
  bankSetActive(-1);
  loadedLen = 0;
  if (win == 0) return S.E_NO_MODEL;
  const first = bankNewest();
  if (first < 0) return S.E_NO_MODEL;
  let st = loadBank(first, win, cap);
  let used = first;
  if (st != S.OK) {
    const other = 1 - first;
    if (bankGen(other) == 0 || loadBank(other, win, cap) != S.OK) return st;
    st = S.OK;
    used = other;
  }
  loadedLen = bankLen(used);
  loadedOlder = used != first;
  if (!bankSha(used, shaNow)) memory.fill(shaNow, 0, 32);
  return S.OK;
}
let loadedLen: u32 = 0;
/** Whether the last loadSelected fell back to the older bank (the newest failed). */
let loadedOlder = false;
/** SHA-256 of the model the last loadSelected loaded, and of the last model loaded per slot. */
const shaNow: usize = memory.data(32);
const gridSha: usize = memory.data(32);
const packSha: usize = memory.data(32);
let lastChanged = true;

/** Records the slot's loaded model (or none) and whether it differs from the previous load. */
function noteLoad(st: i32, shaSlot: usize, hadLen: u32, len: u32): void {
  if (st != S.OK) memory.fill(shaNow, 0, 32);
  lastChanged = hadLen != len || memory.compare(shaSlot, shaNow, 32) != 0;
  memory.copy(shaSlot, shaNow, 32);
}

/**
 * True when the last slotLoad / slotLoadPack loaded a different model than the previous load of
 * that slot (or none now): the app then resets its pipeline; false when the same model was reloaded
 * (e.g. after the other slot was flashed), so its state (windows, alerts) carries on.
 */
export function slotLastLoadChanged(): bool { return lastChanged; }

/**
 * Loads the model stored in the slot: the newest committed bank, or the other committed bank
 * when the newest fails its SHA-256 or the interpreter refuses it. Returns OK, E_NO_MODEL when
 * no bank is committed, or the newest bank's failure when neither loads.
 */
export function slotLoad(): i32 {
  banksSelect(SLOT_GRID);
  const had = gridLen;
  let st = S.E_ARENA;
  if (parkPack()) {
    st = loadSelected(windowPtr, windowCap);
    parkLoads = modelLoads();
    // Beside the parked pack model the arena is smaller: a newest bank refused there (E_ARENA) must
    // not fall back to the older bank, which would also be marked active (and erased by the next
    // BEGIN). Retry with the whole arena below instead.
    if (st == S.OK && loadedOlder) st = S.E_ARENA;
  }
  if (st != S.OK) {
    parked = -1;
    loadArena = arenaPtr;
    loadCap = arenaCap;
    st = loadSelected(windowPtr, windowCap);
  }
  gridLen = loadedLen;
  noteLoad(st, gridSha, had, gridLen);
  resident = st == S.OK ? SLOT_GRID : -1;
  return st;
}

/**
 * slotLoad for the pack slot (slot 2) into its own window: the interpreter then holds the pack
 * model. E_NO_MODEL when the board has no pack slot or nothing is committed in it.
 */
export function slotLoadPack(): i32 {
  parked = -1;
  loadArena = arenaPtr;
  loadCap = arenaCap;
  if (packPtr == 0) return S.E_NO_MODEL;
  banksSelect(SLOT_PACK);
  const had = packLen;
  const st = loadSelected(packPtr, packCap);
  packLen = loadedLen;
  noteLoad(st, packSha, had, packLen);
  banksSelect(SLOT_GRID);
  resident = st == S.OK ? SLOT_PACK : -1;
  return st;
}

/**
 * When the pack model was just loaded (resident) and the arena also holds a state record and the
 * grid model's tensors after the pack's, parks the pack model at the arena's end and points the
 * next load (the grid's) at the rest of the arena. False when there is no room (nothing changed).
 */
function parkPack(): bool {
  if (resident != SLOT_PACK) return false;
  const used = (<u64>modelArenaBytes() + 7) & ~(<u64>7);
  const park = (arenaPtr + <usize>arenaCap - <usize>INTERP_STATE_BYTES) & ~(<usize>7);
  if (<u64>arenaCap < used + <u64>INTERP_STATE_BYTES + 8 || <u64>park < <u64>arenaPtr + used) return false;
  parkPtr = park;
  memory.fill(park, 0, <usize>INTERP_STATE_BYTES);
  modelSwap(park); // the pack model parked; the interpreter holds nothing
  parked = SLOT_PACK;
  loadArena = arenaPtr + <usize>used;
  loadCap = <u32>(park - loadArena);
  return true;
}

/** Forgets the pack slot's model (its metadata was refused): slotUse(SLOT_PACK) then fails. */
export function slotDropPack(): void { packLen = 0; }

/**
 * Makes the interpreter hold the model of `slot` (SLOT_GRID or SLOT_PACK), re-running modelLoad
 * on that slot's window (already verified in RAM; read in place) when another model is resident.
 * The arena is shared, so nothing of the other model's tensors survives: call before preparing
 * the input. Returns OK, E_NO_MODEL (nothing loaded from that slot) or modelLoad's status.
 */
export function slotUse(slot: i32): i32 {
  if (slot == resident) return S.OK;
  const len = slot == SLOT_GRID ? gridLen : slot == SLOT_PACK ? packLen : 0;
  if (len == 0) return S.E_NO_MODEL;
  let st = S.OK;
  if (slot == parked && parkLoads == modelLoads()) {
    modelSwap(parkPtr); // both stay loaded: exchange the two state records
    parked = resident;
  } else {
    parked = -1; // a full-arena load overwrites the parked model's tensors
    st = modelLoad(slot == SLOT_GRID ? windowPtr : packPtr, len, arenaPtr, arenaCap);
  }
  resident = st == S.OK ? slot : -1;
  return st;
}

/** Length of the grid model loaded last (0: none). */
export function slotGridLen(): u32 { return gridLen; }
/** SHA-256 (32 bytes) of the grid model loaded last. */
export function slotGridSha(): usize { return gridSha; }
/** Length of the pack model loaded last (0: none, or its metadata was refused). */
export function slotPackLen(): u32 { return packLen; }
/** SHA-256 (32 bytes) of the pack model loaded last. */
export function slotPackSha(): usize { return packSha; }

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

// Firmware entry: the runtime (the simulator, or WAMR on a real SoC) calls fw_init once, then
// fw_tick in its main loop. Nothing here allocates after fw_init.

import { clock_now_ms } from "./hal/clock";
import { pmu_sleep_until } from "./hal/pmu";
import { LOG_INFO, LOG_ERROR, LOG_WARN } from "./hal/log";
import {
  slotInit, slotLoad, bootCount, slotLoadPack, slotDropPack, slotLastLoadChanged,
  slotPackWindowPtr, slotPackWindowCap, slotPackRegionAddr, slotPackRegionSize, SLOT_PACK,
  slotWindowPtr, slotWindowCap, slotRegionAddr, slotRegionSize, slotArenaPtr, slotArenaCap,
} from "./app/slot";
import { metaParse } from "./app/meta";
import { packMetaParse } from "./app/pack/packmeta";
import { gridReset, gridStep } from "./app/grid/grid";
import { packReset, packStep } from "./app/pack/pack";
import { bootConfigureSlot } from "./boot/proto";
import { publishSetBoot } from "./app/publish";
import { outboxInit, outboxPump, outboxBusy, outboxPending, outboxAlerts, outboxLost } from "./app/outbox";
import { say } from "./app/say";
import { modelRecordNote, modelRecordPump } from "./app/modelrec";
import { cmdPoll, cmdSetBoot, cmdOkCount, cmdErrorCount } from "./app/cmd";
import { siteInit } from "./app/site";
import { bootPoll, bootSelfTest, bootAttachModelSlot } from "./boot/loader";
import * as S from "./status";
import * as X from "./texts";

/** Board time between forecast windows (one hour of telemetry). */
const WINDOW_MS: f64 = 3600000.0;
/** Longest sleep while waiting for a flash or a DMA completion (both also wake the core). */
const IDLE_MS: f64 = 1000.0;
/** Longest sleep while the outbox waits for an acknowledgement or for the link to return. */
const OUTBOX_POLL_MS: f64 = 60000.0;

let streamEnded = false;

/**
 * Loads the pack model (slot 2) and parses its metadata. Whatever happens the board keeps running
 * the grid pipeline; the pack pipeline runs only with an accepted pack model.
 */
function activatePack(): i32 {
  const st = slotLoadPack();
  if (st == S.OK) {
    const changed = slotLastLoadChanged();
    const m = packMetaParse();
    if (m != S.OK) {
      packReset(false);
      slotDropPack();
      say(LOG_ERROR, X.PACK_META_REFUSED, m, true);
      return 0;
    }
    if (!changed) return 1; // the same model reloaded (the grid slot was flashed): its pipeline carries on
    packReset(true);
    say(LOG_INFO, X.PACK_LOADED);
    return 2;
  }
  packReset(false);
  if (st != S.E_NO_MODEL) say(LOG_ERROR, X.PACK_REFUSED, st, true);
  return 0;
}

/** Set by activateGrid: the grid model runs (loaded, metadata accepted), and it is a new one. */
let gridRuns = false;
let gridNew = false;

/**
 * Loads the grid model slot and its metadata; it stays resident in the interpreter (the pack app
 * swaps itself in and out). Returns the grid's status.
 */
function activateGrid(): i32 {
  gridRuns = false;
  gridNew = false;
  const st = slotLoad();
  if (st == S.OK) {
    const changed = slotLastLoadChanged();
    const m = metaParse();
    if (changed || m != S.OK) {
      gridReset(m == S.OK); // the same grid model reloaded (the pack slot was flashed): it carries on
      streamEnded = false;
    }
    if (m != S.OK) {
      say(LOG_ERROR, X.META_REFUSED, m, true);
      return m;
    }
    gridRuns = true;
    gridNew = changed;
    if (changed) say(LOG_INFO, X.MODEL_LOADED); // not again when only the pack slot was flashed
    return S.OK;
  }
  gridReset(false);
  if (st == S.E_NO_MODEL) {
    say(LOG_INFO, X.NO_MODEL);
    return S.OK;
  }
  say(LOG_ERROR, X.MODEL_REFUSED, st, true);
  return st;
}

/**
 * Loads both model slots (the pack model first, then the grid model) and publishes the retained
 * model record when a model that was not running before now runs. Returns the grid's status.
 */
function activate(): i32 {
  const pack = activatePack();
  const st = activateGrid();
  modelRecordNote(gridRuns, pack > 0, gridNew || pack == 2);
  modelRecordPump();
  return st;
}

/** Sleeps `ms`, or less while the outbox has records waiting (it is pumped every tick). */
function nap(ms: f64): void {
  pmu_sleep_until(clock_now_ms() + (outboxBusy() ? min(ms, OUTBOX_POLL_MS) : ms));
}

/** Test/diagnostic export: live (undelivered) records in the outgoing journal. */
export function fw_outbox_pending(): i32 { return outboxPending(); }
/** Test/diagnostic export: live alerts in the outgoing journal. */
export function fw_outbox_alerts(): i32 { return outboxAlerts(); }
/** Test/diagnostic export: records the journal dropped for room since boot (saturates at i32). */
export function fw_outbox_lost(): i32 { return <i32>min<i64>(outboxLost(), 0x7fffffff); }
/** Test/diagnostic export: operator commands answered ok since boot (app/cmd.ts). */
export function fw_cmd_ok(): i32 { return <i32>min<i64>(cmdOkCount(), 0x7fffffff); }
/** Test/diagnostic export: operator commands refused since boot (malformed, oversized, unknown, out of range). */
export function fw_cmd_errors(): i32 { return <i32>min<i64>(cmdErrorCount(), 0x7fffffff); }

/** Boot: allocate buffers, count the boot, load the model if one is stored. Returns a status. */
export function fw_init(): i32 {
  const st = slotInit();
  if (st != S.OK) {
    say(LOG_ERROR, X.SLOT_INIT_FAILED, st, true);
    return st;
  }
  // The bootloader (boot/) reaches the app's buffers only through what is wired here.
  bootAttachModelSlot(slotWindowPtr(), slotWindowCap(), slotRegionAddr(), slotRegionSize(), slotArenaPtr(), slotArenaCap());
  const boot = bootCount();
  publishSetBoot(boot);
  if (slotPackWindowPtr() != 0) {
    bootConfigureSlot(SLOT_PACK, slotPackWindowPtr(), slotPackWindowCap(), slotPackRegionAddr(), slotPackRegionSize());
  }
  cmdSetBoot(boot);
  const site = siteInit();
  if (site != S.OK) say(LOG_WARN, X.SITE_UNREADABLE, site, true);
  const j = outboxInit();
  if (j != S.OK) say(LOG_WARN, X.JOURNAL_UNAVAILABLE, j, true);
  const a = activate();
  bootSelfTest(); // a test boot of a new firmware slot confirms itself here, or resets (rolled back)
  return a;
}

/**
 * One pass of the main loop: bootloader frames, then the grid pipeline, then sleep until the
 * next window. Returns 1 when work was done, 0 when idle, <0 on an error it survived.
 */
export function fw_tick(): i32 {
  let did: i32 = 0;
  outboxPump();
  modelRecordPump(); // a record the stack refused at load time
  cmdPoll();
  const b = bootPoll();
  if (b == 1) {
    activate();
    did = 1;
  }
  const pk = packStep();
  if (pk == 1) did = 1;
  else if (pk == 2) say(LOG_WARN, X.PACK_STREAM_ENDED);
  else if (pk < 0) say(LOG_ERROR, X.PACK_FRAME_FAILED, pk, true);
  if (streamEnded) {
    nap(WINDOW_MS);
    return did;
  }
  const g = gridStep();
  if (g == 1) {
    nap(WINDOW_MS);
    return 1;
  }
  if (g == 2) {
    streamEnded = true;
    say(LOG_WARN, X.SENSOR_STREAM_ENDED);
  } else if (g < 0) {
    say(LOG_ERROR, X.WINDOW_FAILED, g, true);
  }
  nap(IDLE_MS);
  return g < 0 ? g : did;
}

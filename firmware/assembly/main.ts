// Firmware entry: the runtime (the simulator, or WAMR on a real SoC) calls fw_init once, then
// fw_tick in its main loop. Nothing here allocates after fw_init.

import { clock_now_ms } from "./hal/clock";
import { pmu_sleep_until } from "./hal/pmu";
import { LOG_INFO, LOG_ERROR, LOG_WARN } from "./hal/log";
import { slotInit, slotLoad, bootCount } from "./app/slot";
import { metaParse } from "./app/meta";
import { gridReset, gridStep } from "./app/grid";
import { publishSetBoot } from "./app/publish";
import { outboxInit, outboxPump, outboxBusy, outboxPending, outboxAlerts, outboxLost } from "./app/outbox";
import { say } from "./app/say";
import { bootPoll } from "./boot/loader";
import * as S from "./status";

/** Board time between forecast windows (one hour of telemetry). */
const WINDOW_MS: f64 = 3600000.0;
/** Longest sleep while waiting for a flash or a DMA completion (both also wake the core). */
const IDLE_MS: f64 = 1000.0;
/** Longest sleep while the outbox waits for an acknowledgement or for the link to return. */
const OUTBOX_POLL_MS: f64 = 60000.0;

let streamEnded = false;

/** Loads the model in the slot and its metadata; the board keeps running whatever happens. */
function activate(): i32 {
  const st = slotLoad();
  if (st == S.OK) {
    const m = metaParse();
    gridReset(m == S.OK);
    streamEnded = false;
    if (m != S.OK) {
      say(LOG_ERROR, "model metadata refused", m, true);
      return m;
    }
    say(LOG_INFO, "model loaded");
    return S.OK;
  }
  gridReset(false);
  if (st == S.E_NO_MODEL) {
    say(LOG_INFO, "no model in slot: waiting for a flash");
    return S.OK;
  }
  say(LOG_ERROR, "model in slot refused", st, true);
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

/** Boot: allocate buffers, count the boot, load the model if one is stored. Returns a status. */
export function fw_init(): i32 {
  const st = slotInit();
  if (st != S.OK) {
    say(LOG_ERROR, "slot init failed", st, true);
    return st;
  }
  publishSetBoot(bootCount());
  const j = outboxInit();
  if (j != S.OK) say(LOG_WARN, "journal unavailable: publishing without it", j, true);
  return activate();
}

/**
 * One pass of the main loop: bootloader frames, then the grid pipeline, then sleep until the
 * next window. Returns 1 when work was done, 0 when idle, <0 on an error it survived.
 */
export function fw_tick(): i32 {
  let did: i32 = 0;
  outboxPump();
  const b = bootPoll();
  if (b == 1) {
    activate();
    did = 1;
  }
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
    say(LOG_WARN, "sensor stream ended");
  } else if (g < 0) {
    say(LOG_ERROR, "window failed", g, true);
  }
  nap(IDLE_MS);
  return g < 0 ? g : did;
}

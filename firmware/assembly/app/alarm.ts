// Alarm table (docs/mqtt.md "alarm"): the board's own retained record of its alarms, one entry per
// alert kind it raises (overload.warning, dendrite.risk): raised once, updated while active
// (`raises` counts the raises folded in), cleared. Published retained (QoS 1) on the `alarm` topic
// with `"source":"device"` before the alert that changed it, so the dashboard bridge never derives
// one for this board. Times are wall-clock ms (HAL clock_wall_ms; 0 while the board does not know
// it). The table starts empty at boot (published once connected): an alarm still present is raised
// again by the first window or frame. A record the stack refuses is published on a later tick.
//   {"v":1,"ts":..,"source":"device","alarms":[{"kind":"dendrite.risk","state":"active",
//    "severity":"warning","raised_at":..,"updated_at":..,"raises":2,"value":0.91,"peak":0.93,
//    "threshold":0.8,"lead_cycles":40}]}
// Entry k (0 overload.warning, 1 dendrite.risk) at tab + 64 k:
//   0 f64 raised_at | 8 f64 updated_at (= the clear's time once cleared) | 24 f64 value | 32 f64 peak
//   40 f64 threshold | 48 i64 window of the raise | 56 i32 raises | 60 i32 lead | 64: state in st[k]

import { net_publish } from "../hal/net";
import { clock_wall_ms } from "../hal/clock";
import * as J from "./json";
import * as X from "../texts";

/** Entry of overload.warning (grid app). */
export const ALARM_OVERLOAD: i32 = 0;
/** Entry of dendrite.risk (pack app). */
export const ALARM_DENDRITE: i32 = 1;
/** Minimum hold per kind between a raise and its clear: grid windows (board hours) / pack frames. */
export const ALARM_HOLD_OVERLOAD: i64 = 3;
export const ALARM_HOLD_DENDRITE: i64 = 3;

const tab: usize = memory.data(128);
/** State per entry: 0 none since boot, 1 raised, 2 active (updated), 3 cleared. */
const st: usize = memory.data(2);
let dirty = true; // the empty table of a new boot replaces the last one retained

function wallNow(): f64 {
  const w = clock_wall_ms();
  return w > 0 ? w : 0;
}

/**
 * Records a change of entry k at window/frame `win`: raised (`update` false: a new alarm; true:
 * raised again while active), or cleared (`raised` false), with the alert's value, threshold and
 * lead, then publishes the table (alarmPump). Never fails (a refused publish is retried later).
 */
export function alarmNote(k: i32, raised: bool, update: bool, win: i64, value: f64, threshold: f64, lead: i32): void {
  const b = tab + (<usize>k << 6);
  const now = wallNow();
  store<f64>(b, now, 8);
  store<f64>(b, value, 24);
  store<f64>(b, threshold, 40);
  store<i32>(b, lead, 60);
  if (!raised) store<u8>(st + k, 3);
  else if (update) {
    store<u8>(st + k, 2);
    store<i32>(b, load<i32>(b, 56) + 1, 56);
    store<f64>(b, max<f64>(value, load<f64>(b, 32)), 32);
  } else {
    store<u8>(st + k, 1);
    store<f64>(b, now);
    store<f64>(b, value, 32);
    store<i64>(b, win, 48);
    store<i32>(b, 1, 56);
  }
  dirty = true;
  alarmPump();
}

/**
 * Clears entry k when it is raised or active and its app dropped the alert without a clear (the
 * model was replaced or refused: gridReset / packReset), then publishes the table. Never fails.
 */
export function alarmEnd(k: i32): void {
  const s = load<u8>(st + k);
  if (s != 1 && s != 2) return;
  store<f64>(tab + (<usize>k << 6), wallNow(), 8);
  store<u8>(st + k, 3);
  dirty = true;
  alarmPump();
}

/** True when entry k's minimum hold has passed at window/frame `win` (it may be cleared). */
export function alarmHeld(k: i32, win: i64): bool {
  return win - load<i64>(tab + (<usize>k << 6), 48) >= (k == ALARM_OVERLOAD ? ALARM_HOLD_OVERLOAD : ALARM_HOLD_DENDRITE);
}

function num(key: u32, v: f64, decimals: i32): void {
  J.jsonKey(key);
  J.jsonFixed(v, decimals);
}

/** Publishes the table when it changed since the last accepted publish (called every tick). */
export function alarmPump(): void {
  if (!dirty) return;
  J.jsonReset();
  J.jsonByte(0x7b);
  J.jsonKey(X.K_V, true);
  J.jsonInt(1);
  J.jsonKey(X.K_TS);
  J.jsonInt(<i64>wallNow());
  J.jsonKey(X.K_SOURCE);
  J.jsonStr(X.DEVICE);
  J.jsonKey(X.K_ALARMS);
  J.jsonByte(0x5b);
  let first = true;
  for (let k = 0; k < 2; k++) {
    const s = load<u8>(st + k);
    if (s == 0) continue;
    const b = tab + (<usize>k << 6);
    const d = k == ALARM_OVERLOAD ? 2 : 4;
    if (!first) J.jsonByte(0x2c);
    first = false;
    J.jsonByte(0x7b);
    J.jsonKey(X.K_KIND, true);
    J.jsonStr(k == ALARM_OVERLOAD ? X.OVERLOAD_WARNING : X.DENDRITE_RISK);
    J.jsonKey(X.K_STATE);
    J.jsonStr(s == 1 ? X.RAISED : s == 2 ? X.ACTIVE : X.CLEARED);
    J.jsonKey(X.K_SEVERITY);
    J.jsonStr(X.WARNING);
    num(X.K_RAISED_AT, load<f64>(b), 0);
    num(X.K_UPDATED_AT, load<f64>(b, 8), 0);
    J.jsonKey(X.K_RAISES);
    J.jsonInt(<i64>load<i32>(b, 56));
    num(X.K_VALUE, load<f64>(b, 24), d);
    num(X.K_PEAK, load<f64>(b, 32), d);
    num(X.K_THRESHOLD, load<f64>(b, 40), d);
    J.jsonKey(k == ALARM_OVERLOAD ? X.K_LEAD_H : X.K_LEAD_CYCLES);
    J.jsonInt(<i64>load<i32>(b, 60));
    J.jsonByte(0x7d);
  }
  J.jsonByte(0x5d);
  J.jsonByte(0x7d);
  if (J.jsonOverflowed()) return;
  if (net_publish(X.txPtr(X.ALARM), X.txLen(X.ALARM), J.jsonPtr(), J.jsonLen(), 1, 1) >= 0) dirty = false;
}

// Builds the telemetry and alert payloads (CONTRACTS.md "MQTT") and hands them to the network HAL.

import { outboxSend, outboxLost } from "./outbox";
import { clock_now_ms } from "../hal/clock";
import { pmu_energy_uj } from "../hal/pmu";
import * as J from "./json";
import * as M from "./meta";
import { siteLimitC } from "./site";
import { attribCount, attribName, attribDelta } from "./grid/attrib";
import * as X from "../texts";

let telemetrySeq: i64 = 0;
let alertSeq: i64 = 0;
let bootNo: i64 = 0;
/** Payloads the network stack refused or that did not fit (reported in telemetry). */
let dropped: i64 = 0;

/** Sets the boot number carried in every payload (dedupe key with seq across reboots). */
export function publishSetBoot(n: u32): void {
  bootNo = <i64>n;
}

/** Sends the JSON buffer on topic kind `kind` (a text of texts.ts). */
function send(kind: u32, qos: u32): void {
  if (J.jsonOverflowed()) {
    dropped++;
    return;
  }
  if (outboxSend(X.txPtr(kind), X.txLen(kind), J.jsonPtr(), J.jsonLen(), qos) < 0) dropped++;
}

function header(seq: i64): void {
  J.jsonReset();
  J.jsonByte(0x7b);
  J.jsonKey(X.K_V, true);
  J.jsonInt(1);
  J.jsonKey(X.K_BOOT);
  J.jsonInt(bootNo);
  J.jsonKey(X.K_SEQ);
  J.jsonInt(seq);
  J.jsonKey(X.K_TS);
  J.jsonInt(<i64>clock_now_ms());
}

/**
 * Starts a payload of another app (app/packpub.ts): the next alert (`alert`) or telemetry seq and
 * the common header (`{"v":1,"boot":..,"seq":..,"ts":..`). Finish it with publishEnd.
 */
export function publishBegin(alert: bool): void {
  if (alert) header(++alertSeq);
  else header(++telemetrySeq);
}

/**
 * Starts an alert (publishBegin(true)) and writes its common fields up to the value's key:
 * `,"kind":"<kind>","state":"raised"|"cleared","severity":"warning","value":` (kind: a text).
 */
export function publishAlertBegin(kind: u32, raised: bool): void {
  publishBegin(true);
  J.jsonKey(X.K_KIND);
  J.jsonStr(kind);
  J.jsonKey(X.K_STATE);
  J.jsonStr(raised ? X.RAISED : X.CLEARED);
  J.jsonKey(X.K_SEVERITY);
  J.jsonStr(X.WARNING);
  J.jsonKey(X.K_VALUE);
}

/** Closes a payload begun with publishBegin and sends it (alerts QoS 1, telemetry QoS 0). */
export function publishEnd(alert: bool): void {
  J.jsonByte(0x7d);
  send(alert ? X.ALERT : X.TELEMETRY, alert ? 1 : 0);
}

/** Payloads dropped so far (refused, too long, or lost by the journal), as telemetry reports it. */
export function publishDropped(): i64 {
  return dropped + outboxLost();
}

function modelField(): void {
  J.jsonKey(X.K_MODEL);
  J.jsonByte(0x22);
  J.jsonRaw(X.GRID_AT);
  J.jsonInt(<i64>M.modelVersion);
  J.jsonByte(0x22);
}

/** Publishes one telemetry record (QoS 0). */
export function publishTelemetry(win: i64, nowC: f64, peakC: f64, raw: i32, energyUj: f64, inferMs: f64): void {
  publishBegin(false);
  J.jsonKey(X.K_WINDOW);
  J.jsonInt(win);
  J.jsonKey(X.K_OT);
  J.jsonFixed2(nowC);
  J.jsonKey(X.K_PRED_PEAK);
  J.jsonFixed2(peakC);
  J.jsonKey(X.K_RAW);
  J.jsonInt(<i64>raw);
  J.jsonKey(X.K_ENERGY_UJ);
  J.jsonFixed2(energyUj);
  J.jsonKey(X.K_ENERGY_TOTAL_UJ);
  J.jsonFixed2(pmu_energy_uj());
  J.jsonKey(X.K_INFER_MS);
  J.jsonFixed2(inferMs);
  J.jsonKey(X.K_DROPPED);
  J.jsonInt(dropped + outboxLost());
  modelField();
  publishEnd(false);
}

/** `,"top":[{"input":"OT","delta_c":1.23},...]` from the last attribution; nothing when it has none. */
function topField(): void {
  J.jsonTop(attribCount(), attribName, X.K_DELTA_C, attribDelta, 2);
}

/**
 * Publishes an overload.warning alert (QoS 1): raised with the lead to the crossing and the top
 * inputs of the last attribCompute (app/attrib.ts, omitted when it failed), or cleared.
 */
export function publishAlert(raised: bool, peakC: f64, raw: i32, leadH: i32, win: i64): void {
  publishAlertBegin(X.OVERLOAD_WARNING, raised);
  J.jsonFixed2(peakC);
  J.jsonKey(X.K_THRESHOLD);
  J.jsonFixed2(siteLimitC());
  J.jsonKey(X.K_LEAD_H);
  J.jsonInt(<i64>leadH);
  J.jsonKey(X.K_RAW);
  J.jsonInt(<i64>raw);
  J.jsonKey(X.K_WINDOW);
  J.jsonInt(win);
  modelField();
  if (raised) topField();
  publishEnd(true);
}

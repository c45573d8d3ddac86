// Builds the telemetry and alert payloads (CONTRACTS.md "MQTT") and hands them to the network HAL.

import { outboxSend, outboxLost } from "./outbox";
import { clock_now_ms } from "../hal/clock";
import { pmu_energy_uj } from "../hal/pmu";
import * as J from "./json";
import * as M from "./meta";
import { siteLimitC } from "./site";
import { attribCount, attribName, attribDelta } from "./attrib";

const kindBuf: usize = memory.data(16);
let telemetrySeq: i64 = 0;
let alertSeq: i64 = 0;
let bootNo: i64 = 0;
/** Payloads the network stack refused or that did not fit (reported in telemetry). */
let dropped: i64 = 0;

/** Sets the boot number carried in every payload (dedupe key with seq across reboots). */
export function publishSetBoot(n: u32): void {
  bootNo = <i64>n;
}

function send(kind: string, qos: u32): void {
  if (J.jsonOverflowed()) {
    dropped++;
    return;
  }
  const n = min<i32>(kind.length, 16);
  for (let i = 0; i < n; i++) store<u8>(kindBuf + i, <u8>kind.charCodeAt(i));
  if (outboxSend(kindBuf, <u32>n, J.jsonPtr(), J.jsonLen(), qos) < 0) dropped++;
}

function header(seq: i64): void {
  J.jsonReset();
  J.jsonByte(0x7b);
  J.jsonKey("v", true);
  J.jsonInt(1);
  J.jsonKey("boot");
  J.jsonInt(bootNo);
  J.jsonKey("seq");
  J.jsonInt(seq);
  J.jsonKey("ts");
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

/** Closes a payload begun with publishBegin and sends it (alerts QoS 1, telemetry QoS 0). */
export function publishEnd(alert: bool): void {
  J.jsonByte(0x7d);
  send(alert ? "alert" : "telemetry", alert ? 1 : 0);
}

/** Payloads dropped so far (refused, too long, or lost by the journal), as telemetry reports it. */
export function publishDropped(): i64 {
  return dropped + outboxLost();
}

function modelField(): void {
  J.jsonKey("model");
  J.jsonByte(0x22);
  J.jsonRaw("grid@");
  J.jsonInt(<i64>M.modelVersion);
  J.jsonByte(0x22);
}

/** Publishes one telemetry record (QoS 0). */
export function publishTelemetry(win: i64, nowC: f64, peakC: f64, raw: i32, energyUj: f64, inferMs: f64): void {
  telemetrySeq++;
  header(telemetrySeq);
  J.jsonKey("window");
  J.jsonInt(win);
  J.jsonKey("ot");
  J.jsonFixed2(nowC);
  J.jsonKey("pred_peak");
  J.jsonFixed2(peakC);
  J.jsonKey("raw");
  J.jsonInt(<i64>raw);
  J.jsonKey("energy_uj");
  J.jsonFixed2(energyUj);
  J.jsonKey("energy_total_uj");
  J.jsonFixed2(pmu_energy_uj());
  J.jsonKey("infer_ms");
  J.jsonFixed2(inferMs);
  J.jsonKey("dropped");
  J.jsonInt(dropped + outboxLost());
  modelField();
  J.jsonByte(0x7d);
  send("telemetry", 0);
}

/** `,"top":[{"input":"OT","delta_c":1.23},...]` from the last attribution; nothing when it has none. */
function topField(): void {
  J.jsonTop(attribCount(), attribName, "delta_c", attribDelta, 2);
}

/**
 * Publishes an overload.warning alert (QoS 1): raised with the lead to the crossing and the top
 * inputs of the last attribCompute (app/attrib.ts, omitted when it failed), or cleared.
 */
export function publishAlert(raised: bool, peakC: f64, raw: i32, leadH: i32, win: i64): void {
  alertSeq++;
  header(alertSeq);
  J.jsonKey("kind");
  J.jsonStr("overload.warning");
  J.jsonKey("state");
  J.jsonStr(raised ? "raised" : "cleared");
  J.jsonKey("severity");
  J.jsonStr("warning");
  J.jsonKey("value");
  J.jsonFixed2(peakC);
  J.jsonKey("threshold");
  J.jsonFixed2(siteLimitC());
  J.jsonKey("lead_h");
  J.jsonInt(<i64>leadH);
  J.jsonKey("raw");
  J.jsonInt(<i64>raw);
  J.jsonKey("window");
  J.jsonInt(win);
  modelField();
  if (raised) topField();
  J.jsonByte(0x7d);
  send("alert", 1);
}

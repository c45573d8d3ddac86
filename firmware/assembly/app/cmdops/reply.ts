// Replies to operator commands (app/cmd.ts dispatches, app/cmdops/*.ts handle one op each): every
// reply goes to dendra/v1/<site>/<device>/reply (QoS 1, through the outbox, which appends `pts`)
// and starts `{"v":1,"id":..,"op":..,"ok":..,"status":..,"boot":..,"ts":..`
// (docs/schemas/reply.schema.json). The counters it keeps are reported by every ping and refusal.

import { clock_now_ms } from "../../hal/clock";
import * as J from "../json";
import { outboxSend } from "../outbox";
import { cmdIdLen, cmdIdPtr, cmdOpLen, cmdOpPtr } from "../cmdparse";
import { siteLimitC, siteHysteresisC } from "../site";

const kindBuf: usize = memory.data(8);
let okCount: i64 = 0;
let errCount: i64 = 0;
let bootNo: i64 = 0;

/** Commands answered ok since boot. */
export function replyOkCount(): i64 { return okCount; }
/** Commands refused since boot (malformed, oversized, unknown, out of range, failed). */
export function replyErrorCount(): i64 { return errCount; }
/** Sets the boot number carried by every reply. */
export function replySetBoot(n: u32): void { bootNo = <i64>n; }
/** Counts one command that could not even be read (HAL error); no reply is possible. */
export function replyCountUnreadable(): void { errCount++; }

/** `"` + the bytes [p, p+n) + `"` (the parser admits only safe characters in id and op). */
function quoted(p: usize, n: i32): void {
  J.jsonByte(0x22);
  for (let i = 0; i < n; i++) J.jsonByte(load<u8>(p + i));
  J.jsonByte(0x22);
}

/**
 * Starts a reply in the shared JSON buffer and counts it (ok or refused): the header up to `ts`.
 * `withOp` adds the parsed op (only for an op the board knows, so the reply stays schema-valid).
 */
export function replyBegin(ok: bool, status: i32, withOp: bool): void {
  if (ok) okCount++;
  else errCount++;
  J.jsonReset();
  J.jsonByte(0x7b);
  J.jsonKey("v", true);
  J.jsonInt(1);
  J.jsonKey("id");
  if (cmdIdLen() == 0) J.jsonRaw("null");
  else quoted(cmdIdPtr(), cmdIdLen());
  if (withOp) {
    J.jsonKey("op");
    quoted(cmdOpPtr(), cmdOpLen());
  }
  J.jsonKey("ok");
  J.jsonRaw(ok ? "true" : "false");
  J.jsonKey("status");
  J.jsonInt(<i64>status);
  J.jsonKey("boot");
  J.jsonInt(bootNo);
  J.jsonKey("ts");
  J.jsonInt(<i64>clock_now_ms());
}

/** `"uptime_ms":..,"cmd_ok":..,"cmd_errors":..` (the counts include this reply). */
export function replyCounters(): void {
  J.jsonKey("uptime_ms");
  J.jsonInt(<i64>clock_now_ms());
  J.jsonKey("cmd_ok");
  J.jsonInt(okCount);
  J.jsonKey("cmd_errors");
  J.jsonInt(errCount);
}

/** `"<key>":{"limit_c":..,"hysteresis_c":..}` with the given values, degC. */
export function replyLimits(key: string, limitC: f64, hystC: f64): void {
  J.jsonKey(key);
  J.jsonByte(0x7b);
  J.jsonKey("limit_c", true);
  J.jsonFixed2(limitC);
  J.jsonKey("hysteresis_c");
  J.jsonFixed2(hystC);
  J.jsonByte(0x7d);
}

/** `"limit_c":..,"hysteresis_c":..` of the effective settings (flat). */
export function replyEffectiveLimits(): void {
  J.jsonKey("limit_c");
  J.jsonFixed2(siteLimitC());
  J.jsonKey("hysteresis_c");
  J.jsonFixed2(siteHysteresisC());
}

/**
 * Closes the reply and hands it to the outbox (QoS 1, not journaled). A reply that overflowed the
 * JSON buffer, or that the network refuses, is dropped: the operator's `dendra cmd` then times out.
 */
export function replySend(): void {
  J.jsonByte(0x7d);
  if (J.jsonOverflowed()) return;
  const k = "reply";
  for (let i = 0; i < k.length; i++) store<u8>(kindBuf + i, <u8>k.charCodeAt(i));
  outboxSend(kindBuf, <u32>k.length, J.jsonPtr(), J.jsonLen(), 1);
}

/** Answers a refused command: `ok false`, its status and error text, and the counters (this one included). */
export function replyRefuse(status: i32, error: string, withOp: bool): void {
  replyBegin(false, status, withOp);
  J.jsonKey("error");
  J.jsonStr(error);
  replyCounters();
  replySend();
}

// Replies to operator commands (app/cmd.ts dispatches, app/cmdops/*.ts handle one op each): every
// reply goes to dendra/v1/<site>/<device>/reply (QoS 1, through the outbox, which appends `pts`)
// and starts `{"v":1,"id":..,"op":..,"ok":..,"status":..,"boot":..,"ts":..`
// (docs/schemas/reply.schema.json). The counters it keeps are reported by every ping and refusal.

import { clock_now_ms } from "../../hal/clock";
import * as J from "../json";
import { outboxSend } from "../outbox";
import { cmdIdLen, cmdIdPtr, cmdOpLen, cmdOpPtr } from "../cmdparse";
import { siteLimitC, siteHysteresisC } from "../site";
import * as X from "../../texts";

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


/**
 * Starts a reply in the shared JSON buffer and counts it (ok or refused): the header up to `ts`.
 * `withOp` adds the parsed op (only for an op the board knows, so the reply stays schema-valid).
 */
export function replyBegin(ok: bool, status: i32, withOp: bool): void {
  if (ok) okCount++;
  else errCount++;
  J.jsonReset();
  J.jsonByte(0x7b);
  J.jsonKey(X.K_V, true);
  J.jsonInt(1);
  J.jsonKey(X.K_ID);
  if (cmdIdLen() == 0) J.jsonRaw(X.NULL);
  else J.jsonQuoted(cmdIdPtr(), <u32>cmdIdLen()); // the parser admits only safe characters in id and op
  if (withOp) {
    J.jsonKey(X.K_OP);
    J.jsonQuoted(cmdOpPtr(), <u32>cmdOpLen());
  }
  J.jsonKey(X.K_OK);
  J.jsonRaw(ok ? X.TRUE : X.FALSE);
  J.jsonKey(X.K_STATUS);
  J.jsonInt(<i64>status);
  J.jsonKey(X.K_BOOT);
  J.jsonInt(bootNo);
  J.jsonKey(X.K_TS);
  J.jsonInt(<i64>clock_now_ms());
}

/** `"uptime_ms":..,"cmd_ok":..,"cmd_errors":..` (the counts include this reply). */
export function replyCounters(): void {
  J.jsonKey(X.K_UPTIME_MS);
  J.jsonInt(<i64>clock_now_ms());
  J.jsonKey(X.K_CMD_OK);
  J.jsonInt(okCount);
  J.jsonKey(X.K_CMD_ERRORS);
  J.jsonInt(errCount);
}

/** `"<key>":{"limit_c":..,"hysteresis_c":..}` with the given values, degC. */
export function replyLimits(key: u32, limitC: f64, hystC: f64): void {
  J.jsonKey(key);
  J.jsonByte(0x7b);
  J.jsonKey(X.K_LIMIT_C, true);
  J.jsonFixed2(limitC);
  J.jsonKey(X.K_HYSTERESIS_C);
  J.jsonFixed2(hystC);
  J.jsonByte(0x7d);
}

/** `"limit_c":..,"hysteresis_c":..` of the effective settings (flat). */
export function replyEffectiveLimits(): void {
  J.jsonKey(X.K_LIMIT_C);
  J.jsonFixed2(siteLimitC());
  J.jsonKey(X.K_HYSTERESIS_C);
  J.jsonFixed2(siteHysteresisC());
}

/**
 * Closes the reply and hands it to the outbox (QoS 1, not journaled). A reply that overflowed the
 * JSON buffer, or that the network refuses, is dropped: the operator's `dendra cmd` then times out.
 */
export function replySend(): void {
  J.jsonByte(0x7d);
  if (J.jsonOverflowed()) return;
  outboxSend(X.txPtr(X.REPLY), X.txLen(X.REPLY), J.jsonPtr(), J.jsonLen(), 1);
}

/** Answers a refused command: `ok false`, its status and error text, and the counters (this one included). */
export function replyRefuse(status: i32, error: u32, withOp: bool): void {
  replyBegin(false, status, withOp);
  J.jsonKey(X.K_ERROR);
  J.jsonStr(error);
  replyCounters();
  replySend();
}

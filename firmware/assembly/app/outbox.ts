// Outbox: routes the payloads of app/publish.ts through the flash journal (app/journal.ts) and
// drains it to the network in order. Alerts are always journaled before they are published and
// leave the journal only on delivery (PUBACK, via net_is_acked); telemetry goes straight out while
// the link is up and nothing is waiting, otherwise it is journaled too (bounded by the journal;
// the oldest telemetry is dropped first). One alert is in flight at a time, so the broker sees
// them in journal order; after a reboot the journal's records are resent as stored (same boot and
// seq: the operator drops what it already has). Without a usable journal (journalInit failed)
// everything is published directly, as before the journal existed.
// Every payload leaves with `"pts":<device ms>` appended (the clock at this send, the journaled
// bytes keep only `ts`), so a replayed record shows how late it went out (pts - ts).

import { net_publish, net_is_acked, net_connected } from "../hal/net";
import { clock_now_ms } from "../hal/clock";
import { writeDecimal } from "./json";
import {
  journalInit, journalReady, journalAppend, journalOldest, journalKind, journalSeq, journalRead,
  journalDone, journalCount, journalAlerts, journalLost, JKIND_ALERT, JKIND_TELEMETRY, JOURNAL_MAX_PAYLOAD,
} from "./journal";
import * as S from "../status";
import * as X from "../texts";

/** Records sent per pump at most (bounds the work of one tick). */
const PUMP_BUDGET: i32 = 32;
/** Send buffer: a payload of up to JOURNAL_MAX_PAYLOAD bytes plus the `,"pts":<ms>` stamp. */
const payload: usize = memory.data(832);
let inflightId: i32 = 0;
let inflightSeq: u32 = 0;

/** Boot: opens the journal (status of journalInit; on failure the outbox publishes directly). */
export function outboxInit(): i32 {
  inflightId = 0;
  return journalInit();
}

/** Journal kind of the topic kind bytes, 0 for any other kind. */
function kindOf(k: usize, n: u32): u8 {
  if (X.txEquals(X.ALERT, k, n)) return JKIND_ALERT;
  if (X.txEquals(X.TELEMETRY, k, n)) return JKIND_TELEMETRY;
  return 0;
}

/**
 * Copies [src, src+len) into the send buffer (unless it is already there) and, when the payload is
 * a JSON object (ends with `}`) and the stamp fits, replaces the closing brace with
 * `,"pts":<clock_now_ms>}`. Returns the length to send (len unchanged when not stamped).
 */
function stamp(src: usize, len: u32): u32 {
  if (len > JOURNAL_MAX_PAYLOAD) return 0;
  if (src != payload) memory.copy(payload, src, len);
  if (len < 2 || load<u8>(payload + len - 1) != 0x7d) return len;
  let p = payload + len - 1;
  p += X.txCopy(X.PTS_KEY, p);
  p += writeDecimal(p, <i64>clock_now_ms());
  store<u8>(p, 0x7d);
  return <u32>(p + 1 - payload);
}

/** True while records wait in the journal (delivery pending or the link down). */
export function outboxBusy(): bool {
  return journalCount() > 0;
}

/** Live (undelivered) records in the journal; 0 without a journal. */
export function outboxPending(): i32 { return journalCount(); }
/** Live alerts in the journal; 0 without a journal. */
export function outboxAlerts(): i32 { return journalAlerts(); }
/** Records the journal dropped to make room since boot (reported in telemetry `dropped`). */
export function outboxLost(): i64 { return journalLost(); }

/**
 * Sends a payload of topic kind [kind, kind+kindLen) with qos. Alerts (and telemetry while the
 * link is down or older records wait) are appended to the journal first, then the journal is
 * pumped. Returns 0 when the payload is stored or accepted by the network, <0 when it is lost:
 * the journal could not store it AND the network refused it.
 */
export function outboxSend(kind: usize, kindLen: u32, ptr: usize, len: u32, qos: u32): i32 {
  const jk = kindOf(kind, kindLen);
  const direct = !journalReady() || jk == 0 || len > JOURNAL_MAX_PAYLOAD ||
    (jk == JKIND_TELEMETRY && net_connected() != 0 && journalCount() == 0 && inflightId == 0);
  if (direct) {
    if (len > JOURNAL_MAX_PAYLOAD) return S.E_TOO_LARGE;
    return net_publish(kind, kindLen, payload, stamp(ptr, len), qos, 0) < 0 ? S.E_STATE : S.OK;
  }
  if (journalAppend(jk, ptr, len) != S.OK) {
    // Not durable: best effort straight to the network (counted by the caller if refused).
    return net_publish(kind, kindLen, payload, stamp(ptr, len), qos, 0) < 0 ? S.E_FLASH : S.OK;
  }
  outboxPump();
  return S.OK;
}

/**
 * Drains the journal in order: waits for the in-flight alert's acknowledgement (resending it when
 * the network reports it lost), then publishes the next records while the link is up. Telemetry
 * leaves the journal once the network accepted it; an alert only once acknowledged. Returns the
 * number of records still waiting (>= 0).
 */
export function outboxPump(): i32 {
  if (!journalReady()) return 0;
  if (inflightId != 0) {
    const r = net_is_acked(inflightId);
    if (r == 0) return journalCount();
    inflightId = 0;
    if (r > 0) journalDone(inflightSeq, false);
  }
  for (let budget = PUMP_BUDGET; budget > 0 && net_connected() != 0; budget--) {
    const i = journalOldest();
    if (i < 0) break;
    const jk = journalKind(i);
    const seq = journalSeq(i);
    const n = journalRead(i, payload, JOURNAL_MAX_PAYLOAD);
    if (n < 0) {
      journalDone(seq, true); // unreadable: dropped and counted
      continue;
    }
    const alert = jk == JKIND_ALERT;
    const id = net_publish(X.txPtr(alert ? X.ALERT : X.TELEMETRY), X.txLen(alert ? X.ALERT : X.TELEMETRY), payload, stamp(payload, <u32>n), alert ? 1 : 0, 0);
    if (id < 0) break;
    if (!alert) {
      journalDone(seq, false);
      continue;
    }
    const r = net_is_acked(id);
    if (r > 0) {
      journalDone(seq, false);
      continue;
    }
    if (r < 0) continue; // lost at once: the same record is sent again
    inflightId = id;
    inflightSeq = seq;
    break;
  }
  return journalCount();
}

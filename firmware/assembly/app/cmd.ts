// Operator commands: JSON objects the network stack received on the device's own
// dendra/v1/<site>/<device>/cmd topic (HAL net_cmd_poll), answered on .../reply (QoS 1) with the
// command's id (docs/mqtt.md "Commands", docs/schemas/{cmd,reply}.schema.json).
// This file reads, parses (app/cmdparse.ts) and dispatches; each op has one handler in
// app/cmdops/ (ping.ts, status.ts, setlimit.ts) and every reply is written by app/cmdops/reply.ts.
// Untrusted bytes: at most CMD_MAX bytes are read; the parser (app/cmdparse.ts) takes one flat
// object of the known fields, each once, with the right types (no nesting, no escapes, no
// exponents), every length bounded. Every command, an empty one included, is answered once:
// refused ones are counted and answered {"ok":false,"error":...} with the reason; the board keeps
// running whatever arrives.

import { net_cmd_poll } from "../hal/net";
import { cmdParse, cmdOpIs, cmdOpLen } from "./cmdparse";
import { replyOkCount, replyErrorCount, replySetBoot, replyRefuse, replyCountUnreadable } from "./cmdops/reply";
import { handlePing } from "./cmdops/ping";
import { handleStatus } from "./cmdops/status";
import { handleSetLimit } from "./cmdops/setlimit";
import * as S from "../status";
import * as X from "../texts";

/** Largest command accepted, bytes; longer ones are refused as oversized. */
export const CMD_MAX: u32 = 256;
/** Commands handled per fw_tick at most (the rest wait in the stack's queue). */
const CMD_BUDGET: i32 = 4;

const buf: usize = memory.data(256);

/** Commands answered ok since boot. */
export function cmdOkCount(): i64 { return replyOkCount(); }
/** Commands refused since boot (malformed, oversized, unknown, out of range, failed, unreadable). */
export function cmdErrorCount(): i64 { return replyErrorCount(); }
/** Sets the boot number reported in replies. */
export function cmdSetBoot(n: u32): void { replySetBoot(n); }

/**
 * Handles the command in buf[0, n) (n = full length reported by the stack; 0: an empty command):
 * runs the handler of its op, or answers why it is refused (with its op when it is one the board
 * knows, so the reply stays schema-valid).
 */
function handle(n: u32): void {
  const big = n > CMD_MAX;
  let e = cmdParse(buf, big ? 0 : n); // an oversized command is never read: its reply has id null
  if (big) e = X.OVERSIZED;
  const ping = cmdOpIs(X.OP_PING), status = cmdOpIs(X.OP_STATUS), set = cmdOpIs(X.OP_SET_LIMIT);
  if (e == 0) {
    if (ping) return handlePing();
    if (status) return handleStatus();
    if (set) return handleSetLimit();
    e = cmdOpLen() == 0 ? X.MISSING_OP : X.UNKNOWN_OP;
  }
  replyRefuse(S.E_COMMAND, e, ping || status || set);
}

/**
 * Handles waiting commands, at most CMD_BUDGET per call (the rest stay queued in the stack).
 * Returns how many were taken. An empty command (net_cmd_poll E_COMMAND) is refused with `empty`;
 * another HAL error from net_cmd_poll is counted as a refused command and ends this round. Never
 * traps on any input.
 */
export function cmdPoll(): i32 {
  let done = 0;
  for (; done < CMD_BUDGET; done++) {
    const n = net_cmd_poll(buf, CMD_MAX);
    if (n == 0) break;
    if (n < 0 && n != S.E_COMMAND) {
      replyCountUnreadable();
      break;
    }
    handle(<u32>max(n, 0)); // E_COMMAND: the stack took an empty command (answered `empty`, id null)
  }
  return done;
}

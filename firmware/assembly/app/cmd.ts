// Operator commands: JSON objects the network stack received on the device's own
// dendra/v1/<site>/<device>/cmd topic (HAL net_cmd_poll), answered on .../reply (QoS 1) with the
// command's id (docs/mqtt.md "Commands", docs/schemas/{cmd,reply}.schema.json).
// This file reads, parses (app/cmdparse.ts) and dispatches; each op has one handler in
// app/cmdops/ (ping.ts, status.ts, setlimit.ts) and every reply is written by app/cmdops/reply.ts.
// Untrusted bytes: at most CMD_MAX bytes are read; the parser takes one flat object of string,
// number, true/false/null values (no nesting, no escapes, no exponents), every length bounded.
// Malformed, oversized and unknown commands are counted and answered {"ok":false,"error":...};
// the board keeps running whatever arrives.

import { net_cmd_poll } from "../hal/net";
import { cmdParse, cmdClear, cmdOpIs, cmdOpLen } from "./cmdparse";
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

/** Op numbers of the dispatcher (docs/schemas/cmd.schema.json `op`); -1: not an op the board knows. */
const OP_NONE: i32 = -1;
const OP_PING: i32 = 0;
const OP_STATUS: i32 = 1;
const OP_SET_LIMIT: i32 = 2;

const buf: usize = memory.data(256);

/** Commands answered ok since boot. */
export function cmdOkCount(): i64 { return replyOkCount(); }
/** Commands refused since boot (malformed, oversized, unknown, out of range, failed, unreadable). */
export function cmdErrorCount(): i64 { return replyErrorCount(); }
/** Sets the boot number reported in replies. */
export function cmdSetBoot(n: u32): void { replySetBoot(n); }

/** The parsed op as an OP_* number. */
function opOf(): i32 {
  if (cmdOpIs(X.OP_PING)) return OP_PING;
  if (cmdOpIs(X.OP_STATUS)) return OP_STATUS;
  if (cmdOpIs(X.OP_SET_LIMIT)) return OP_SET_LIMIT;
  return OP_NONE;
}

/** Runs the handler of `op` (a well-formed command); an unknown or missing op is refused. */
function dispatch(op: i32): void {
  switch (op) {
    case OP_PING: handlePing(); break;
    case OP_STATUS: handleStatus(); break;
    case OP_SET_LIMIT: handleSetLimit(); break;
    default: replyRefuse(S.E_COMMAND, cmdOpLen() == 0 ? X.MISSING_OP : X.UNKNOWN_OP, false);
  }
}

/** Handles the command in buf[0, n) (n = full length reported by the stack). */
function handle(n: i32): void {
  if (<u32>n > CMD_MAX) {
    cmdClear(); // nothing of it was read: the reply has id null
    replyRefuse(S.E_COMMAND, X.OVERSIZED, false);
    return;
  }
  const e = cmdParse(buf, <u32>n);
  const op = opOf();
  if (e != 0) {
    replyRefuse(S.E_COMMAND, e, op != OP_NONE);
    return;
  }
  dispatch(op);
}

/**
 * Handles waiting commands, at most CMD_BUDGET per call (the rest stay queued in the stack).
 * Returns how many were taken. A HAL error from net_cmd_poll is counted as a refused command and
 * ends this round. Never traps on any input.
 */
export function cmdPoll(): i32 {
  let done = 0;
  for (; done < CMD_BUDGET; done++) {
    const n = net_cmd_poll(buf, CMD_MAX);
    if (n == 0) break;
    if (n < 0) {
      replyCountUnreadable();
      break;
    }
    handle(n);
  }
  return done;
}

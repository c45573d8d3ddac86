// Log lines through the HAL without allocation: ASCII text plus an optional integer.

import { log_write } from "../hal/log";
import * as X from "../texts";

const line: usize = memory.data(128);

/** Logs text `msg` (texts.ts, truncated at 100 bytes) followed by ` <code>` when withCode. */
export function say(level: u32, msg: u32, code: i32 = 0, withCode: bool = false): void {
  let n = <i32>min<u32>(X.txLen(msg), 100);
  memory.copy(line, X.txPtr(msg), <usize>n);
  if (withCode) {
    store<u8>(line + n++, 0x20);
    let v = code;
    if (v < 0) {
      store<u8>(line + n++, 0x2d);
      v = -v;
    }
    const start = n;
    do {
      store<u8>(line + n++, <u8>(0x30 + v % 10));
      v /= 10;
    } while (v > 0 && n < 124);
    for (let a = start, b = n - 1; a < b; a++, b--) {
      const t = load<u8>(line + a);
      store<u8>(line + a, load<u8>(line + b));
      store<u8>(line + b, t);
    }
  }
  log_write(level, line, <u32>n);
}

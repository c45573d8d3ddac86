// Log lines through the HAL without allocation: ASCII text plus an optional integer.

import { log_write } from "../hal/log";

const line: usize = memory.data(128);

/** Logs `msg` (ASCII, truncated at 100 chars) followed by ` <code>` when withCode. */
export function say(level: u32, msg: string, code: i32 = 0, withCode: bool = false): void {
  let n = min<i32>(msg.length, 100);
  for (let i = 0; i < n; i++) store<u8>(line + i, <u8>msg.charCodeAt(i));
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

// HAL: log sink.

/** Writes one log line of `len` UTF-8 bytes; level 0 debug, 1 info, 2 warn, 3 error. */
@external("hal", "log_write")
export declare function log_write(level: u32, src: usize, len: u32): void;

export const LOG_DEBUG: u32 = 0;
export const LOG_INFO: u32 = 1;
export const LOG_WARN: u32 = 2;
export const LOG_ERROR: u32 = 3;

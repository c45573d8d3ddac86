// HAL: clock.

/** Board time in milliseconds since boot. */
@external("hal", "clock_now_ms")
export declare function clock_now_ms(): f64;

/** Wall-clock time, ms since the Unix epoch, as the board knows it; 0 or <0 when it does not know it. */
@external("hal", "clock_wall_ms")
export declare function clock_wall_ms(): f64;

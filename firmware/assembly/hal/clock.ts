// HAL: clock.

/** Board time in milliseconds since boot. */
@external("hal", "clock_now_ms")
export declare function clock_now_ms(): f64;

// HAL: UART. A real board's runtime implements these natively; the simulator implements them in Node.

/** Copies up to `max` received bytes into `dst`; returns the count (0 when the RX FIFO is empty), <0 on error. */
@external("hal", "uart_read")
export declare function uart_read(dst: usize, max: u32): i32;

/** Queues `len` bytes from `src` for transmission; returns the count queued, <0 on error. */
@external("hal", "uart_write")
export declare function uart_write(src: usize, len: u32): i32;

/**
 * Switches the UART to `baud` (8N1) once the bytes already queued for TX have left (0 = back to
 * the board's default baud); returns 0, or <0 when the board cannot run at that rate (above
 * `board_max_baud`).
 */
@external("hal", "uart_set_baud")
export declare function uart_set_baud(baud: u32): i32;

// HAL: UART. A real board's runtime implements these natively; the simulator implements them in Node.

/** Copies up to `max` received bytes into `dst`; returns the count (0 when the RX FIFO is empty), <0 on error. */
@external("hal", "uart_read")
export declare function uart_read(dst: usize, max: u32): i32;

/** Queues `len` bytes from `src` for transmission; returns the count queued, <0 on error. */
@external("hal", "uart_write")
export declare function uart_write(src: usize, len: u32): i32;

// HAL: facts about the board, from boards/<name>.json.

/** Bytes the interpreter arena may use on this board. */
@external("hal", "board_arena_limit")
export declare function board_arena_limit(): u32;

/** Largest serial frame payload the bootloader accepts. */
@external("hal", "board_max_frame")
export declare function board_max_frame(): u32;

/**
 * Copies the board family name (ASCII, what signed images name in their family field; the sim
 * uses the board's name in boards/) to [dst, dst+cap). Returns its length (1..16; the name is
 * truncated to `cap`), or <0 when the range is outside memory.
 */
@external("hal", "board_family")
export declare function board_family(dst: usize, cap: u32): i32;

/** Highest UART baud the board supports (boards/ `uart.maxBaud`). */
@external("hal", "board_max_baud")
export declare function board_max_baud(): u32;

/**
 * Copies the board's name (boards/ "name", e.g. "sim", "linux-gateway"; ASCII) to [dst, dst+cap).
 * Returns its length (truncated to `cap`), or <0 when the range is outside memory.
 */
@external("hal", "board_name")
export declare function board_name(dst: usize, cap: u32): i32;

// HAL: facts about the board, from boards/<name>.json.

/** Bytes the interpreter arena may use on this board. */
@external("hal", "board_arena_limit")
export declare function board_arena_limit(): u32;

/** Largest serial frame payload the bootloader accepts. */
@external("hal", "board_max_frame")
export declare function board_max_frame(): u32;

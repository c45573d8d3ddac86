// HAL: flash (NOR semantics). Addresses are absolute flash offsets.

/** Reads `len` bytes at `addr` into `dst`; 0 on success, <0 if the range is outside flash. */
@external("hal", "flash_read")
export declare function flash_read(addr: u32, dst: usize, len: u32): i32;

/** Programs `len` bytes at `addr` (bits can only be cleared: result = old AND new); 0 or <0. */
@external("hal", "flash_write")
export declare function flash_write(addr: u32, src: usize, len: u32): i32;

/** Erases whole sectors covering [addr, addr+len) to 0xFF; `addr` must be sector-aligned; 0 or <0. */
@external("hal", "flash_erase")
export declare function flash_erase(addr: u32, len: u32): i32;

/** Writes the region's u32 address then u32 size at `out` (id: 0 boot, 1 slotA, 2 slotB, 3 model, 4 journal, 5 packModel); 0 or <0 for an unknown id. */
@external("hal", "flash_region")
export declare function flash_region(id: u32, out: usize): i32;

/** Erase granularity of the flash in bytes (a power of two, from the board description). */
@external("hal", "flash_sector_size")
export declare function flash_sector_size(): u32;

export const REGION_BOOT: u32 = 0;
export const REGION_SLOT_A: u32 = 1;
export const REGION_SLOT_B: u32 = 2;
export const REGION_MODEL: u32 = 3;
export const REGION_JOURNAL: u32 = 4;
/** The pack model's slot (two banks like REGION_MODEL); <0 from flash_region on a board without one. */
export const REGION_PACK_MODEL: u32 = 5;

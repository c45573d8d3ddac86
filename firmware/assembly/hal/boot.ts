// HAL: the boot ROM (MCUboot or the SoC's ROM bootloader on a real board; host/src/sim/bootrom.ts
// in the simulator). It picks the firmware slot at every reset and tells the firmware which one
// runs; it also hashes and verifies images in place in flash (memory-mapped / crypto DMA on a SoC),
// so a firmware image never has to fit in RAM. docs/flash-protocol.md "Firmware slots".

/** Firmware slot the ROM booted: 0 = slotA, 1 = slotB, -1 = the factory image (no slot image). */
@external("hal", "boot_slot")
export declare function boot_slot(): i32;

/** 1 when this boot is a test boot of a newly activated slot (confirm it or it is rolled back), else 0. */
@external("hal", "boot_test")
export declare function boot_test(): i32;

/** System reset (the ROM picks the slot again). Never returns on a board; the simulator reboots. */
@external("hal", "boot_reset")
export declare function boot_reset(): void;

/** Writes the SHA-256 of flash [addr, addr+len) to dst (32 bytes). 0, or <0 for a bad range. */
@external("hal", "boot_flash_sha256")
export declare function boot_flash_sha256(addr: u32, len: u32, dst: usize): i32;

/**
 * Ed25519 (RFC 8032, strict) verification of the 64-byte signature at `sig` (RAM) over flash
 * [addr, addr+len) with the 32-byte public key at `pub`. 1 valid, 0 invalid, <0 for a bad range.
 */
@external("hal", "boot_flash_ed25519_verify")
export declare function boot_flash_ed25519_verify(addr: u32, len: u32, sig: usize, pub: usize): i32;

/**
 * Writes the 32-byte SHA-256 of the firmware .wasm that runs now (the ROM's pick, or the factory
 * image) to dst. 0, or <0 for a bad range or when the runtime does not know the image.
 */
@external("hal", "boot_image_sha256")
export declare function boot_image_sha256(dst: usize): i32;

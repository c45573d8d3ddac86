// HAL: crypto accelerator.

/** Writes the 32-byte SHA-256 of [src, src+len) to dst; 0 or <0. */
@external("hal", "crypto_sha256")
export declare function crypto_sha256(src: usize, len: u32, dst: usize): i32;

// HAL: crypto accelerator.

/** Writes the 32-byte SHA-256 of [src, src+len) to dst; 0 or <0. */
@external("hal", "crypto_sha256")
export declare function crypto_sha256(src: usize, len: u32, dst: usize): i32;

/**
 * Ed25519 (RFC 8032, pure, strict: canonical encodings, S < L) verification of the 64-byte
 * signature at `sig` over [msg, msg+msgLen) with the 32-byte public key at `pub`.
 * 1 valid, 0 invalid (including a malformed key or signature), <0 when a range is outside memory.
 */
@external("hal", "crypto_ed25519_verify")
export declare function crypto_ed25519_verify(msg: usize, msgLen: u32, sig: usize, pub: usize): i32;

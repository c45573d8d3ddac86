// CRC-32/ISO-HDLC (zlib's): reflected, polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF.
// The 256-entry table lives in static memory and is computed once, on first use.

const table: usize = memory.data(1024);
let ready = false;

function buildTable(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(table + (<usize>n << 2), c);
  }
  ready = true;
}

/** Start value of a running CRC (pass it to crc32Update, finish with crc32Final). */
export const CRC32_INIT: u32 = 0xffffffff;

/** Folds one byte into a running CRC (not yet finalized). */
// @ts-ignore: decorator
@inline
export function crc32Update(crc: u32, b: u8): u32 {
  if (!ready) buildTable();
  return load<u32>(table + (<usize>((crc ^ <u32>b) & 0xff) << 2)) ^ (crc >>> 8);
}

/** Finalizes a running CRC. */
// @ts-ignore: decorator
@inline
export function crc32Final(crc: u32): u32 {
  return crc ^ 0xffffffff;
}

/** CRC-32 of [ptr, ptr+len). */
export function crc32(ptr: usize, len: u32): u32 {
  let c = CRC32_INIT;
  for (let i: u32 = 0; i < len; i++) c = crc32Update(c, load<u8>(ptr + i));
  return crc32Final(c);
}

// In-place FlatBuffers reader over one byte range of linear memory [fbBase, fbBase + fbLen).
//
// Nothing is copied: every accessor returns a position (byte offset from fbBase) or a scalar
// read from the buffer. Every offset and length is checked against fbLen before it is used.
// Positions are i32: a negative value is a status code (firmware/assembly/status.ts), 0 means
// "field absent" (position 0 holds the root offset, so no table or vector can start there).
//
// FlatBuffers layout (https://flatbuffers.dev/internals/):
//   root:    u32 at 0 = offset of the root table; bytes 4..8 = file identifier ("TFL3").
//   table:   i32 soffset at the table start; vtable = table - soffset.
//   vtable:  u16 vtable size, u16 table size, then one u16 per field id (0 = absent),
//            each the offset of the field from the table start.
//   offset fields (tables, vectors, strings): u32 relative to the field's own position.
//   vector:  u32 element count, then the elements; string = vector of u8 (+ NUL).

import * as S from "../status";

/** Largest model the reader accepts (positions must fit in a positive i32). */
export const FB_MAX_LEN: u32 = 0x7ffffff0;

let fbBase: usize = 0;
let fbLen: u32 = 0;

/**
 * Selects the buffer that every other function in this file reads.
 * Returns E_BOUNDS when `len` is larger than FB_MAX_LEN or the range wraps the address space.
 */
export function fbOpen(base: usize, len: u32): i32 {
  if (len > FB_MAX_LEN || <u64>base + <u64>len > <u64>0xffffffff) {
    fbBase = 0;
    fbLen = 0;
    return S.E_BOUNDS;
  }
  fbBase = base;
  fbLen = len;
  return S.OK;
}

/** Base address of the open buffer. */
export function fbBasePtr(): usize {
  return fbBase;
}

/** Length of the open buffer in bytes. */
export function fbLength(): u32 {
  return fbLen;
}

/** True when [pos, pos + n) lies inside the buffer (computed in u64, so no wrap-around). */
export function fbFits(pos: i64, n: i64): bool {
  return pos >= 0 && n >= 0 && pos + n <= <i64>fbLen;
}

/** Reads a u32 at `pos`; the caller has checked the bounds. */
function rdU32(pos: i32): u32 {
  return load<u32>(fbBase + <usize>pos);
}

/**
 * Checks the file header and returns the root table position.
 * Fails with E_BOUNDS (shorter than 8 bytes or root out of range), E_BAD_MAGIC (identifier is not
 * `ident`, a little-endian u32 such as 0x334c4654 for "TFL3"), or a table error (see fbTable).
 */
export function fbRoot(ident: u32): i32 {
  if (fbLen < 8) return S.E_BOUNDS;
  if (rdU32(4) != ident) return S.E_BAD_MAGIC;
  const root = rdU32(0);
  if (root < 8 || !fbFits(<i64>root, 4)) return S.E_BOUNDS;
  return fbTable(<i32>root);
}

/**
 * Validates the table that starts at `pos` (its soffset, its vtable and the table size) and
 * returns `pos`, or E_BOUNDS when any of them falls outside the buffer or is malformed.
 */
export function fbTable(pos: i32): i32 {
  if (pos <= 0 || !fbFits(<i64>pos, 4)) return S.E_BOUNDS;
  const vt: i64 = <i64>pos - <i64>load<i32>(fbBase + <usize>pos);
  if (!fbFits(vt, 4)) return S.E_BOUNDS;
  const vtSize = <i64>load<u16>(fbBase + <usize>vt);
  const tblSize = <i64>load<u16>(fbBase + <usize>vt, 2);
  if (vtSize < 4 || (vtSize & 1) != 0 || !fbFits(vt, vtSize)) return S.E_BOUNDS;
  if (tblSize < 4 || !fbFits(<i64>pos, tblSize)) return S.E_BOUNDS;
  return pos;
}

/**
 * Position of field `id` of the (validated) table at `table`, or 0 when the field is absent.
 * Returns E_BOUNDS when the field's `size` bytes would reach past the table's declared size.
 */
export function fbField(table: i32, id: i32, size: i32): i32 {
  const vt = table - load<i32>(fbBase + <usize>table);
  const vtSize = <i32>load<u16>(fbBase + <usize>vt);
  const slot = 4 + 2 * id;
  if (slot + 2 > vtSize) return 0;
  const off = <i32>load<u16>(fbBase + <usize>(vt + slot));
  if (off == 0) return 0;
  const tblSize = <i32>load<u16>(fbBase + <usize>vt, 2);
  if (off < 4 || off + size > tblSize) return S.E_BOUNDS;
  return table + off;
}

/** Reads an unsigned scalar field of 1, 2 or 4 bytes, or `def` when absent; -1 on a bad field. */
export function fbU32(table: i32, id: i32, size: i32, def: u32): i64 {
  const p = fbField(table, id, size);
  if (p < 0) return -1;
  if (p == 0) return <i64>def;
  const a = fbBase + <usize>p;
  if (size == 1) return <i64>load<u8>(a);
  if (size == 2) return <i64>load<u16>(a);
  return <i64>load<u32>(a);
}

/** Reads a signed 32-bit field, or `def` when absent. Sets `fbScalarOk` false on a bad field. */
export function fbI32(table: i32, id: i32, def: i32): i32 {
  const p = fbField(table, id, 4);
  if (p < 0) {
    fbScalarOk = false;
    return def;
  }
  return p == 0 ? def : load<i32>(fbBase + <usize>p);
}

/** Reads an f32 field, or `def` when absent. Sets `fbScalarOk` false on a bad field. */
export function fbF32(table: i32, id: i32, def: f32): f32 {
  const p = fbField(table, id, 4);
  if (p < 0) {
    fbScalarOk = false;
    return def;
  }
  return p == 0 ? def : load<f32>(fbBase + <usize>p);
}

/** Cleared by fbI32/fbF32 when a scalar field lies outside its table; callers reset it. */
export let fbScalarOk: bool = true;

/** Resets fbScalarOk to true (call before a series of fbI32/fbF32 reads). */
export function fbScalarReset(): void {
  fbScalarOk = true;
}

/**
 * Follows the offset field `id` of `table`: returns the target position, 0 when absent,
 * or E_BOUNDS when the field or its target lies outside the buffer.
 */
export function fbIndirect(table: i32, id: i32): i32 {
  const p = fbField(table, id, 4);
  if (p <= 0) return p;
  const target = <i64>p + <i64>rdU32(p);
  if (!fbFits(target, 4)) return S.E_BOUNDS;
  return <i32>target;
}

/**
 * Vector field `id` with elements of `elemSize` bytes: returns the position of its u32 length
 * (elements follow), 0 when absent, or E_BOUNDS when the whole vector does not fit.
 */
export function fbVector(table: i32, id: i32, elemSize: i32): i32 {
  const v = fbIndirect(table, id);
  if (v <= 0) return v;
  const n = <i64>rdU32(v);
  if (!fbFits(<i64>v + 4, n * <i64>elemSize)) return S.E_BOUNDS;
  return v;
}

/** Number of elements of the (validated) vector at `vec`; 0 when `vec` is 0 (absent). */
export function fbVecLen(vec: i32): i32 {
  return vec <= 0 ? 0 : <i32>rdU32(vec);
}

/** Address in linear memory of element 0 of the (validated) vector at `vec`. */
export function fbVecData(vec: i32): usize {
  return fbBase + <usize>vec + 4;
}

/** Reads i32 element `i` of the validated vector at `vec` (caller checks i < length). */
export function fbVecI32(vec: i32, i: i32): i32 {
  return load<i32>(fbVecData(vec) + (<usize>i << 2));
}

/**
 * Table element `i` of the vector of tables at `vec`: follows and validates the offset.
 * Returns the table position or E_BOUNDS (`i` out of range, or a bad table).
 */
export function fbVecTable(vec: i32, i: i32): i32 {
  if (i < 0 || i >= fbVecLen(vec)) return S.E_BOUNDS;
  const p = vec + 4 + 4 * i;
  const target = <i64>p + <i64>rdU32(p);
  if (target > <i64>FB_MAX_LEN) return S.E_BOUNDS;
  return fbTable(<i32>target);
}

/**
 * True when the string field `id` of `table` equals the ASCII text `s` (byte for byte).
 * An absent or out-of-range string compares unequal.
 */
export function fbStringEquals(table: i32, id: i32, s: string): bool {
  const v = fbVector(table, id, 1);
  if (v <= 0) return false;
  const n = fbVecLen(v);
  if (n != s.length) return false;
  const d = fbVecData(v);
  for (let i = 0; i < n; i++) {
    if (<i32>load<u8>(d + <usize>i) != s.charCodeAt(i)) return false;
  }
  return true;
}

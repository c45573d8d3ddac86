// A small raw-deflate (RFC 1951) inflater for WRITEZ frames: stored, fixed-Huffman and
// dynamic-Huffman blocks, written from the RFC. Static tables only (about 1.3 KiB); every loop is
// bounded (by the input bits, the output capacity or a table size); every length, distance and
// code is checked, and any malformed or oversized stream returns E_INFLATE, never traps. Each
// frame is an independent stream (no dictionary across frames), so resume and windowing keep
// working on uncompressed offsets.

import * as S from "../status";
import { Table } from "../table";

/** Largest inflated size of one WRITEZ frame. */
export const INFLATE_CAP: u32 = 4096;

const MAXBITS: i32 = 15;
const lenCount = changetype<Table<u16>>(memory.data(16 * <i32>sizeof<u16>(), 8));
const lenSym = changetype<Table<u16>>(memory.data(288 * <i32>sizeof<u16>(), 8));
const distCount = changetype<Table<u16>>(memory.data(16 * <i32>sizeof<u16>(), 8));
const distSym = changetype<Table<u16>>(memory.data(32 * <i32>sizeof<u16>(), 8));
const lengths = changetype<Table<u8>>(memory.data(320 * <i32>sizeof<u8>(), 8));
const offs = changetype<Table<u16>>(memory.data(16 * <i32>sizeof<u16>(), 8));

const LBASE: StaticArray<u16> = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEXT: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DBASE: StaticArray<u16> = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DEXT: StaticArray<u8> = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** Order of the code-length code lengths in a dynamic block header. */
const CLORDER: StaticArray<u8> = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

let src: usize = 0;
let srcLen: u32 = 0;
let pos: u32 = 0;
let bitBuf: u32 = 0;
let bitCnt: u32 = 0;
let dst: usize = 0;
let cap: u32 = 0;
let out: u32 = 0;
let bad = false;

/** Next `n` (0..16) bits, LSB first; sets `bad` (and returns 0) past the end of the input. */
function bits(n: u32): u32 {
  while (bitCnt < n) {
    if (pos >= srcLen) {
      bad = true;
      return 0;
    }
    bitBuf |= <u32>load<u8>(src + pos) << bitCnt;
    pos++;
    bitCnt += 8;
  }
  const v = bitBuf & ((1 << n) - 1);
  bitBuf >>>= n;
  bitCnt -= n;
  return v;
}

/**
 * Builds a canonical Huffman decoding table (count per length, symbols by code) from `n` code
 * lengths at lengths[from..]. False for an over-subscribed set. An incomplete set (or no code at
 * all: a block of literals only needs no distance code) is kept; decode() refuses its unused codes.
 */
function build(count: Table<u16>, sym: Table<u16>, from: i32, n: i32): bool {
  for (let l = 0; l <= MAXBITS; l++) unchecked(count[l] = 0);
  for (let s = 0; s < n; s++) {
    const l = <i32>unchecked(lengths[from + s]);
    unchecked(count[l] = unchecked(count[l]) + 1);
  }
  let left: i32 = 1;
  for (let l = 1; l <= MAXBITS; l++) {
    left = (left << 1) - <i32>unchecked(count[l]);
    if (left < 0) return false; // over-subscribed
  }
  unchecked(offs[1] = 0);
  for (let l = 1; l < MAXBITS; l++) unchecked(offs[l + 1] = unchecked(offs[l]) + unchecked(count[l]));
  for (let s = 0; s < n; s++) {
    const l = <i32>unchecked(lengths[from + s]);
    if (l == 0) continue;
    const o = <i32>unchecked(offs[l]);
    unchecked(sym[o] = <u16>s);
    unchecked(offs[l] = <u16>(o + 1));
  }
  return true;
}

/** Decodes one symbol bit by bit (canonical codes); -1 for a code not in the table or no input. */
function decode(count: Table<u16>, sym: Table<u16>): i32 {
  let code: i32 = 0;
  let first: i32 = 0;
  let index: i32 = 0;
  for (let l = 1; l <= MAXBITS; l++) {
    code |= <i32>bits(1);
    if (bad) return -1;
    const c = <i32>unchecked(count[l]);
    if (code - c < first) return <i32>unchecked(sym[index + (code - first)]);
    index += c;
    first = (first + c) << 1;
    code <<= 1;
  }
  return -1;
}

/** A stored block: LEN, NLEN (one's complement), LEN raw bytes. */
function stored(): bool {
  bitBuf = 0; // drop the bits up to the byte boundary (fewer than 8 are ever buffered)
  bitCnt = 0;
  if (pos + 4 > srcLen) return false;
  const n = <u32>load<u16>(src + pos);
  if ((n ^ 0xffff) != <u32>load<u16>(src + pos + 2)) return false;
  pos += 4;
  if (pos + n > srcLen || out + n > cap) return false;
  memory.copy(dst + out, src + pos, n);
  pos += n;
  out += n;
  return true;
}

/** Literal/length and distance codes of one Huffman block until end-of-block (256). */
function codes(): bool {
  // Every symbol consumes at least one input bit: the input length bounds the loop.
  for (let guard: u64 = 0; guard <= <u64>srcLen * 8; guard++) {
    const s = decode(lenCount, lenSym);
    if (s < 0) return false;
    if (s < 256) {
      if (out >= cap) return false;
      store<u8>(dst + out, <u8>s);
      out++;
      continue;
    }
    if (s == 256) return true;
    const li = s - 257;
    if (li >= 29) return false;
    const len = <u32>unchecked(LBASE[li]) + bits(<u32>unchecked(LEXT[li]));
    const d = decode(distCount, distSym);
    if (d < 0 || d >= 30) return false;
    const dist = <u32>unchecked(DBASE[d]) + bits(<u32>unchecked(DEXT[d]));
    if (bad || dist > out || out + len > cap) return false;
    for (let k: u32 = 0; k < len; k++) store<u8>(dst + out + k, load<u8>(dst + out + k - dist));
    out += len;
  }
  return false;
}

/** The fixed Huffman codes of RFC 1951 3.2.6. */
function fixedTables(): void {
  for (let s = 0; s < 144; s++) unchecked(lengths[s] = 8);
  for (let s = 144; s < 256; s++) unchecked(lengths[s] = 9);
  for (let s = 256; s < 280; s++) unchecked(lengths[s] = 7);
  for (let s = 280; s < 288; s++) unchecked(lengths[s] = 8);
  build(lenCount, lenSym, 0, 288);
  for (let s = 0; s < 30; s++) unchecked(lengths[s] = 5);
  build(distCount, distSym, 0, 30);
}

/** A dynamic block header: the code-length code, then the literal/length and distance lengths. */
function dynamicTables(): bool {
  const nlen = <i32>bits(5) + 257;
  const ndist = <i32>bits(5) + 1;
  const ncode = <i32>bits(4) + 4;
  if (bad || nlen > 286 || ndist > 30) return false;
  for (let i = 0; i < 19; i++) unchecked(lengths[unchecked(CLORDER[i])] = i < ncode ? <u8>bits(3) : 0);
  if (bad || !build(lenCount, lenSym, 0, 19)) return false;
  let i = 0;
  while (i < nlen + ndist) {
    const s = decode(lenCount, lenSym);
    if (s < 0) return false;
    if (s < 16) {
      unchecked(lengths[i++] = <u8>s);
      continue;
    }
    let v: u8 = 0;
    let rep: i32 = 0;
    if (s == 16) {
      if (i == 0) return false;
      v = unchecked(lengths[i - 1]);
      rep = 3 + <i32>bits(2);
    } else if (s == 17) rep = 3 + <i32>bits(3);
    else rep = 11 + <i32>bits(7);
    if (bad || i + rep > nlen + ndist) return false;
    for (let k = 0; k < rep; k++) unchecked(lengths[i++] = v);
  }
  if (unchecked(lengths[256]) == 0) return false; // no end-of-block code
  // lengths[0..nlen) are literal/length, [nlen..nlen+ndist) distance; build the distance table first
  // into its own arrays (build reads `lengths` at an offset).
  if (!build(distCount, distSym, nlen, ndist)) return false;
  return build(lenCount, lenSym, 0, nlen);
}

/**
 * Inflates the raw deflate stream [srcPtr, srcPtr+len) into [dstPtr, dstPtr+dstCap). Returns the
 * number of bytes written, or E_INFLATE for a malformed, truncated or oversized stream (including
 * bytes left after the final block). Never reads or writes outside the two ranges.
 */
export function inflateRaw(srcPtr: usize, len: u32, dstPtr: usize, dstCap: u32): i32 {
  src = srcPtr;
  srcLen = len;
  pos = 0;
  bitBuf = 0;
  bitCnt = 0;
  dst = dstPtr;
  cap = dstCap;
  out = 0;
  bad = false;
  let last: u32 = 0;
  while (last == 0) {
    last = bits(1);
    const type = bits(2);
    if (bad) return S.E_INFLATE;
    let ok = false;
    if (type == 0) ok = stored();
    else if (type == 1) {
      fixedTables();
      ok = codes();
    } else if (type == 2) ok = dynamicTables() && codes();
    if (!ok || bad) return S.E_INFLATE;
  }
  if (pos != srcLen) return S.E_INFLATE; // trailing bytes: not what the host sent
  return <i32>out;
}

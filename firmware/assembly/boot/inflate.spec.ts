// Raw deflate inflater (WRITEZ): fixed, dynamic and stored blocks against streams made by
// node:zlib deflateRawSync (level 9), every malformed-stream path, and a mutation fuzz that must
// only ever return a length or E_INFLATE, never write past the output buffer (8000 in CI).
import { inflateRaw, INFLATE_CAP } from "./inflate";
import { crc32 } from "./crc32";
import * as S from "../status";

/** zlib deflateRawSync("hello hello hello hello, dendra!", level 9): one fixed-Huffman block. */
const FIXED: StaticArray<u8> = [203, 72, 205, 201, 201, 87, 200, 64, 39, 117, 20, 82, 82, 243, 82, 138, 18, 21, 1];
/** zlib deflateRawSync of 4096 bytes of word text (level 9): one dynamic-Huffman block; output CRC 603244922. */
const DYNAMIC: StaticArray<u8> = [117,151,91,146,219,80,8,68,255,89,133,183,102,199,147,196,21,37,154,178,103,255,149,18,92,211,7,208,124,88,101,221,39,208,77,131,110,251,245,121,191,220,252,249,119,191,127,108,151,159,219,245,245,251,242,218,246,47,187,97,242,186,125,60,191,202,194,253,177,173,247,95,207,199,221,95,143,159,191,108,251,245,189,49,206,139,45,254,52,95,113,92,16,203,246,199,102,88,31,79,191,223,71,239,31,255,238,207,107,108,106,15,218,20,215,124,94,127,252,89,195,177,143,150,248,228,26,246,255,62,87,86,243,44,221,19,239,116,36,54,197,200,225,180,31,39,203,151,163,199,140,194,185,54,249,82,188,243,126,195,205,203,34,31,49,156,79,56,58,16,112,159,96,158,135,194,15,181,88,231,83,254,136,251,104,26,48,246,243,253,17,219,224,49,205,141,145,124,24,253,73,122,24,206,29,28,225,37,135,123,8,93,178,199,146,118,49,171,127,238,72,108,22,205,170,77,203,244,101,20,182,105,131,208,141,181,199,63,89,68,119,78,98,77,130,40,106,7,213,1,49,162,108,66,0,214,87,231,114,54,144,91,55,145,208,65,187,49,194,240,205,60,158,132,10,139,10,162,235,197,163,83,70,26,80,49,199,195,64,117,102,87,145,11,95,147,121,164,144,243,180,193,237,30,194,10,233,113,136,31,11,132,128,89,196,59,175,3,224,4,147,140,116,202,193,25,224,8,157,58,225,197,1,58,183,192,64,97,11,103,250,145,145,162,150,41,219,243,253,56,191,141,119,53,48,226,61,124,136,255,200,10,191,74,203,76,113,84,246,2,3,229,141,82,4,178,69,136,96,129,199,51,12,96,252,98,36,236,208,193,163,52,248,104,138,184,229,202,197,90,67,58,40,9,77,34,230,71,89,19,112,29,170,242,64,34,100,238,137,93,73,158,124,163,169,17,5,232,42,149,176,139,41,68,200,25,42,27,196,213,229,157,220,253,174,214,133,235,72,87,160,14,201,135,146,181,138,104,18,194,130,76,225,176,219,169,160,150,34,38,53,64,68,76,213,145,205,64,17,205,100,155,113,123,82,203,152,236,208,78,230,237,40,123,134,252,2,115,3,148,41,14,42,19,56,175,152,83,226,62,120,6,179,252,30,185,192,140,195,212,196,18,44,85,230,189,69,179,21,11,29,207,180,38,17,147,175,100,10,192,151,128,83,242,242,78,18,20,32,181,210,68,223,144,216,19,152,112,43,211,142,59,192,15,64,134,70,45,115,193,138,220,83,42,97,215,172,242,6,101,86,43,209,122,89,37,58,58,149,66,82,116,41,239,40,217,100,113,61,214,58,34,208,22,100,251,114,5,186,135,132,109,189,115,226,216,123,203,145,189,104,232,133,138,181,82,82,149,76,220,178,54,219,254,149,4,130,242,103,97,83,184,173,40,167,202,135,12,193,90,4,249,188,32,244,254,119,182,96,214,43,199,229,164,20,35,137,164,172,173,150,149,181,48,140,141,17,217,215,213,67,41,72,181,64,61,252,182,125,28,41,208,253,61,184,55,63,75,36,68,72,70,132,52,26,138,218,83,158,22,30,138,100,65,186,232,213,176,181,85,46,229,45,74,30,184,66,205,26,93,246,201,29,243,147,46,240,134,244,102,57,103,31,2,165,106,205,203,104,235,78,152,162,207,210,84,175,25,249,106,116,24,52,63,33,165,234,21,13,99,33,18,212,231,208,215,54,136,223,27,189,37,71,19,171,155,95,219,127];

const src: usize = memory.data(8192);
const dst: usize = memory.data(INFLATE_CAP + 64);

function put(a: StaticArray<u8>): u32 {
  for (let i = 0; i < a.length; i++) store<u8>(src + i, unchecked(a[i]));
  return <u32>a.length;
}

let rng: u32 = 0x12345678;
function next(): u32 {
  rng ^= rng << 13;
  rng ^= rng >>> 17;
  rng ^= rng << 5;
  return rng;
}

describe("inflateRaw", () => {
  it("inflates a fixed-Huffman block (zlib level 9, 32 bytes)", () => {
    const n = put(FIXED);
    expect(inflateRaw(src, n, dst, INFLATE_CAP)).toBe(32);
    expect(crc32(dst, 32)).toBe(1483416396);
  });
  it("inflates a dynamic-Huffman block to 4096 bytes with the right CRC-32", () => {
    const n = put(DYNAMIC);
    expect(inflateRaw(src, n, dst, INFLATE_CAP)).toBe(4096);
    expect(crc32(dst, 4096)).toBe(603244922);
  });
  it("inflates stored blocks (LEN/NLEN), the last one flagged", () => {
    // block 1: not last, stored, 3 bytes "abc"; block 2: last, stored, 2 bytes "de"
    const b: StaticArray<u8> = [0, 3, 0, 0xfc, 0xff, 97, 98, 99, 1, 2, 0, 0xfd, 0xff, 100, 101];
    const n = put(b);
    expect(inflateRaw(src, n, dst, INFLATE_CAP)).toBe(5);
    expect(load<u8>(dst + 4)).toBe(101);
  });
  it("refuses a bad NLEN, a reserved block type, truncation, trailing bytes and a too small buffer", () => {
    const badNlen: StaticArray<u8> = [1, 3, 0, 0xfc, 0xfe, 97, 98, 99];
    expect(inflateRaw(src, put(badNlen), dst, INFLATE_CAP)).toBe(S.E_INFLATE);
    const reserved: StaticArray<u8> = [7];
    expect(inflateRaw(src, put(reserved), dst, INFLATE_CAP)).toBe(S.E_INFLATE);
    const n = put(DYNAMIC);
    expect(inflateRaw(src, n - 1, dst, INFLATE_CAP)).toBe(S.E_INFLATE);
    expect(inflateRaw(src, n / 2, dst, INFLATE_CAP)).toBe(S.E_INFLATE);
    store<u8>(src + n, 0);
    expect(inflateRaw(src, n + 1, dst, INFLATE_CAP)).toBe(S.E_INFLATE);
    expect(inflateRaw(src, n, dst, 4095)).toBe(S.E_INFLATE);
    expect(inflateRaw(src, 0, dst, INFLATE_CAP)).toBe(S.E_INFLATE);
  });
  it("refuses a distance before the start of the output", () => {
    // fixed block: length code 257 (3 bytes) with distance code 0 (1) as the first symbol
    // bits LSB first: BFINAL=1, BTYPE=01, then 7-bit code 0000001 (257) reversed, 5-bit dist 00000
    const b: StaticArray<u8> = [0x03, 0x02, 0x00];
    expect(inflateRaw(src, put(b), dst, INFLATE_CAP)).toBe(S.E_INFLATE);
  });
  it("survives 8000 mutated streams: a length <= cap or E_INFLATE, never a write past the buffer", () => {
    let ok = 0;
    let refused = 0;
    for (let iter = 0; iter < 8000; iter++) {
      const base = (iter & 1) == 0 ? DYNAMIC : FIXED;
      let n = put(base);
      const kind = next() % 4;
      if (kind == 0) {
        for (let k: u32 = 0; k < 1 + next() % 4; k++) {
          const at = next() % n;
          store<u8>(src + at, load<u8>(src + at) ^ <u8>(<u32>1 << (next() & 7)));
        }
      } else if (kind == 1) n = next() % n;
      else if (kind == 2) for (let k: u32 = 0; k < n; k++) store<u8>(src + k, <u8>next());
      else {
        const at = next() % n;
        store<u8>(src + at, <u8>next());
        n = min<u32>(n + next() % 8, 8000);
      }
      const cap: u32 = (iter % 3) == 0 ? 100 : INFLATE_CAP;
      for (let g: u32 = 0; g < 16; g++) store<u8>(dst + cap + g, 0xa5);
      const r = inflateRaw(src, n, dst, cap);
      let guard = true;
      for (let g: u32 = 0; g < 16; g++) if (load<u8>(dst + cap + g) != 0xa5) guard = false;
      expect(guard).toBe(true);
      if (r >= 0) {
        expect(<u32>r <= cap).toBe(true);
        ok++;
      } else {
        expect(r).toBe(S.E_INFLATE);
        refused++;
      }
    }
    expect(ok + refused).toBe(8000);
    expect(refused > 500).toBe(true);
  });
});

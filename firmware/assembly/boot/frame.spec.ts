// Frame parser and CRC-32 (serial protocol v1), board side.
import {
  parserReset, parserFeed, frameType, frameSeq, frameLen, framePayload, frameEncode,
  FEED_MORE, FEED_FRAME, FEED_BAD_CRC, FEED_OVERSIZE,
} from "./frame";
import { crc32 } from "./crc32";

const buf: usize = memory.data(2048);
const src: usize = memory.data(1100);

/** Feeds [ptr, ptr+n) and returns the last non-MORE result (or MORE); counts frames. */
let frames: i32 = 0;
let drops: i32 = 0;
function feed(ptr: usize, n: u32): i32 {
  let last = FEED_MORE;
  for (let i: u32 = 0; i < n; i++) {
    const r = parserFeed(load<u8>(ptr + i));
    if (r == FEED_FRAME) frames++;
    else if (r != FEED_MORE) drops++;
    if (r != FEED_MORE) last = r;
  }
  return last;
}

function fill(n: u32): void {
  for (let i: u32 = 0; i < n; i++) store<u8>(src + i, <u8>(i * 7 + 3));
}

describe("crc32", () => {
  it("is CRC-32/ISO-HDLC (check value 0xCBF43926)", () => {
    const s = "123456789";
    for (let i = 0; i < 9; i++) store<u8>(buf + i, <u8>s.charCodeAt(i));
    expect(crc32(buf, 9)).toBe(0xcbf43926);
    expect(crc32(buf, 0)).toBe(0);
  });
});

describe("frame parser", () => {
  beforeEach(() => {
    parserReset(1024);
    frames = 0;
    drops = 0;
  });

  it("accepts a valid frame and exposes its fields", () => {
    fill(5);
    const n = frameEncode(buf, 0x03, 42, src, 5);
    expect(n).toBe(15);
    expect(load<u8>(buf)).toBe(0xa5);
    expect(load<u8>(buf + 1)).toBe(0x5a);
    expect(feed(buf, n)).toBe(FEED_FRAME);
    expect(frameType()).toBe(0x03);
    expect(frameSeq()).toBe(42);
    expect(frameLen()).toBe(5);
    expect(memory.compare(framePayload(), src, 5)).toBe(0);
  });

  it("accepts an empty payload and a maximal one", () => {
    let n = frameEncode(buf, 0x04, 1, src, 0);
    expect(feed(buf, n)).toBe(FEED_FRAME);
    fill(1024);
    n = frameEncode(buf, 0x03, 2, src, 1024);
    expect(feed(buf, n)).toBe(FEED_FRAME);
    expect(frameLen()).toBe(1024);
    expect(frames).toBe(2);
  });

  it("rejects a frame with a bad CRC, then parses the next one", () => {
    fill(8);
    const n = frameEncode(buf, 0x03, 7, src, 8);
    store<u8>(buf + 9, load<u8>(buf + 9) ^ 0x10);
    expect(feed(buf, n)).toBe(FEED_BAD_CRC);
    expect(frameSeq()).toBe(7);
    store<u8>(buf + 9, load<u8>(buf + 9) ^ 0x10);
    expect(feed(buf, n)).toBe(FEED_FRAME);
    expect(frames).toBe(1);
    expect(drops).toBe(1);
  });

  it("skips garbage (including a lone sync byte and A5 A5 5A) before the sync", () => {
    const junk: u8[] = [0x00, 0xff, 0xa5, 0x00, 0x5a, 0x13, 0xa5];
    for (let i = 0; i < junk.length; i++) store<u8>(buf + i, junk[i]);
    fill(3);
    const n = frameEncode(buf + <usize>junk.length, 0x05, 9, src, 3);
    expect(feed(buf, <u32>junk.length + n)).toBe(FEED_FRAME);
    expect(frameSeq()).toBe(9);
    expect(drops).toBe(0);
  });

  it("refuses an oversize length at the header and resyncs", () => {
    parserReset(16);
    fill(17);
    const n = frameEncode(buf, 0x03, 1, src, 17);
    const m = frameEncode(buf + n, 0x03, 2, src, 16);
    feed(buf, n + m);
    expect(drops).toBeGreaterThanOrEqual(1);
    expect(frames).toBe(1);
    expect(frameSeq()).toBe(2);
  });

  it("never accepts more than its static capacity", () => {
    parserReset(100000);
    store<u8>(buf, 0xa5);
    store<u8>(buf + 1, 0x5a);
    store<u8>(buf + 2, 3);
    store<u8>(buf + 3, 0);
    store<u16>(buf + 4, 0xffff);
    expect(feed(buf, 6)).toBe(FEED_OVERSIZE);
  });
});

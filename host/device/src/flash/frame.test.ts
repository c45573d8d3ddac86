import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, encodeFrame, FrameDecoder, Cmd, RESPONSE_BIT } from './frame.ts';

const enc = (s: string) => new TextEncoder().encode(s);

test('crc32 is CRC-32/ISO-HDLC (check value of "123456789" is 0xCBF43926)', () => {
  assert.equal(crc32(enc('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('encodeFrame lays out sync, type, seq, LE length, payload and LE CRC over type..payload', () => {
  const f = encodeFrame(Cmd.WRITE, 7, Uint8Array.of(1, 2, 3));
  assert.deepEqual([...f.subarray(0, 9)], [0xa5, 0x5a, 0x03, 7, 3, 0, 1, 2, 3]);
  const crc = crc32(f.subarray(2, 9));
  assert.equal(new DataView(f.buffer).getUint32(9, true), crc);
  assert.equal(f.length, 13);
  assert.throws(() => encodeFrame(256, 0), RangeError);
  assert.throws(() => encodeFrame(1, -1), RangeError);
  assert.throws(() => encodeFrame(1, 0, new Uint8Array(70000)), RangeError);
});

test('round trip: frames of many sizes decode to what was encoded', () => {
  const d = new FrameDecoder(1024);
  for (const n of [0, 1, 5, 255, 256, 1024]) {
    const p = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
    const out = d.push(encodeFrame(Cmd.HELLO | RESPONSE_BIT, n & 0xff, p));
    assert.equal(out.length, 1);
    assert.equal(out[0].type, 0x81);
    assert.equal(out[0].seq, n & 0xff);
    assert.deepEqual(out[0].payload, p);
  }
  assert.deepEqual(d.stats, { garbageBytes: 0, crcErrors: 0, oversize: 0 });
});

test('decoder resyncs after garbage, including garbage that contains sync bytes', () => {
  const d = new FrameDecoder(1024);
  const good = encodeFrame(Cmd.STATUS, 3, Uint8Array.of(9, 9));
  const noise = Uint8Array.of(0x00, 0xa5, 0x11, 0xa5, 0x5a, 0x01, 0x02, 0x03, 0x00); // false sync, len 3
  const stream = new Uint8Array([...noise, ...good, ...good]);
  const out = d.push(stream);
  assert.equal(out.length, 2, 'both real frames survive the false frame header in the noise');
  assert.deepEqual(out[0].payload, Uint8Array.of(9, 9));
  assert.ok(d.stats.garbageBytes >= 3);
  assert.equal(d.stats.crcErrors, 1);
});

test('a frame with a corrupted byte is rejected (CRC) and the next one is decoded', () => {
  const d = new FrameDecoder(1024);
  const bad = encodeFrame(Cmd.WRITE, 1, Uint8Array.of(1, 2, 3, 4));
  bad[8] ^= 0x40;
  const good = encodeFrame(Cmd.WRITE, 2, Uint8Array.of(5));
  const out = d.push(new Uint8Array([...bad, ...good]));
  assert.deepEqual(out.map((f) => f.seq), [2]);
  assert.equal(d.stats.crcErrors, 1);
});

test('oversize length is treated as noise (bounded buffering)', () => {
  const d = new FrameDecoder(16);
  const big = encodeFrame(Cmd.WRITE, 1, new Uint8Array(17));
  const good = encodeFrame(Cmd.WRITE, 2, new Uint8Array(16));
  const out = d.push(new Uint8Array([...big, ...good]));
  assert.deepEqual(out.map((f) => f.seq), [2]);
  assert.equal(d.stats.oversize, 1);
});

test('decoder handles frames split at every possible byte boundary', () => {
  const a = encodeFrame(Cmd.BEGIN, 10, Uint8Array.from({ length: 37 }, (_, i) => i));
  const b = encodeFrame(Cmd.FINISH, 11);
  const stream = new Uint8Array([...a, 0x42, ...b]);
  for (let cut = 0; cut <= stream.length; cut++) {
    for (const step of [1, 2, 7]) {
      const d = new FrameDecoder(1024);
      const got = [...d.push(stream.subarray(0, cut))];
      for (let i = cut; i < stream.length; i += step) got.push(...d.push(stream.subarray(i, i + step)));
      assert.deepEqual(got.map((f) => f.seq), [10, 11], `cut ${cut} step ${step}`);
      assert.equal(got[0].payload.length, 37);
    }
  }
});

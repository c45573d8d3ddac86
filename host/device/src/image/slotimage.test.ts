import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readSlotImage, SLOT_MAGIC, SLOT_VALID } from './slotimage.ts';
import { resumePoint } from '../flash/flash.ts';
import type { SlotStatus } from '../flash/loader.ts';

const REGION = { addr: 8192, size: 65536 }; // two banks of 32 KiB
const sha = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

/** Writes bank i like the firmware (header fields, generation, then the state word). */
function putBank(flash: Uint8Array, i: number, img: Uint8Array, gen: number | null, state = SLOT_VALID, header?: Uint8Array): void {
  const a = REGION.addr + i * 32768;
  const dv = new DataView(flash.buffer, a, 52);
  dv.setUint32(0, SLOT_MAGIC, true);
  dv.setUint32(4, img.length, true);
  flash.set(sha(img), a + 8);
  dv.setUint32(40, state, true);
  if (gen !== null) dv.setUint32(44, gen, true);
  if (header !== undefined) dv.setUint32(48, header.length, true); // HDR_DATA_OFF: the model sits behind the signed header
  flash.set(header ?? new Uint8Array(0), a + 4096);
  flash.set(img, a + 4096 + (header?.length ?? 0));
}

test('a signed bank: the model behind the 80-byte image header is hashed and returned, not the header', () => {
  const flash = new Uint8Array(REGION.addr + REGION.size).fill(0xff);
  const model = Uint8Array.from({ length: 200 }, (_, i) => (i * 7) & 0xff);
  putBank(flash, 0, model, 3, SLOT_VALID, new Uint8Array(80).fill(0x5a));
  const s = readSlotImage(flash, REGION);
  assert.equal(s.banks[0].dataOffset, 80);
  assert.equal(s.banks[0].intact, true, 'the SHA-256 covers the model, which starts 80 bytes in');
  assert.deepEqual(s.image, model);
  new DataView(flash.buffer, REGION.addr, 52).setUint32(48, 32768, true); // an offset past the bank: not committed
  assert.equal(readSlotImage(flash, REGION).banks[0].committed, false);
});

test('the newest committed, intact bank is the model; uncommitted or corrupted ones are not', () => {
  const flash = new Uint8Array(REGION.addr + REGION.size).fill(0xff);
  assert.equal(readSlotImage(flash, REGION).active, null);
  const a = Uint8Array.from({ length: 100 }, (_, i) => i);
  const b = Uint8Array.from({ length: 60 }, (_, i) => 255 - i);
  putBank(flash, 0, a, null); // a v1 header: generation word erased
  assert.equal(readSlotImage(flash, REGION).active?.index, 0);
  putBank(flash, 1, b, 0, 0xffffffff); // written but not committed (power cut before the state write)
  let s = readSlotImage(flash, REGION);
  assert.equal(s.active?.index, 0);
  assert.equal(s.banks[1].committed, false);
  flash.fill(0xff, REGION.addr + 32768, REGION.addr + 32768 + 48);
  putBank(flash, 1, b, 1);
  s = readSlotImage(flash, REGION);
  assert.equal(s.active?.index, 1);
  assert.deepEqual(s.image, b);
  flash[REGION.addr + 32768 + 4096] ^= 1; // bit rot in the newest: fall back to the older one
  s = readSlotImage(flash, REGION);
  assert.equal(s.banks[1].intact, false);
  assert.equal(s.active?.index, 0);
  assert.throws(() => readSlotImage(flash, { addr: 0, size: 8192 }), RangeError);
});

test('resumePoint: continue the same image, skip one already committed, else BEGIN', () => {
  const img = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
  const h = sha(img);
  const prefix = Buffer.from(h.subarray(0, 8)).toString('hex');
  const base: SlotStatus = { received: 2040, size: 5000, sha256Prefix: prefix, receiving: true, active: null };
  assert.equal(resumePoint(base, 5000, h), 2040);
  assert.equal(resumePoint({ ...base, sha256Prefix: '00'.repeat(8) }, 5000, h), 'begin');
  assert.equal(resumePoint({ ...base, size: 4999 }, 5000, h), 'begin');
  assert.equal(resumePoint({ ...base, receiving: false }, 5000, h), 'begin');
  const done = { ...base, receiving: false, active: { bank: 1, generation: 2, length: 5000, sha256Prefix: prefix } };
  assert.equal(resumePoint(done, 5000, h), 'done');
});

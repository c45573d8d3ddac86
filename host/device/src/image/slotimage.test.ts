import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readSlotImage, SLOT_MAGIC, SLOT_VALID } from './slotimage.ts';
import { resumePoint } from '../flash/flash.ts';
import type { SlotStatus } from '../flash/loader.ts';

const REGION = { addr: 8192, size: 65536 }; // two banks of 32 KiB
const sha = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

/** Writes bank i like the firmware (header fields, generation, then the state word). */
function putBank(flash: Uint8Array, i: number, img: Uint8Array, gen: number | null, state = SLOT_VALID): void {
  const a = REGION.addr + i * 32768;
  const dv = new DataView(flash.buffer, a, 48);
  dv.setUint32(0, SLOT_MAGIC, true);
  dv.setUint32(4, img.length, true);
  flash.set(sha(img), a + 8);
  dv.setUint32(40, state, true);
  if (gen !== null) dv.setUint32(44, gen, true);
  flash.set(img, a + 4096);
}

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

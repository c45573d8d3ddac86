import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2.js';
import { InputError } from '@dendra/core/errors.ts';
import { HEADER_LEN, OFF, SIG_LEN } from './format.ts';
import { generateKeyPair, privateKeyFromSeed, type PrivateKey } from './keys.ts';
import { signImage, type ImageMeta } from './sign.ts';
import { verifyImage, type VerifyOptions } from './verify.ts';
import { mulberry32 } from '@dendra/core/random.ts';

const key = privateKeyFromSeed(new Uint8Array(32).fill(7));
const other = privateKeyFromSeed(new Uint8Array(32).fill(9));
const meta: ImageMeta = { type: 'model', family: 'sim-soc', version: { major: 1, minor: 4, patch: 2 } };
const payload = Uint8Array.from({ length: 300 }, (_, i) => (i * 31 + 7) & 0xff);
const opts: VerifyOptions = { trustedKeys: [key], family: 'sim-soc', maxBytes: 4096, minVersion: { major: 1, minor: 4, patch: 0 } };

function refusal(bytes: Uint8Array, o: VerifyOptions = opts): string {
  try {
    verifyImage(bytes, o);
  } catch (e) {
    assert.ok(e instanceof InputError, `expected InputError, got ${e instanceof Error ? e.stack : String(e)}`);
    assert.ok(e.message.length > 0 && !e.message.includes('\n'), 'one-line message');
    return e.code;
  }
  assert.fail('image was accepted');
}

function flip(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const c = bytes.slice();
  c[at] = c[at]! ^ mask;
  return c;
}

test('round-trip: a signed image verifies and returns its header', () => {
  const img = signImage(payload, meta, key);
  assert.equal(img.length, HEADER_LEN + payload.length + SIG_LEN);
  const h = verifyImage(img, opts);
  assert.equal(h.type, 'model');
  assert.equal(h.family, 'sim-soc');
  assert.deepEqual(h.version, meta.version);
  assert.equal(h.payloadLength, payload.length);
  assert.deepEqual(h.kid, key.kid);
  assert.deepEqual(verifyImage(signImage(payload, { ...meta, type: 'firmware' }, key), opts).type, 'firmware');
  // Policy is optional; several trusted keys are fine.
  assert.equal(verifyImage(img, { trustedKeys: [other, key] }).payloadLength, payload.length);
  // Signing is deterministic (Ed25519).
  assert.deepEqual(signImage(payload, meta, key), img);
});

test('tampered payload, header and signature bytes are refused', () => {
  const img = signImage(payload, meta, key);
  assert.equal(refusal(flip(img, HEADER_LEN + 17)), 'E_IMAGE_HASH');
  assert.equal(refusal(flip(img, OFF.patch)), 'E_IMAGE_SIG');
  assert.equal(refusal(flip(img, OFF.family + 1, 0x20)), 'E_IMAGE_SIG'); // 'I' -> 'i': still well-formed
  assert.equal(refusal(flip(img, img.length - 1)), 'E_IMAGE_SIG');
  assert.equal(refusal(flip(img, img.length - SIG_LEN)), 'E_IMAGE_SIG');
  // Payload altered and the header hash "fixed up": the signature still catches it.
  const c = flip(img, HEADER_LEN);
  c.set(sha256(c.subarray(HEADER_LEN, HEADER_LEN + payload.length)), OFF.sha256);
  assert.equal(refusal(c), 'E_IMAGE_SIG');
});

test('wrong key: untrusted kid, or a trusted kid with another key\'s signature', () => {
  const img = signImage(payload, meta, other);
  assert.equal(refusal(img), 'E_IMAGE_KEY');
  const forged = img.slice();
  forged.set(key.kid, OFF.kid);
  assert.equal(refusal(forged), 'E_IMAGE_SIG');
  assert.equal(refusal(signImage(payload, meta, key), { ...opts, trustedKeys: [] }), 'E_IMAGE_KEY');
});

test('policy: other board family, too large for the slot, downgrade', () => {
  assert.equal(refusal(signImage(payload, { ...meta, family: 'other-soc' }, key)), 'E_IMAGE_FAMILY');
  assert.equal(refusal(signImage(payload, meta, key), { ...opts, maxBytes: payload.length - 1 }), 'E_IMAGE_TOO_BIG');
  assert.equal(verifyImage(signImage(payload, meta, key), { ...opts, maxBytes: payload.length }).payloadLength, payload.length);
  assert.equal(refusal(signImage(payload, { ...meta, version: { major: 1, minor: 3, patch: 99 } }, key)), 'E_IMAGE_DOWNGRADE');
  assert.equal(verifyImage(signImage(payload, { ...meta, version: { major: 1, minor: 4, patch: 0 } }, key), opts).version.patch, 0);
  // Too big is decided from the header alone, even before the bytes arrive.
  assert.equal(refusal(signImage(payload, meta, key).subarray(0, HEADER_LEN), { ...opts, maxBytes: 10 }), 'E_IMAGE_TOO_BIG');
});

test('truncated at every length is a typed error, never a crash', () => {
  const img = signImage(payload, meta, key);
  for (let n = 0; n < img.length; n++) assert.equal(refusal(img.subarray(0, n)), 'E_IMAGE_TRUNCATED', `length ${n}`);
  const tiny = signImage(Uint8Array.of(1), meta, key);
  for (let n = 0; n <= HEADER_LEN + 10; n++) assert.equal(refusal(tiny.subarray(0, n)), 'E_IMAGE_TRUNCATED', `length ${n}`);
  const longer = new Uint8Array(img.length + 1);
  longer.set(img);
  assert.equal(refusal(longer), 'E_IMAGE_TRAILING');
});

/** The shared seeded PRNG, so failures reproduce. */
const rng = mulberry32;

function mutate(img: Uint8Array, r: () => number): Uint8Array {
  const int = (n: number) => Math.floor(r() * n);
  const headerBias = () => (r() < 0.5 ? int(HEADER_LEN) : int(img.length));
  switch (int(6)) {
    case 0: return flip(img, headerBias(), 1 + int(255));
    case 1: { // several bytes
      let c = img;
      for (let k = 1 + int(8); k > 0; k--) c = flip(c, headerBias(), 1 + int(255));
      return c;
    }
    case 2: return img.slice(0, int(img.length)); // truncate
    case 3: { // append junk
      const c = new Uint8Array(img.length + 1 + int(80));
      c.set(img);
      for (let i = img.length; i < c.length; i++) c[i] = int(256);
      return c;
    }
    case 4: { // delete one byte
      const at = headerBias();
      return Uint8Array.from([...img.subarray(0, at), ...img.subarray(at + 1)]);
    }
    default: { // rewrite a 32-bit field with a random value (lengths, versions, family bytes)
      const at = int(HEADER_LEN - 3);
      const c = img.slice();
      const before = c.slice(at, at + 4);
      do new DataView(c.buffer).setUint32(at, int(2 ** 32), true); while (c.subarray(at, at + 4).every((b, i) => b === before[i]));
      return c;
    }
  }
}

test('2,000 random mutations: never accepted, only InputError', () => {
  const r = rng(0xd1a6);
  const small = signImage(Uint8Array.of(1, 2, 3), meta, key);
  const img = signImage(payload, meta, key);
  const codes = new Map<string, number>();
  for (let i = 0; i < 2000; i++) {
    const m = mutate(i % 2 ? img : small, r);
    const c = refusal(m, { ...opts, maxBytes: 1 << 20 });
    codes.set(c, (codes.get(c) ?? 0) + 1);
  }
  for (const c of ['E_IMAGE_MAGIC', 'E_IMAGE_TRUNCATED', 'E_IMAGE_HASH', 'E_IMAGE_SIG']) assert.ok(codes.has(c), `fuzz reached ${c}`);
});

test('signImage refuses an inconsistent key and an empty payload', () => {
  const fresh = generateKeyPair();
  const broken: PrivateKey = { ...fresh, publicKey: other.publicKey };
  assert.throws(() => signImage(payload, meta, broken), (e: unknown) => e instanceof InputError && e.code === 'E_KEY_MISMATCH');
  assert.throws(() => signImage(new Uint8Array(0), meta, key), (e: unknown) => e instanceof InputError && e.code === 'E_IMAGE_EMPTY');
});

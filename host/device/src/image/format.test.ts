import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '@dendra/core/errors.ts';
import {
  assembleImage, compareVersions, decodeHeader, decodeImage, encodeHeader, formatVersion, HEADER_LEN, OFF, parseVersion, SIG_LEN,
  type HeaderInput,
} from './format.ts';

const base: HeaderInput = {
  type: 'model',
  family: 'sim-soc',
  version: { major: 1, minor: 2, patch: 3 },
  payloadLength: 5,
  sha256: new Uint8Array(32).fill(0xab),
  kid: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
};

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), 'message is one line');
    return e.code;
  }
  assert.fail('expected an InputError');
}

test('header has the documented fixed little-endian layout', () => {
  const h = encodeHeader(base);
  assert.equal(h.length, HEADER_LEN);
  assert.deepEqual([...h.subarray(0, 4)], [0x44, 0x49, 0x4d, 0x47]);
  assert.deepEqual([...h.subarray(OFF.formatVersion, OFF.formatVersion + 2)], [1, 0]);
  assert.equal(h[OFF.type], 2);
  assert.equal(new TextDecoder().decode(h.subarray(OFF.family, OFF.family + 7)), 'sim-soc');
  assert.ok(h.subarray(OFF.family + 7, OFF.family + 16).every((b) => b === 0));
  assert.deepEqual([...h.subarray(OFF.major, OFF.major + 6)], [1, 0, 2, 0, 3, 0]);
  assert.deepEqual([...h.subarray(OFF.payloadLen, OFF.payloadLen + 4)], [5, 0, 0, 0]);
  assert.equal(h[OFF.sha256], 0xab);
  assert.deepEqual([...h.subarray(OFF.kid, OFF.kid + 8)], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(h.subarray(76, 80).every((b) => b === 0));
});

test('encode/decode round-trip', () => {
  const payload = Uint8Array.of(9, 8, 7, 6, 5);
  const img = assembleImage(encodeHeader(base), payload, new Uint8Array(SIG_LEN).fill(7));
  const d = decodeImage(img);
  assert.equal(d.header.type, 'model');
  assert.equal(d.header.family, 'sim-soc');
  assert.deepEqual(d.header.version, base.version);
  assert.deepEqual([...d.payload], [...payload]);
  assert.equal(d.signature.length, SIG_LEN);
  assert.equal(d.signed.length, HEADER_LEN + payload.length);
});

test('decode refuses malformed headers with typed codes', () => {
  const good = () => encodeHeader(base);
  const mut = (f: (h: Uint8Array) => void) => { const h = good(); f(h); return h; };
  assert.equal(code(() => decodeHeader(mut((h) => { h[0] = 0x45; }))), 'E_IMAGE_MAGIC');
  assert.equal(code(() => decodeHeader(mut((h) => { h[OFF.formatVersion] = 2; }))), 'E_IMAGE_FORMAT');
  assert.equal(code(() => decodeHeader(mut((h) => { h[OFF.type] = 3; }))), 'E_IMAGE_TYPE');
  assert.equal(code(() => decodeHeader(mut((h) => { h[OFF.flags] = 1; }))), 'E_IMAGE_HEADER');
  assert.equal(code(() => decodeHeader(mut((h) => { h[OFF.reserved1 + 3] = 1; }))), 'E_IMAGE_HEADER');
  assert.equal(code(() => decodeHeader(mut((h) => { h[OFF.family + 10] = 0x41; }))), 'E_IMAGE_FAMILY');
  assert.equal(code(() => decodeHeader(mut((h) => { h[OFF.family] = 0; }))), 'E_IMAGE_FAMILY');
  assert.equal(code(() => decodeHeader(mut((h) => { h[OFF.family] = 0x20; }))), 'E_IMAGE_FAMILY');
  assert.equal(code(() => decodeHeader(mut((h) => { h.fill(0, OFF.payloadLen, OFF.payloadLen + 4); }))), 'E_IMAGE_EMPTY');
  assert.equal(code(() => decodeHeader(good().subarray(0, HEADER_LEN - 1))), 'E_IMAGE_TRUNCATED');
});

test('decode refuses truncated and trailing images', () => {
  const img = assembleImage(encodeHeader(base), new Uint8Array(5), new Uint8Array(SIG_LEN));
  assert.equal(code(() => decodeImage(img.subarray(0, img.length - 1))), 'E_IMAGE_TRUNCATED');
  const longer = new Uint8Array(img.length + 1);
  longer.set(img);
  assert.equal(code(() => decodeImage(longer)), 'E_IMAGE_TRAILING');
});

test('decode works on a view with a non-zero byteOffset', () => {
  const img = assembleImage(encodeHeader(base), new Uint8Array(5), new Uint8Array(SIG_LEN));
  const buf = new Uint8Array(img.length + 3);
  buf.set(img, 3);
  assert.equal(decodeImage(buf.subarray(3)).header.payloadLength, 5);
});

test('encode refuses values the header cannot hold', () => {
  assert.equal(code(() => encodeHeader({ ...base, family: 'x'.repeat(17) })), 'E_IMAGE_FAMILY');
  assert.equal(code(() => encodeHeader({ ...base, family: '' })), 'E_IMAGE_FAMILY');
  assert.equal(code(() => encodeHeader({ ...base, family: 'bad/name' })), 'E_IMAGE_FAMILY');
  assert.equal(code(() => encodeHeader({ ...base, payloadLength: 0 })), 'E_IMAGE_EMPTY');
  assert.equal(code(() => encodeHeader({ ...base, payloadLength: 2 ** 32 })), 'E_IMAGE_TOO_BIG');
  assert.equal(code(() => encodeHeader({ ...base, version: { major: 65536, minor: 0, patch: 0 } })), 'E_IMAGE_VERSION');
  assert.equal(code(() => encodeHeader({ ...base, kid: new Uint8Array(7) })), 'E_IMAGE_HEADER');
  assert.equal(code(() => assembleImage(encodeHeader(base), new Uint8Array(4), new Uint8Array(SIG_LEN))), 'E_IMAGE_HEADER');
  assert.equal(encodeHeader({ ...base, family: 'x'.repeat(16) }).length, HEADER_LEN);
});

test('versions parse, format and compare', () => {
  assert.deepEqual(parseVersion('0.10.65535'), { major: 0, minor: 10, patch: 65535 });
  assert.equal(formatVersion(parseVersion('1.2.3')), '1.2.3');
  for (const bad of ['1.2', '1.2.3.4', '01.2.3', '1.2.65536', 'v1.2.3', '', '1.-2.3', '1.2.3 ']) {
    assert.equal(code(() => parseVersion(bad)), 'E_IMAGE_VERSION', bad);
  }
  assert.ok(compareVersions(parseVersion('1.2.3'), parseVersion('1.10.0')) < 0);
  assert.ok(compareVersions(parseVersion('2.0.0'), parseVersion('1.99.99')) > 0);
  assert.equal(compareVersions(parseVersion('1.2.3'), parseVersion('1.2.3')), 0);
});

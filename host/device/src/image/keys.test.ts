import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, UsageError } from '@dendra/core/errors.ts';
import { generateKeyPair, keyId, keyPaths, readPrivateKeyFile, readPublicKeyFile, toHex, writeKeyPair } from './keys.ts';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'dendra-keys-'));
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected an InputError');
}

test('kid is the first 8 bytes of SHA-256(public key)', () => {
  const k = generateKeyPair();
  assert.equal(k.kid.length, 8);
  assert.deepEqual(k.kid, keyId(k.publicKey));
  // SHA-256 of 32 zero bytes starts 66687aadf862bd77.
  assert.equal(toHex(keyId(new Uint8Array(32))), '66687aadf862bd77');
});

test('key pair files round-trip, private is 0600, JSON shape', () => {
  const dir = tmp();
  try {
    const k = generateKeyPair();
    const p = writeKeyPair(join(dir, 'sub'), 'ops', k);
    const pub = JSON.parse(readFileSync(p.publicPath, 'utf8'));
    assert.deepEqual(Object.keys(pub).sort(), ['kid', 'kty', 'public']);
    assert.equal(pub.kty, 'ed25519');
    assert.equal(pub.kid, toHex(k.kid));
    if (process.platform !== 'win32') assert.equal(statSync(p.privatePath).mode & 0o777, 0o600);
    assert.deepEqual(readPublicKeyFile(p.publicPath).publicKey, k.publicKey);
    const priv = readPrivateKeyFile(p.privatePath);
    assert.deepEqual(priv.secretKey, k.secretKey);
    assert.deepEqual(readPublicKeyFile(p.privatePath).kid, k.kid);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('refuses to overwrite an existing key; nothing stored is lost', () => {
  const dir = tmp();
  try {
    const first = writeKeyPair(dir, 'k', generateKeyPair());
    const before = [readFileSync(first.privatePath, 'utf8'), readFileSync(first.publicPath, 'utf8')];
    assert.equal(codeOf(() => writeKeyPair(dir, 'k', generateKeyPair())), 'E_KEY_EXISTS');
    assert.deepEqual([readFileSync(first.privatePath, 'utf8'), readFileSync(first.publicPath, 'utf8')], before);
    // Only the public half present: still refused, and no private file appears.
    const p2 = keyPaths(dir, 'half');
    writeFileSync(p2.publicPath, 'keep me');
    assert.equal(codeOf(() => writeKeyPair(dir, 'half', generateKeyPair())), 'E_KEY_EXISTS');
    assert.equal(readFileSync(p2.publicPath, 'utf8'), 'keep me');
    assert.equal(existsSync(p2.privatePath), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad names are usage errors', () => {
  for (const n of ['', '../x', 'a/b', '.hidden', 'x'.repeat(65)]) assert.throws(() => keyPaths('/tmp', n), UsageError);
});

test('malformed, mismatched and exposed key files are refused', () => {
  const dir = tmp();
  try {
    const k = generateKeyPair();
    const p = writeKeyPair(dir, 'k', k);
    const f = join(dir, 'bad.json');
    const put = (o: unknown, mode = 0o600) => { rmSync(f, { force: true }); writeFileSync(f, typeof o === 'string' ? o : JSON.stringify(o), { mode }); };
    const good = JSON.parse(readFileSync(p.privatePath, 'utf8'));
    assert.equal(codeOf(() => readPublicKeyFile(join(dir, 'missing.json'))), 'E_INPUT');
    put('not json');
    assert.equal(codeOf(() => readPublicKeyFile(f)), 'E_KEY_FILE');
    put([1]);
    assert.equal(codeOf(() => readPublicKeyFile(f)), 'E_KEY_FILE');
    put({ ...good, kty: 'rsa' });
    assert.equal(codeOf(() => readPublicKeyFile(f)), 'E_KEY_FILE');
    put({ ...good, public: 'zz' + good.public.slice(2) });
    assert.equal(codeOf(() => readPublicKeyFile(f)), 'E_KEY_FILE');
    put({ ...good, kid: '00'.repeat(8) });
    assert.equal(codeOf(() => readPublicKeyFile(f)), 'E_KEY_MISMATCH');
    put({ ...good, secret: toHex(generateKeyPair().secretKey) });
    assert.equal(codeOf(() => readPrivateKeyFile(f)), 'E_KEY_MISMATCH');
    assert.equal(codeOf(() => readPrivateKeyFile(p.publicPath)), 'E_KEY_FILE');
    put({ kty: 'ed25519', kid: good.kid, public: good.public });
    assert.equal(codeOf(() => readPrivateKeyFile(f)), 'E_KEY_FILE');
    if (process.platform !== 'win32') {
      put(good);
      chmodSync(f, 0o644);
      assert.equal(codeOf(() => readPrivateKeyFile(f)), 'E_KEY_PERMS');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

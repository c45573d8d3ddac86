/**
 * Ed25519 signing keys for images: generation, key ids, and the JSON key files.
 *
 * Public file `NAME.pub.json`: `{"kty":"ed25519","kid":hex16,"public":hex64}`.
 * Private file `NAME.key.json` (mode 0600): the same plus `"secret":hex64` (the 32-byte seed).
 * The kid is the first 8 bytes of SHA-256(public key). Key files are never overwritten.
 */
import { existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ed from '@noble/ed25519';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { InputError, UsageError } from '@dendra/core/errors.ts';
import { KID_LEN } from './format.ts';

// @noble/ed25519 v3 has no built-in sync SHA-512: wire it once for every user of this module.
ed.hashes.sha512 = sha512;

export { ed };

/** A verifying key. */
export interface PublicKey {
  /** First 8 bytes of SHA-256(publicKey). */
  kid: Uint8Array;
  /** 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
}

/** A signing key (the secret is the 32-byte Ed25519 seed). */
export interface PrivateKey extends PublicKey {
  secretKey: Uint8Array;
}

/** Paths written by {@link writeKeyPair}. */
export interface KeyPaths {
  publicPath: string;
  privatePath: string;
}

/** The key id of a public key: the first 8 bytes of its SHA-256. */
export function keyId(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey).slice(0, KID_LEN);
}

/** Hex of bytes (lower case). */
export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

/** Makes a new key pair from the OS CSPRNG. Never throws in a normal Node runtime. */
export function generateKeyPair(): PrivateKey {
  const { secretKey, publicKey } = ed.keygen();
  return { kid: keyId(publicKey), publicKey, secretKey };
}

/** Derives the full private key from a 32-byte seed. @throws InputError `E_KEY_FILE` for a wrong size. */
export function privateKeyFromSeed(secretKey: Uint8Array): PrivateKey {
  if (secretKey.length !== 32) throw new InputError('E_KEY_FILE', 'ed25519 secret key must be 32 bytes');
  const publicKey = ed.getPublicKey(secretKey);
  return { kid: keyId(publicKey), publicKey, secretKey };
}

/** The public key file's JSON text. */
export function publicKeyJson(key: PublicKey): string {
  return JSON.stringify({ kty: 'ed25519', kid: toHex(key.kid), public: toHex(key.publicKey) }, null, 2) + '\n';
}

/** The private key file's JSON text (contains the secret: write it with mode 0600). */
export function privateKeyJson(key: PrivateKey): string {
  const o = { kty: 'ed25519', kid: toHex(key.kid), public: toHex(key.publicKey), secret: toHex(key.secretKey) };
  return JSON.stringify(o, null, 2) + '\n';
}

const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** The file paths a key pair named `name` gets in `dir`. @throws UsageError for a name with path characters. */
export function keyPaths(dir: string, name: string): KeyPaths {
  if (!NAME_RE.test(name) || name.startsWith('.')) throw new UsageError(`key name '${name}' must be 1..64 characters of A-Z a-z 0-9 . _ - and not start with '.'`);
  return { publicPath: join(dir, `${name}.pub.json`), privatePath: join(dir, `${name}.key.json`) };
}

/**
 * Writes a key pair as `NAME.pub.json` and `NAME.key.json` (0600) in `dir` (created if needed).
 * Refuses to overwrite: if either file exists nothing is written. Files are created exclusively,
 * so a concurrent writer cannot be clobbered either; a half-written pair is removed.
 * @throws InputError `E_KEY_EXISTS` when a file is already there, `E_INPUT` when it cannot write;
 *   UsageError for a bad name.
 */
export function writeKeyPair(dir: string, name: string, key: PrivateKey): KeyPaths {
  const paths = keyPaths(dir, name);
  for (const p of [paths.privatePath, paths.publicPath]) {
    if (existsSync(p)) throw new InputError('E_KEY_EXISTS', `${p} already exists; refusing to overwrite a key (choose another --name or --out)`, p);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new InputError('E_INPUT', `cannot create ${dir}: ${(e as Error).message}`, dir);
  }
  writeExclusive(paths.privatePath, privateKeyJson(key), 0o600);
  try {
    writeExclusive(paths.publicPath, publicKeyJson(key), 0o644);
  } catch (e) {
    unlinkSync(paths.privatePath); // ours, created just above: do not leave half a pair
    throw e;
  }
  return paths;
}

function writeExclusive(path: string, text: string, mode: number): void {
  try {
    writeFileSync(path, text, { flag: 'wx', mode });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST') throw new InputError('E_KEY_EXISTS', `${path} already exists; refusing to overwrite a key`, path);
    throw new InputError('E_INPUT', `cannot write ${path}: ${err.message}`, path);
  }
}

function readJson(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message;
    throw new InputError('E_INPUT', `cannot read key file ${path}: ${why}`, path);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new InputError('E_KEY_FILE', `${path} is not a JSON key file`, path);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError('E_KEY_FILE', `${path} is not a JSON key file`, path);
  return v as Record<string, unknown>;
}

function hexField(o: Record<string, unknown>, field: string, bytes: number, path: string): Uint8Array {
  const v = o[field];
  if (typeof v !== 'string' || v.length !== bytes * 2 || !/^[0-9a-fA-F]*$/.test(v)) {
    throw new InputError('E_KEY_FILE', `${path}: "${field}" must be ${bytes * 2} hex characters`, path);
  }
  return hexToBytes(v);
}

/**
 * Parses a key file object (public or private) into its public part, checking kty and that the
 * stated kid matches the public key.
 * @throws InputError `E_KEY_FILE` when a field is missing or malformed, `E_KEY_MISMATCH` when the kid is wrong.
 */
export function parsePublicKey(o: Record<string, unknown>, path = 'key'): PublicKey {
  if (o.kty !== 'ed25519') throw new InputError('E_KEY_FILE', `${path}: "kty" must be "ed25519"`, path);
  const publicKey = hexField(o, 'public', 32, path);
  const kid = hexField(o, 'kid', KID_LEN, path);
  if (toHex(kid) !== toHex(keyId(publicKey))) throw new InputError('E_KEY_MISMATCH', `${path}: "kid" does not match the public key`, path);
  return { kid, publicKey };
}

/**
 * Reads a public key file (a private key file is accepted too; only its public part is used).
 * @throws InputError `E_INPUT` (unreadable), `E_KEY_FILE` or `E_KEY_MISMATCH`.
 */
export function readPublicKeyFile(path: string): PublicKey {
  return parsePublicKey(readJson(path), path);
}

/**
 * Reads a private key file. Refuses a file group/other can read (POSIX), and one whose secret does
 * not produce its stated public key.
 * @throws InputError `E_INPUT`, `E_KEY_FILE` (malformed, or a public-only file), `E_KEY_PERMS`
 *   or `E_KEY_MISMATCH`.
 */
export function readPrivateKeyFile(path: string): PrivateKey {
  const o = readJson(path);
  const pub = parsePublicKey(o, path);
  if (o.secret === undefined) throw new InputError('E_KEY_FILE', `${path} has no "secret": it is a public key, pass the .key.json file`, path);
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new InputError('E_KEY_PERMS', `${path} is readable by other users; run chmod 600 ${path}`, path);
  }
  const key = privateKeyFromSeed(hexField(o, 'secret', 32, path));
  if (toHex(key.publicKey) !== toHex(pub.publicKey)) throw new InputError('E_KEY_MISMATCH', `${path}: "secret" does not belong to "public"`, path);
  return key;
}

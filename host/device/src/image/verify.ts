/**
 * Verification of untrusted image bytes: structure, size, payload hash, trusted key, signature,
 * then the caller's policy (board family, downgrade). The first failed check is thrown as an
 * InputError whose code says why; nothing else is ever thrown for any input bytes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { InputError } from '@dendra/core/errors.ts';
import { compareVersions, decodeHeader, decodeImage, formatVersion, HEADER_LEN, SIG_LEN, type ImageHeader, type Version } from './format.ts';
import { ed, keyId, toHex, type PublicKey } from './keys.ts';

/** What the verifier trusts and requires. */
export interface VerifyOptions {
  /** Keys allowed to sign; the image's kid picks one. The kid is recomputed from each publicKey. */
  trustedKeys: readonly Pick<PublicKey, 'publicKey'>[];
  /** Required board family (exact match); unchecked when omitted. */
  family?: string;
  /** Largest accepted payload in bytes (the slot size); unchecked when omitted. */
  maxBytes?: number;
  /** Lowest accepted version (equal is accepted, lower is a downgrade); unchecked when omitted. */
  minVersion?: Version;
}

/** Constant-shape byte comparison (lengths are public here). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

function findKey(kid: Uint8Array, keys: VerifyOptions['trustedKeys']): Uint8Array {
  for (const k of keys) {
    if (k.publicKey.length === 32 && sameBytes(keyId(k.publicKey), kid)) return k.publicKey;
  }
  throw new InputError('E_IMAGE_KEY', `image is signed by key ${toHex(kid)}, which is not trusted`);
}

/**
 * Verifies an image and returns its header. Checks, in order: header structure, payload size
 * against `maxBytes` (before hashing anything), total length, payload SHA-256, that the kid names
 * a trusted key, the Ed25519 signature over header || payload (strict RFC 8032, no ZIP-215
 * leniency), the board family, and the downgrade floor.
 * @throws InputError with code `E_IMAGE_TRUNCATED`, `E_IMAGE_MAGIC`, `E_IMAGE_FORMAT`,
 *   `E_IMAGE_TYPE`, `E_IMAGE_HEADER`, `E_IMAGE_FAMILY`, `E_IMAGE_EMPTY`, `E_IMAGE_TOO_BIG`,
 *   `E_IMAGE_TRAILING`, `E_IMAGE_HASH`, `E_IMAGE_KEY`, `E_IMAGE_SIG` or `E_IMAGE_DOWNGRADE`.
 */
export function verifyImage(bytes: Uint8Array, opts: VerifyOptions): ImageHeader {
  const early = decodeHeader(bytes);
  if (opts.maxBytes !== undefined && early.payloadLength > opts.maxBytes) {
    throw new InputError('E_IMAGE_TOO_BIG', `image payload is ${early.payloadLength} bytes, the slot holds ${opts.maxBytes}`);
  }
  const img = decodeImage(bytes);
  const h = img.header;
  if (!sameBytes(sha256(img.payload), h.sha256)) throw new InputError('E_IMAGE_HASH', 'image payload does not match the SHA-256 in its header (corrupted)');
  const publicKey = findKey(h.kid, opts.trustedKeys);
  let ok = false;
  try {
    ok = img.signature.length === SIG_LEN && ed.verify(img.signature, img.signed, publicKey, { zip215: false });
  } catch {
    ok = false;
  }
  if (!ok) throw new InputError('E_IMAGE_SIG', `image signature is not valid for key ${toHex(h.kid)} (header or payload altered, or bad signature)`);
  if (opts.family !== undefined && h.family !== opts.family) {
    throw new InputError('E_IMAGE_FAMILY', `image is for board family '${h.family}', this board is '${opts.family}'`);
  }
  if (opts.minVersion && compareVersions(h.version, opts.minVersion) < 0) {
    throw new InputError('E_IMAGE_DOWNGRADE', `image version ${formatVersion(h.version)} is older than ${formatVersion(opts.minVersion)} (downgrade refused)`);
  }
  return h;
}

/** Total image size for a payload of `payloadLength` bytes. */
export function imageSize(payloadLength: number): number {
  return HEADER_LEN + payloadLength + SIG_LEN;
}

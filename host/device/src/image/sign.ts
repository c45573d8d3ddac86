/**
 * Signing: builds a signed image (docs/image-format.md) from a payload, its metadata and a key.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { InputError } from '@dendra/core/errors.ts';
import { assembleImage, encodeHeader, type ImageTypeName, type Version } from './format.ts';
import { ed, keyId, toHex, type PrivateKey } from './keys.ts';

/** What the signer states about the payload. */
export interface ImageMeta {
  type: ImageTypeName;
  /** Board family the image is for, e.g. "sim-soc". */
  family: string;
  version: Version;
}

/**
 * Signs `payload`: header (with the payload's SHA-256 and the key id) || payload || Ed25519
 * signature over header || payload.
 * @returns the complete image bytes.
 * @throws InputError `E_IMAGE_EMPTY` (empty payload), `E_IMAGE_FAMILY`, `E_IMAGE_VERSION`,
 *   `E_IMAGE_TYPE`, `E_IMAGE_TOO_BIG`, or `E_KEY_MISMATCH` when the key's kid/public part is not
 *   its own (a corrupted key object).
 */
export function signImage(payload: Uint8Array, meta: ImageMeta, privateKey: PrivateKey): Uint8Array {
  if (privateKey.secretKey.length !== 32) throw new InputError('E_KEY_FILE', 'ed25519 secret key must be 32 bytes');
  const derived = ed.getPublicKey(privateKey.secretKey);
  if (toHex(derived) !== toHex(privateKey.publicKey) || toHex(keyId(derived)) !== toHex(privateKey.kid)) {
    throw new InputError('E_KEY_MISMATCH', 'signing key is inconsistent (secret, public key and kid do not match)');
  }
  const header = encodeHeader({
    type: meta.type,
    family: meta.family,
    version: meta.version,
    payloadLength: payload.length,
    sha256: sha256(payload),
    kid: privateKey.kid,
  });
  const signed = new Uint8Array(header.length + payload.length);
  signed.set(header, 0);
  signed.set(payload, header.length);
  const signature = ed.sign(signed, privateKey.secretKey);
  return assembleImage(header, payload, signature);
}

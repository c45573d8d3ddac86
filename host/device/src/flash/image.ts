/**
 * What `flashModel` sends: a raw .tflite model (BEGIN type 1) or a signed model image (.dimg,
 * detected by its "DIMG" magic; BEGIN type 2, docs/image-format.md). A signed image is sent
 * whole: the board verifies it at FINISH and keeps only its payload as the model.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { InputError } from '@dendra/core/errors.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { decodeImage, IMAGE_MAGIC, type ImageHeader } from '../image/format.ts';
import { verifyImage } from '../image/verify.ts';
import type { PublicKey } from '../image/keys.ts';
import { IMAGE_MODEL, IMAGE_SIGNED_MODEL } from './frame.ts';

/** An image ready to send. */
export interface FlashImage {
  /** The bytes sent with WRITE (the whole file). */
  bytes: Uint8Array;
  /** SHA-256 of `bytes` (declared in BEGIN). */
  sha: Uint8Array;
  /** BEGIN type: IMAGE_MODEL (raw) or IMAGE_SIGNED_MODEL. */
  beginType: number;
  /** The model the board will store and run (the payload of a signed image). */
  model: Uint8Array;
  /** SHA-256 of `model`: what the board's STATUS reports once it is committed. */
  modelSha: Uint8Array;
  /** The signed image's header (structure only unless `trustedKeys` verified it), else null. */
  header: ImageHeader | null;
  /** `model` parsed, once ({@link parsedModel}); null when the host cannot read it (the board validates every model itself). */
  parsed?: QModel | null;
}

/** `img.model` parsed, memoised on the image so that a flash parses its model once. Never throws (null: unreadable). */
export function parsedModel(img: FlashImage): QModel | null {
  if (img.parsed === undefined) {
    try {
      img.parsed = readTflite(img.model);
    } catch {
      img.parsed = null;
    }
  }
  return img.parsed;
}

/** SHA-256 digest of `b` (32 bytes). Never throws. */
export const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());

/** True when `bytes` start with the signed image magic "DIMG". */
export function isSignedImage(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && IMAGE_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Reads a file to flash, whole. @throws InputError `E_INPUT` "model file X does not exist" or "cannot read X: ...".
 */
export function readFileBytes(file: string): Uint8Array {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError('E_INPUT', `model file ${file} does not exist`, file);
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new InputError('E_INPUT', `cannot read ${file}: ${(e as Error).message}`, file);
  }
}

/**
 * Reads a file to flash. A "DIMG" file must be a structurally valid signed image of type model
 * whose payload is a TFLite model; with `trustedKeys` it is also verified locally (hash, trusted
 * key, signature) before anything is sent. Anything else must be a .tflite ("TFL3" at byte 4);
 * `trustedKeys` then refuses it, since an unsigned model cannot be verified.
 * @throws InputError `E_INPUT` (missing/unreadable), `E_NOT_TFLITE`, `E_IMAGE_*` (see
 *   format.ts / verify.ts; `E_IMAGE_TYPE` for a firmware image) or `E_IMAGE_UNSIGNED`.
 */
export function readFlashImage(file: string, trustedKeys?: readonly Pick<PublicKey, 'publicKey'>[]): FlashImage {
  return flashImageFrom(readFileBytes(file), file, trustedKeys);
}

/**
 * {@link readFlashImage} for bytes already read (`file` names them in messages); the bytes are not copied.
 * @throws InputError as {@link readFlashImage}, except the file errors.
 */
export function flashImageFrom(bytes: Uint8Array, file: string, trustedKeys?: readonly Pick<PublicKey, 'publicKey'>[]): FlashImage {
  if (!isSignedImage(bytes)) {
    if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(4, 8)) !== 'TFL3') {
      throw new InputError('E_NOT_TFLITE', `${file} is neither a TFLite model (no "TFL3" identifier at byte 4) nor a signed image (no "DIMG" magic)`, file);
    }
    if (trustedKeys) throw new InputError('E_IMAGE_UNSIGNED', `${file} is an unsigned model: --pubkey verifies signed images (.dimg) only`, file);
    const sha = sha256(bytes);
    return { bytes, sha, beginType: IMAGE_MODEL, model: bytes, modelSha: sha, header: null };
  }
  const header = trustedKeys ? verifyImage(bytes, { trustedKeys }) : decodeImage(bytes).header;
  if (header.type !== 'model') throw new InputError('E_IMAGE_TYPE', `${file} is a signed ${header.type} image, not a model`, file);
  const model = decodeImage(bytes).payload;
  if (model.length < 8 || new TextDecoder().decode(model.subarray(4, 8)) !== 'TFL3') {
    throw new InputError('E_NOT_TFLITE', `${file}: the signed payload is not a TFLite model (no "TFL3" identifier)`, file);
  }
  return { bytes, sha: sha256(bytes), beginType: IMAGE_SIGNED_MODEL, model, modelSha: sha256(model), header };
}

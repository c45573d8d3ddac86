/**
 * Signed image format v1 (docs/image-format.md): a fixed 80-byte little-endian header, the payload,
 * then a 64-byte Ed25519 signature over header || payload.
 *
 * This module only does structure: {@link encodeImage} builds the bytes that get signed and
 * {@link decodeImage} parses untrusted bytes with full bounds checks. It never checks the hash,
 * key or signature; that is {@link ../image/verify.ts}'s job. Every malformed input is an
 * {@link InputError} with an `E_IMAGE_*` code and a one-line message, never a RangeError.
 */
import { InputError } from '@dendra/core/errors.ts';

/** The 4 magic bytes at offset 0: ASCII "DIMG". */
export const IMAGE_MAGIC = Uint8Array.of(0x44, 0x49, 0x4d, 0x47);
/** The only format version this code reads and writes. */
export const IMAGE_FORMAT_VERSION = 1;
/** Header size in bytes (fixed for format version 1). */
export const HEADER_LEN = 80;
/** Ed25519 signature size in bytes (trailer). */
export const SIG_LEN = 64;
/** Size of the board family field; the name is ASCII, NUL padded. */
export const FAMILY_LEN = 16;
/** Key id size: the first 8 bytes of SHA-256(public key). */
export const KID_LEN = 8;
/** Largest payload the u32 length field can describe. */
export const MAX_PAYLOAD_LEN = 0xffff_ffff;

/** Byte offsets of the header fields (see docs/image-format.md). */
export const OFF = {
  magic: 0,
  formatVersion: 4,
  type: 6,
  flags: 7,
  family: 8,
  major: 24,
  minor: 26,
  patch: 28,
  reserved0: 30,
  payloadLen: 32,
  sha256: 36,
  kid: 68,
  reserved1: 76,
} as const;

/** Image type byte: what the payload is. */
export const ImageType = { firmware: 1, model: 2 } as const;
/** The image type names. */
export type ImageTypeName = keyof typeof ImageType;

/** A semantic version triple; each part 0..65535. */
export interface Version {
  major: number;
  minor: number;
  patch: number;
}

/** The decoded header fields. */
export interface ImageHeader {
  formatVersion: number;
  type: ImageTypeName;
  /** Board family, e.g. "sim-soc" (1..16 chars of [A-Za-z0-9._-]). */
  family: string;
  version: Version;
  payloadLength: number;
  /** SHA-256 of the payload as recorded in the header (32 bytes). */
  sha256: Uint8Array;
  /** Key id of the signing key (8 bytes). */
  kid: Uint8Array;
}

/** A structurally valid image split into its parts (views into the input, not copies). */
export interface DecodedImage {
  header: ImageHeader;
  /** The header bytes exactly as received (what the signature covers, with the payload). */
  headerBytes: Uint8Array;
  payload: Uint8Array;
  signature: Uint8Array;
  /** header || payload: the signed message. */
  signed: Uint8Array;
}

const FAMILY_RE = /^[A-Za-z0-9._-]{1,16}$/;

/** Checks a board family name; throws InputError `E_IMAGE_FAMILY` when it cannot be stored. */
export function checkFamily(family: string): void {
  if (!FAMILY_RE.test(family)) {
    throw new InputError('E_IMAGE_FAMILY', `board family '${family}' must be 1..${FAMILY_LEN} characters of A-Z a-z 0-9 . _ -`);
  }
}

/**
 * Parses "X.Y.Z" (each 0..65535, no leading zeros except "0").
 * @throws InputError `E_IMAGE_VERSION` for anything else.
 */
export function parseVersion(text: string): Version {
  const m = /^(0|[1-9]\d{0,4})\.(0|[1-9]\d{0,4})\.(0|[1-9]\d{0,4})$/.exec(text);
  const parts = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [];
  if (!m || parts.some((p) => p > 0xffff)) {
    throw new InputError('E_IMAGE_VERSION', `version '${text}' must be X.Y.Z with each part 0..65535`);
  }
  return { major: parts[0]!, minor: parts[1]!, patch: parts[2]! };
}

/** Formats a version as "X.Y.Z". */
export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/** Compares two versions: negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

function checkVersion(v: Version): void {
  for (const p of [v.major, v.minor, v.patch]) {
    if (!Number.isInteger(p) || p < 0 || p > 0xffff) {
      throw new InputError('E_IMAGE_VERSION', `version ${formatVersion(v)} has a part outside 0..65535`);
    }
  }
}

/** Fields the signer chooses; the rest of the header is derived from the payload and key. */
export interface HeaderInput {
  type: ImageTypeName;
  family: string;
  version: Version;
  payloadLength: number;
  sha256: Uint8Array;
  kid: Uint8Array;
}

/**
 * Encodes a header (80 bytes).
 * @throws InputError `E_IMAGE_FAMILY`, `E_IMAGE_VERSION`, `E_IMAGE_TYPE`, `E_IMAGE_EMPTY`,
 *   `E_IMAGE_TOO_BIG` (payload over 4 GiB - 1) or `E_IMAGE_HEADER` (hash/kid of the wrong size).
 */
export function encodeHeader(h: HeaderInput): Uint8Array {
  checkFamily(h.family);
  checkVersion(h.version);
  if (!(h.type in ImageType)) throw new InputError('E_IMAGE_TYPE', `image type '${String(h.type)}' must be firmware or model`);
  if (!Number.isInteger(h.payloadLength) || h.payloadLength < 1) throw new InputError('E_IMAGE_EMPTY', 'image payload is empty');
  if (h.payloadLength > MAX_PAYLOAD_LEN) throw new InputError('E_IMAGE_TOO_BIG', `payload of ${h.payloadLength} bytes does not fit a u32 length`);
  if (h.sha256.length !== 32 || h.kid.length !== KID_LEN) throw new InputError('E_IMAGE_HEADER', 'header needs a 32-byte sha256 and an 8-byte key id');
  const out = new Uint8Array(HEADER_LEN);
  const dv = new DataView(out.buffer);
  out.set(IMAGE_MAGIC, OFF.magic);
  dv.setUint16(OFF.formatVersion, IMAGE_FORMAT_VERSION, true);
  dv.setUint8(OFF.type, ImageType[h.type]);
  out.set(new TextEncoder().encode(h.family), OFF.family);
  dv.setUint16(OFF.major, h.version.major, true);
  dv.setUint16(OFF.minor, h.version.minor, true);
  dv.setUint16(OFF.patch, h.version.patch, true);
  dv.setUint32(OFF.payloadLen, h.payloadLength, true);
  out.set(h.sha256, OFF.sha256);
  out.set(h.kid, OFF.kid);
  return out;
}

/**
 * Concatenates header || payload || signature.
 * @throws InputError `E_IMAGE_HEADER` when the parts do not agree (wrong sizes).
 */
export function assembleImage(header: Uint8Array, payload: Uint8Array, signature: Uint8Array): Uint8Array {
  const len = header.length === HEADER_LEN ? new DataView(header.buffer, header.byteOffset).getUint32(OFF.payloadLen, true) : -1;
  if (len !== payload.length || signature.length !== SIG_LEN) {
    throw new InputError('E_IMAGE_HEADER', 'image parts do not agree (header length field, payload size, 64-byte signature)');
  }
  const out = new Uint8Array(HEADER_LEN + payload.length + SIG_LEN);
  out.set(header, 0);
  out.set(payload, HEADER_LEN);
  out.set(signature, HEADER_LEN + payload.length);
  return out;
}

function typeName(byte: number): ImageTypeName {
  for (const [name, v] of Object.entries(ImageType)) if (v === byte) return name as ImageTypeName;
  throw new InputError('E_IMAGE_TYPE', `unknown image type ${byte} (1 firmware, 2 model)`);
}

/** Reads the family field: ASCII name, then only NULs. */
function readFamily(field: Uint8Array): string {
  let end = field.indexOf(0);
  if (end < 0) end = field.length;
  const bad = field.subarray(end).some((b) => b !== 0);
  const name = String.fromCharCode(...field.subarray(0, end));
  if (bad || !FAMILY_RE.test(name)) throw new InputError('E_IMAGE_FAMILY', 'image board family field is malformed');
  return name;
}

/**
 * Parses the header of untrusted bytes (the first 80).
 * @throws InputError `E_IMAGE_TRUNCATED` (fewer than 80 bytes), `E_IMAGE_MAGIC`, `E_IMAGE_FORMAT`
 *   (unsupported format version), `E_IMAGE_TYPE`, `E_IMAGE_HEADER` (reserved bytes not zero),
 *   `E_IMAGE_FAMILY` (malformed family field) or `E_IMAGE_EMPTY` (payload length 0).
 */
export function decodeHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length < HEADER_LEN) throw new InputError('E_IMAGE_TRUNCATED', `image is truncated: ${bytes.length} bytes, the header alone is ${HEADER_LEN}`);
  for (let i = 0; i < IMAGE_MAGIC.length; i++) {
    if (bytes[OFF.magic + i] !== IMAGE_MAGIC[i]) throw new InputError('E_IMAGE_MAGIC', 'not a Dendra image (no "DIMG" magic at byte 0)');
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, HEADER_LEN);
  const formatVersion = dv.getUint16(OFF.formatVersion, true);
  if (formatVersion !== IMAGE_FORMAT_VERSION) throw new InputError('E_IMAGE_FORMAT', `unsupported image format version ${formatVersion} (this host reads ${IMAGE_FORMAT_VERSION})`);
  const type = typeName(dv.getUint8(OFF.type));
  const reservedOk = dv.getUint8(OFF.flags) === 0 && dv.getUint16(OFF.reserved0, true) === 0 && dv.getUint32(OFF.reserved1, true) === 0;
  if (!reservedOk) throw new InputError('E_IMAGE_HEADER', 'image header has non-zero reserved bytes');
  const family = readFamily(bytes.subarray(OFF.family, OFF.family + FAMILY_LEN));
  const payloadLength = dv.getUint32(OFF.payloadLen, true);
  if (payloadLength === 0) throw new InputError('E_IMAGE_EMPTY', 'image payload is empty');
  return {
    formatVersion,
    type,
    family,
    version: { major: dv.getUint16(OFF.major, true), minor: dv.getUint16(OFF.minor, true), patch: dv.getUint16(OFF.patch, true) },
    payloadLength,
    sha256: bytes.slice(OFF.sha256, OFF.sha256 + 32),
    kid: bytes.slice(OFF.kid, OFF.kid + KID_LEN),
  };
}

/**
 * Splits untrusted bytes into header, payload and signature. Structure only: the hash and
 * signature are NOT checked here (use `verifyImage`).
 * @throws InputError from {@link decodeHeader}, `E_IMAGE_TRUNCATED` when the bytes end before the
 *   payload and signature the header announces, or `E_IMAGE_TRAILING` when bytes follow them.
 */
export function decodeImage(bytes: Uint8Array): DecodedImage {
  const header = decodeHeader(bytes);
  const total = HEADER_LEN + header.payloadLength + SIG_LEN;
  if (bytes.length < total) throw new InputError('E_IMAGE_TRUNCATED', `image is truncated: ${bytes.length} of ${total} bytes`);
  if (bytes.length > total) throw new InputError('E_IMAGE_TRAILING', `image has ${bytes.length - total} unexpected bytes after the signature`);
  const payloadEnd = HEADER_LEN + header.payloadLength;
  return {
    header,
    headerBytes: bytes.subarray(0, HEADER_LEN),
    payload: bytes.subarray(HEADER_LEN, payloadEnd),
    signature: bytes.subarray(payloadEnd, total),
    signed: bytes.subarray(0, payloadEnd),
  };
}

// Board-side verification of a signed model image (docs/image-format.md): header (80 bytes) ||
// payload (the .tflite) || Ed25519 signature (64 bytes) over header || payload. The whole image is
// in RAM (the model window) when signedCheck runs; it refuses with a distinct status per reason
// and, on success, leaves the payload's offset, length, SHA-256 and version for the commit.

import { crypto_sha256, crypto_ed25519_verify } from "../hal/crypto";
import { board_family } from "../hal/board";
import { keysFind } from "./keys";
import { bankVersionFloor, packVersion } from "./banks";
import * as S from "../status";

export const IMG_HEADER: u32 = 80;
export const IMG_SIG: u32 = 64;
/** "DIMG" read as a little-endian u32. */
const IMG_MAGIC: u32 = 0x474d4944;
export const IMG_TYPE_MODEL: u8 = 2;
/** Header type of a signed firmware image (payload = the firmware .wasm; boot/fwslot.ts). */
export const IMG_TYPE_FIRMWARE: u8 = 1;
const FAMILY_OFF: u32 = 8;
const FAMILY_LEN: u32 = 16;

const digest: usize = memory.data(32);
const family: usize = memory.data(<i32>FAMILY_LEN);
let pLen: u32 = 0;
let pVersion: u64 = 0;

/** Payload length of the last image signedCheck accepted. */
export function signedPayloadLen(): u32 { return pLen; }
/** Version of the last accepted image, packed as banks.ts packVersion. */
export function signedVersion(): u64 { return pVersion; }

/**
 * Structure of the 80-byte header at `img` for an image of `size` bytes: magic, format version,
 * the expected `type` (model by default), zero flags/reserved, exact total length. E_IMAGE or
 * E_VERSION on failure, OK otherwise. Reads only the header.
 */
export function signedStructure(img: usize, size: u32, type: u8 = IMG_TYPE_MODEL): i32 {
  if (size < IMG_HEADER + 1 + IMG_SIG || load<u32>(img) != IMG_MAGIC) return S.E_IMAGE;
  if (load<u16>(img, 4) != 1) return S.E_VERSION;
  if (load<u8>(img, 6) != type || load<u8>(img, 7) != 0) return S.E_IMAGE;
  if (load<u16>(img, 30) != 0 || load<u32>(img, 76) != 0) return S.E_IMAGE;
  const len = load<u32>(img, 32);
  if (len == 0 || <u64>len + <u64>(IMG_HEADER + IMG_SIG) != <u64>size) return S.E_IMAGE;
  return S.OK;
}

/** The header's family field (header at `img`) equals this board's family (then NUL padding only). */
export function familyMatches(img: usize): bool {
  const n = board_family(family, FAMILY_LEN);
  if (n <= 0 || <u32>n > FAMILY_LEN) return false;
  const f = img + FAMILY_OFF;
  if (memory.compare(f, family, <usize>n) != 0) return false;
  for (let i: u32 = <u32>n; i < FAMILY_LEN; i++) if (load<u8>(f + i) != 0) return false;
  return true;
}

/**
 * The header's board checks: family (E_FAMILY), then version >= `floor` (E_DOWNGRADE; equal is
 * allowed). OK otherwise, the version left for signedVersion. Reads only the header.
 */
export function signedFamilyFloor(img: usize, floor: u64): i32 {
  if (!familyMatches(img)) return S.E_FAMILY;
  pVersion = packVersion(load<u16>(img, 24), load<u16>(img, 26), load<u16>(img, 28));
  return pVersion < floor ? S.E_DOWNGRADE : S.OK;
}

/**
 * BEGIN's check of a signed image's header `h` (sent with BEGIN, before anything is erased) for an
 * image of `size` bytes: structure and type (signedStructure: E_IMAGE, E_VERSION), family and
 * version floor (signedFamilyFloor). Unsigned data: FINISH verifies the signature and checks again.
 */
export function signedHead(h: usize, size: u32, type: u8, floor: u64): i32 {
  const st = signedStructure(h, size, type);
  return st != S.OK ? st : signedFamilyFloor(h, floor);
}

/**
 * Verifies the signed image at [img, img+size): structure (E_IMAGE, E_VERSION), payload SHA-256
 * (E_PAYLOAD_HASH), a trusted key with the header's key id (E_KEY_UNKNOWN), the Ed25519 signature over
 * header || payload (E_SIGNATURE), then, on signed data only, the board family (E_FAMILY) and the
 * downgrade floor: the version must be >= every committed bank's (E_DOWNGRADE; equal is allowed).
 * OK when all pass (see signedPayloadLen / signedVersion).
 */
export function signedCheck(img: usize, size: u32): i32 {
  pLen = 0;
  const st = signedStructure(img, size);
  if (st != S.OK) return st;
  const len = load<u32>(img, 32);
  const payload = img + IMG_HEADER;
  if (crypto_sha256(payload, len, digest) < 0) return S.E_PAYLOAD_HASH;
  if (memory.compare(digest, img + 36, 32) != 0) return S.E_PAYLOAD_HASH;
  const pub = keysFind(img + 68);
  if (pub == 0) return S.E_KEY_UNKNOWN;
  if (crypto_ed25519_verify(img, IMG_HEADER + len, payload + len, pub) != 1) return S.E_SIGNATURE;
  const f = signedFamilyFloor(img, bankVersionFloor());
  if (f == S.OK) pLen = len;
  return f;
}

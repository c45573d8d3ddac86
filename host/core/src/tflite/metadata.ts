/**
 * The "dendra" metadata buffer (CONTRACTS.md "Dendra metadata buffer"), little-endian:
 * magic u32 "DMD1" | version u16 = 2 | nChannels u16 | window u16 | horizon u16 | target u16 |
 * kind u16 (0 grid, 1 pack; was reserved 0) | mean f32[n] | std f32[n] | otLimitC f32 | hysteresisC f32 |
 * modelVersion u32 | name: u8 length + bytes (UTF-8).
 * A pack model (kind 1, CONTRACTS.md "Pack model on the board") reads the same fields as: nChannels =
 * features per cell, window/horizon in cycles, target = cells, otLimitC = risk threshold (0..1),
 * hysteresisC = risk hysteresis.
 */
import { InputError } from '../errors.ts';

/** Magic of the metadata buffer: "DMD1" read as a little-endian u32. */
export const DENDRA_META_MAGIC = 0x31444d44;
/** Layout version this module writes and reads. */
export const DENDRA_META_VERSION = 2;
/** Name of the Model.metadata entry holding the buffer. */
export const DENDRA_META_NAME = 'dendra';

/** Decoded "dendra" metadata. Floats are f32 in the buffer (decoded values are exact f32s). */
export interface DendraMeta {
  nChannels: number;
  /** Window length L (hours). */
  window: number;
  /** Horizon H (hours). */
  horizon: number;
  /** Target channel index (OT). */
  target: number;
  /** Per-channel mean, length nChannels. */
  mean: ArrayLike<number>;
  /** Per-channel population std, length nChannels. */
  std: ArrayLike<number>;
  otLimitC: number;
  hysteresisC: number;
  /** Monotonic model version (u32). */
  modelVersion: number;
  /** Model name, e.g. "grid" (at most 255 UTF-8 bytes). */
  name: string;
  /** Model kind (u16 at offset 14): absent = 'grid' (0); 'pack' (1) is the pack dendrite-risk model. */
  kind?: 'grid' | 'pack';
}

/** Kind codes of the u16 at offset 14. */
export const DENDRA_META_KINDS = { grid: 0, pack: 1 } as const;

function bad(msg: string): never {
  throw new InputError('E_MODEL', `dendra metadata: ${msg}`);
}

function checkU(v: number, bits: 16 | 32, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits) bad(`${what} ${v} is not a u${bits}`);
}

/**
 * Encodes the metadata buffer.
 *
 * @throws InputError (code `E_MODEL`) when a count/index is not a u16, modelVersion is not a u32,
 *   mean/std lengths differ from nChannels, target >= nChannels, or the name exceeds 255 bytes.
 */
export function encodeDendraMeta(meta: DendraMeta): Uint8Array {
  const n = meta.nChannels;
  for (const [k, v] of [['nChannels', n], ['window', meta.window], ['horizon', meta.horizon], ['target', meta.target]] as const) {
    checkU(v, 16, k);
  }
  checkU(meta.modelVersion, 32, 'modelVersion');
  if (meta.mean.length !== n || meta.std.length !== n) bad(`mean/std lengths ${meta.mean.length}/${meta.std.length} != nChannels ${n}`);
  if (meta.target >= n) bad(`target ${meta.target} >= nChannels ${n}`);
  const name = new TextEncoder().encode(meta.name);
  if (name.length > 255) bad(`name is ${name.length} bytes (max 255)`);
  const out = new Uint8Array(29 + 8 * n + name.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, DENDRA_META_MAGIC, true);
  v.setUint16(4, DENDRA_META_VERSION, true);
  v.setUint16(6, n, true);
  v.setUint16(8, meta.window, true);
  v.setUint16(10, meta.horizon, true);
  v.setUint16(12, meta.target, true);
  v.setUint16(14, DENDRA_META_KINDS[meta.kind ?? 'grid'], true);
  for (let c = 0; c < n; c++) {
    v.setFloat32(16 + 4 * c, meta.mean[c], true);
    v.setFloat32(16 + 4 * n + 4 * c, meta.std[c], true);
  }
  v.setFloat32(16 + 8 * n, meta.otLimitC, true);
  v.setFloat32(20 + 8 * n, meta.hysteresisC, true);
  v.setUint32(24 + 8 * n, meta.modelVersion, true);
  v.setUint8(28 + 8 * n, name.length);
  out.set(name, 29 + 8 * n);
  return out;
}

/**
 * Decodes and validates the metadata buffer. Trailing bytes after the name are ignored (room for
 * later layouts that append fields).
 *
 * @returns mean/std as plain number arrays (each value an exact f32), so the result prints as JSON.
 * @throws InputError (code `E_MODEL`) when the buffer is shorter than its fields, the magic or
 *   layout version is wrong, target >= nChannels, the kind is not 0/1, a std is not finite and positive, or the name is
 *   not valid UTF-8.
 */
export function decodeDendraMeta(b: Uint8Array): DendraMeta {
  if (!(b instanceof Uint8Array)) bad('missing');
  if (b.length < 16) bad(`buffer is ${b.length} bytes, header needs 16`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = v.getUint32(0, true);
  if (magic !== DENDRA_META_MAGIC) bad(`bad magic 0x${magic.toString(16).padStart(8, '0')} (want "DMD1")`);
  const version = v.getUint16(4, true);
  if (version !== DENDRA_META_VERSION) bad(`layout version ${version} not supported (want ${DENDRA_META_VERSION})`);
  const n = v.getUint16(6, true);
  const fixed = 29 + 8 * n;
  if (b.length < fixed) bad(`buffer is ${b.length} bytes, ${n} channels need at least ${fixed}`);
  const nameLen = v.getUint8(28 + 8 * n);
  if (b.length < fixed + nameLen) bad(`name of ${nameLen} bytes runs past the end (${b.length} bytes)`);
  const target = v.getUint16(12, true);
  if (target >= n) bad(`target channel ${target} >= nChannels ${n}`);
  const kind = v.getUint16(14, true);
  if (kind > 1) bad(`unknown model kind ${kind} (0 grid, 1 pack)`);
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < n; c++) {
    mean[c] = v.getFloat32(16 + 4 * c, true);
    std[c] = v.getFloat32(16 + 4 * n + 4 * c, true);
    if (!Number.isFinite(mean[c])) bad(`mean[${c}] is not finite`);
    if (!(std[c] > 0) || !Number.isFinite(std[c])) bad(`std[${c}] = ${std[c]} is not finite and positive`);
  }
  let name: string;
  try {
    name = new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(fixed, fixed + nameLen));
  } catch {
    bad('name is not valid UTF-8');
  }
  return {
    nChannels: n, window: v.getUint16(8, true), horizon: v.getUint16(10, true), target, mean, std,
    otLimitC: v.getFloat32(16 + 8 * n, true), hysteresisC: v.getFloat32(20 + 8 * n, true),
    modelVersion: v.getUint32(24 + 8 * n, true), name, ...(kind === 1 ? { kind: 'pack' as const } : {}),
  };
}

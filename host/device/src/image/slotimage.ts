/**
 * Reads the two-bank model slot (docs/flash-protocol.md "Model slot banks") out of a raw flash
 * image, with the same rules as the firmware's boot/banks.ts and app/slot.ts: a bank counts when
 * its header is committed (magic "DMSL", state VALID, length in range); the newest generation
 * whose SHA-256 matches its data is the model the board runs. For tests and inspection tools.
 */
import { createHash } from 'node:crypto';

/** Slot header constants (CONTRACTS.md "Model slot in flash"). */
export const SLOT_MAGIC = 0x4c534d44;
export const SLOT_VALID = 0x0000a5a5;
export const SLOT_HEADER_BYTES = 4096;
/** Header offset of the model's offset within the bank data (boot/banks.ts; 80 for a signed image, erased = 0). */
export const HDR_DATA_OFF = 48;
const SECTOR = 4096;

/** One bank as found in flash. */
export interface BankInfo {
  index: number;
  addr: number;
  /** Header committed (magic, VALID state, length in 1..capacity). */
  committed: boolean;
  /** Stored generation (0 for a v1 header, whose generation word is erased). */
  generation: number;
  /** The model's length (the header's length word). */
  length: number;
  /** Where the model starts in the bank's data: 0 for a raw model, 80 behind a signed image's header. */
  dataOffset: number;
  /** SHA-256 of the model, as recorded in the header (hex). */
  sha256: string;
  /** SHA-256 of the stored data matches the header. */
  intact: boolean;
}

/** The slot: both banks and the one the board boots (null: no model). */
export interface SlotImage {
  banks: BankInfo[];
  active: BankInfo | null;
  /** The active bank's model bytes, without a signed image's header (empty when there is none). */
  image: Uint8Array;
}

/**
 * Parses the model region [addr, addr+size) of `flash`.
 * @throws RangeError when the region lies outside the flash image or is too small for two banks.
 */
export function readSlotImage(flash: Uint8Array, region: { addr: number; size: number }): SlotImage {
  if (region.addr < 0 || region.addr + region.size > flash.length) throw new RangeError('model region outside the flash image');
  const bankSize = Math.floor(region.size / 2 / SECTOR) * SECTOR;
  if (bankSize <= SLOT_HEADER_BYTES) throw new RangeError(`model region of ${region.size} bytes is too small for two banks`);
  const cap = bankSize - SLOT_HEADER_BYTES;
  const banks = [0, 1].map((i) => readBank(flash, i, region.addr + i * bankSize, cap));
  const order = banks.filter((b) => b.committed).sort((a, b) => rank(b) - rank(a));
  const active = order.find((b) => b.intact) ?? null;
  const start = active ? active.addr + SLOT_HEADER_BYTES + active.dataOffset : 0;
  const image = active ? flash.slice(start, start + active.length) : new Uint8Array(0);
  return { banks, active, image };
}

/** Firmware ranking (boot/banks.ts bankGen): generation + 1, an erased word counting as 0; ties go to bank 0. */
function rank(b: BankInfo): number {
  return b.generation + 1;
}

function readBank(flash: Uint8Array, index: number, addr: number, cap: number): BankInfo {
  const dv = new DataView(flash.buffer, flash.byteOffset + addr, HDR_DATA_OFF + 4);
  const length = dv.getUint32(4, true);
  const offWord = dv.getUint32(HDR_DATA_OFF, true);
  const dataOffset = offWord === 0xffffffff ? 0 : offWord;
  // As bankGen: the model [off, off+length) must lie inside the bank's data.
  const committed = dv.getUint32(0, true) === SLOT_MAGIC && dv.getUint32(40, true) === SLOT_VALID && length > 0 && dataOffset <= cap && length <= cap - dataOffset;
  const sha256 = Buffer.from(flash.subarray(addr + 8, addr + 40)).toString('hex');
  const generation = dv.getUint32(44, true);
  let intact = false;
  if (committed) {
    const data = flash.subarray(addr + SLOT_HEADER_BYTES + dataOffset, addr + SLOT_HEADER_BYTES + dataOffset + length);
    intact = createHash('sha256').update(data).digest('hex') === sha256;
  }
  return { index, addr, committed, generation: generation === 0xffffffff ? 0 : generation, length, dataOffset, sha256, intact };
}

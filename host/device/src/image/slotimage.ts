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
const SECTOR = 4096;

/** One bank as found in flash. */
export interface BankInfo {
  index: number;
  addr: number;
  /** Header committed (magic, VALID state, length in 1..capacity). */
  committed: boolean;
  /** Stored generation (0 for a v1 header, whose generation word is erased). */
  generation: number;
  length: number;
  /** SHA-256 recorded in the header (hex). */
  sha256: string;
  /** SHA-256 of the stored data matches the header. */
  intact: boolean;
}

/** The slot: both banks and the one the board boots (null: no model). */
export interface SlotImage {
  banks: BankInfo[];
  active: BankInfo | null;
  /** The active bank's image bytes (empty when there is none). */
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
  const image = active ? flash.slice(active.addr + SLOT_HEADER_BYTES, active.addr + SLOT_HEADER_BYTES + active.length) : new Uint8Array(0);
  return { banks, active, image };
}

/** Firmware ranking (boot/banks.ts bankGen): generation + 1, an erased word counting as 0; ties go to bank 0. */
function rank(b: BankInfo): number {
  return b.generation + 1;
}

function readBank(flash: Uint8Array, index: number, addr: number, cap: number): BankInfo {
  const dv = new DataView(flash.buffer, flash.byteOffset + addr, 48);
  const length = dv.getUint32(4, true);
  const committed = dv.getUint32(0, true) === SLOT_MAGIC && dv.getUint32(40, true) === SLOT_VALID && length > 0 && length <= cap;
  const sha256 = Buffer.from(flash.subarray(addr + 8, addr + 40)).toString('hex');
  const generation = dv.getUint32(44, true);
  let intact = false;
  if (committed) {
    const data = flash.subarray(addr + SLOT_HEADER_BYTES, addr + SLOT_HEADER_BYTES + length);
    intact = createHash('sha256').update(data).digest('hex') === sha256;
  }
  return { index, addr, committed, generation: generation === 0xffffffff ? 0 : generation, length, sha256, intact };
}

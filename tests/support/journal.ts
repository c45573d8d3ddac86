/**
 * Test support (not product): reads the committed records of a board's outgoing journal straight
 * from its flash file (docs/CONTRACTS.md "Journal region": `u32 magic "DJR1" | u16 length | u8 kind |
 * u8 0xFF | u32 seq | u32 wseq | u32 crc32 | u32 commit | u32 done | payload`). Both targets write
 * their flash file through on every write (the sim's flashfile.ts, the runtime's hal_flash.c), so a
 * test sees what the board journaled while its link is cut: board progress, not wall time.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { loadBoard } from '@dendra/device/boards/board.ts';
// @ts-expect-error plain ESM script without types
import { constants } from '../../scripts/gen-contracts.mjs';

// The record magic and commit word from the firmware's own source (not copied by hand).
const fw = new Map((constants('app/journal.ts', (n: string) => n.startsWith('JOURNAL_')) as { name: string; value: number }[]).map((c) => [c.name, c.value]));
const MAGIC = fw.get('JOURNAL_MAGIC')!;
const COMMIT = fw.get('JOURNAL_COMMIT')!;
/** Record header bytes (the layout above; firmware/assembly/app/journal.ts HDR). */
const HDR = 28;

/** One committed journal record: its kind (1 alert, 2 telemetry) and its JSON payload. */
export interface JournalRecord { kind: number; payload: Record<string, unknown> }

/**
 * The committed records in the journal region of `flashFile` (board description `board`), in
 * flash order; records whose payload is not JSON are skipped. Delivered records (done cleared)
 * are included: the journal is read as a log of what the board computed.
 * @throws Error from the file system when `flashFile` cannot be read.
 */
export function journalRecords(flashFile: string, board = 'sim'): JournalRecord[] {
  const { addr, size } = loadBoard(board).flash.regions.journal;
  const buf = Buffer.alloc(size);
  const fd = openSync(flashFile, 'r');
  try {
    readSync(fd, buf, 0, size, addr);
  } finally {
    closeSync(fd);
  }
  const out: JournalRecord[] = [];
  for (let off = 0; off + HDR <= size; off += 4) {
    if (buf.readUInt32LE(off) !== MAGIC || buf.readUInt32LE(off + 20) !== COMMIT) continue;
    const len = buf.readUInt16LE(off + 4);
    if (off + HDR + len > size) continue;
    try {
      out.push({ kind: buf[off + 6], payload: JSON.parse(buf.toString('utf8', off + HDR, off + HDR + len)) });
    } catch {
      // not a JSON payload: not a record this reader knows
    }
  }
  return out;
}

/** The highest `window` among the journal's records of boot `boot` (alerts and telemetry), or -1. */
export function journaledWindow(flashFile: string, boot: number, board = 'sim'): number {
  let max = -1;
  for (const r of journalRecords(flashFile, board)) {
    if (r.payload.boot === boot && typeof r.payload.window === 'number') max = Math.max(max, r.payload.window);
  }
  return max;
}

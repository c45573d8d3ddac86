/**
 * `queryBoard`: what a board's bootloader reports over a serial port, without changing anything:
 * HELLO (board id, protocol, max frame, slot size) and STATUS (transfer in progress, newest
 * committed model bank) and INFO (the firmware that runs and the A/B firmware slot table). Used by
 * `dendra info` and by tests.
 */
import { BootClient, FlashError, type FwInfo, type FwSlotInfo, type HelloInfo, type SlotStatus } from './loader.ts';
import { closePort, openPort, serialTransport } from './flash.ts';
import { MODEL_SLOTS } from './modelslot.ts';

/** HELLO and STATUS of one board. */
export interface BoardInfo {
  port: string;
  hello: HelloInfo;
  status: SlotStatus;
  /**
   * Each model slot by name, when the board's STATUS can name the slot it reports (`slot` byte);
   * null from a board whose STATUS reports only its last transfer's slot (then `status` is that).
   */
  slots: { grid: SlotStatus; pack: SlotStatus } | null;
  /** The A/B firmware slots (null: the board's bootloader has no INFO command). */
  firmware: FwInfo | null;
}

/** Options of {@link queryBoard}. */
export interface QueryOptions {
  baud?: number;
  /** Per-attempt response timeout, ms (default 1000). */
  timeoutMs?: number;
  /** Retries per command (default 3). */
  retries?: number;
  /** Receives retry lines. */
  log?: (line: string) => void;
}

/**
 * Opens `port`, asks HELLO then STATUS, closes the port again (also on failure).
 * @throws FlashError `E_PORT_MISSING` / `E_PORT_BUSY` / `E_PORT` for the port, `E_NO_BOARD` when
 *   HELLO gets no answer, and the BootClient errors (`E_TIMEOUT`, `E_BOARD`, `E_PROTO`) for STATUS.
 */
export async function queryBoard(port: string, opts: QueryOptions = {}): Promise<BoardInfo> {
  const p = await openPort(port, opts.baud ?? 115200);
  const c = new BootClient(serialTransport(p), { timeoutMs: opts.timeoutMs, retries: opts.retries, log: opts.log });
  try {
    let hello: HelloInfo;
    try {
      hello = await c.hello();
    } catch (e) {
      if (e instanceof FlashError && e.code === 'E_TIMEOUT') {
        throw new FlashError('E_NO_BOARD', `no board answered HELLO on ${port} within ${c.timeoutMs} ms (${c.retries + 1} attempts)`, { seq: e.seq, attempt: e.attempt });
      }
      throw e;
    }
    const status = await c.slotStatus();
    const grid = await c.slotStatus(MODEL_SLOTS.grid);
    const pack = await c.slotStatus(MODEL_SLOTS.pack);
    const slots = grid.slot === MODEL_SLOTS.grid && pack.slot === MODEL_SLOTS.pack ? { grid, pack } : null;
    let firmware: FwInfo | null = null;
    try {
      firmware = await c.fwInfo();
    } catch (e) {
      if (!(e instanceof FlashError && e.code === 'E_BOARD')) throw e; // an older bootloader answers E_STATE
    }
    return { port, hello, status, slots, firmware };
  } finally {
    c.close();
    await closePort(p);
  }
}

/** Human-readable lines for a {@link BoardInfo} (what `dendra info` prints without --json). */
export function formatBoardInfo(i: BoardInfo): string[] {
  const s = i.status;
  const out = [
    `board     ${i.hello.boardId} on ${i.port} (serial protocol v${i.hello.proto}, max frame ${i.hello.maxFrame} B)`,
    `slot      ${i.hello.slotSize} B per bank`,
  ];
  const bankText = (b: SlotStatus) => (b.active
    ? `bank ${b.active.bank}, generation ${b.active.generation}, ${b.active.length} B, sha256 ${b.active.sha256Prefix}...`
    : 'empty (waiting for a flash)');
  if (i.slots) {
    out.push(`grid slot ${bankText(i.slots.grid)}`);
    out.push(`pack slot ${bankText(i.slots.pack)}`);
  } else {
    // This firmware's STATUS reports the slot of its last transfer (grid after a reset) and cannot name it.
    out.push(`model     ${bankText(s)} (the slot written last: grid or pack; this firmware's STATUS does not name it)`);
    out.push('pack slot not readable over serial with this firmware (dendra alerts shows the board\'s model record with both slots)');
  }
  if (s.receiving) out.push(`transfer  in progress: ${s.received}/${s.size} B of sha256 ${s.sha256Prefix}... (resume with dendra flash --resume)`);
  const f = i.firmware;
  if (f) {
    const run = f.running < 0 ? 'factory image' : `slot ${f.slots[f.running].name}${f.test ? ' (test boot, not confirmed yet)' : ''}`;
    out.push(`firmware  runs ${run}`);
    for (const sl of f.slots) out.push(`  slot ${sl.name}  ${describeSlot(sl)}`);
  }
  return out;
}

/** One line for a firmware slot: its state words, size, version and hash. Never throws. */
export function describeSlot(s: FwSlotInfo): string {
  if (!s.state.image) return `empty (${s.capacity} B)`;
  const words = (['committed', 'pending', 'tried', 'confirmed', 'revoked'] as const).filter((k) => s.state[k]);
  const v = s.version ? `v${s.version}, ` : '';
  return `${words.join('+') || 'incomplete'}, ${v}${s.length} B of ${s.capacity}, generation ${s.generation}, sha256 ${s.sha256Prefix}...`;
}

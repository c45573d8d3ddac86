/**
 * `queryBoard`: what a board's bootloader reports over a serial port, without changing anything:
 * HELLO (board id, protocol, max frame, slot size) and STATUS (transfer in progress, newest
 * committed model bank). Used by `dendra info` and by tests.
 */
import { BootClient, FlashError, type HelloInfo, type SlotStatus } from './loader.ts';
import { closePort, openPort, serialTransport } from './flash.ts';

/** HELLO and STATUS of one board. */
export interface BoardInfo {
  port: string;
  hello: HelloInfo;
  status: SlotStatus;
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
    return { port, hello, status: await c.slotStatus() };
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
  out.push(s.active
    ? `model     bank ${s.active.bank}, generation ${s.active.generation}, ${s.active.length} B, sha256 ${s.active.sha256Prefix}...`
    : 'model     none (empty slot: waiting for a flash)');
  if (s.receiving) out.push(`transfer  in progress: ${s.received}/${s.size} B of sha256 ${s.sha256Prefix}... (resume with dendra flash --resume)`);
  return out;
}

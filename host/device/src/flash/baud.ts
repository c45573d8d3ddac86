/**
 * Line-rate negotiation for `flashModel` (docs/flash-protocol.md "SET_BAUD"): after HELLO the
 * host asks the board for its max baud (SET_BAUD 0), asks it to switch (the board ACKs at the old
 * rate, then switches), moves its own end of the line ({@link Transport.setBaud}) and checks the new rate
 * with a STATUS. When that check fails it goes back to the old rate (the board returns to it too
 * once it hears only garbage at the new one: `BAUD_PROBATION_BYTES` in boot/proto.ts).
 */
import { BootClient, FlashError, type Transport } from './loader.ts';

/** What the caller asked for: a baud, or the board's maximum. */
export type BaudRequest = number | 'max';

/**
 * Parses `--baud`: `max` or a positive integer.
 * @throws FlashError `E_BAUD` "--baud must be 'max' or a positive integer, got X".
 */
export function parseBaud(text: string): BaudRequest {
  if (text === 'max') return 'max';
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new FlashError('E_BAUD', `--baud must be 'max' or a positive integer, got ${text}`);
  return n;
}

/**
 * Refuses a baud above a board's maximum, in one line.
 * @throws FlashError `E_BAUD` "baud N is above the board's maximum of M".
 */
export function checkBaud(baud: number, maxBaud: number, board = 'the board'): void {
  if (baud > maxBaud) throw new FlashError('E_BAUD', `baud ${baud} is above ${board}'s maximum of ${maxBaud}`);
}

/**
 * Switches board and port from `lineBaud` to `want` (after HELLO). Returns the baud in force
 * afterwards: `want` (or the board's max for 'max'), or `lineBaud` when nothing was to be done or
 * the check at the new rate failed (logged). A board without SET_BAUD keeps `lineBaud` for 'max'.
 * @throws FlashError `E_BAUD` when `want` is above the board's max (nothing was switched), `E_BOARD`
 *   when the board refused an explicit baud, and the {@link BootClient.request} errors.
 */
export async function negotiateBaud(client: BootClient, line: Transport, lineBaud: number, want: BaudRequest,
                                    log: (line: string) => void = () => {}): Promise<number> {
  if (want === lineBaud) return lineBaud;
  let max: number;
  try {
    max = (await client.setBaud(0)).maxBaud;
  } catch (e) {
    if (want === 'max' && e instanceof FlashError && e.code === 'E_BOARD') {
      log(`board does not support SET_BAUD (${e.message}); staying at ${lineBaud} baud`);
      return lineBaud;
    }
    throw e;
  }
  const target = want === 'max' ? max : want;
  checkBaud(target, max);
  if (target === lineBaud) return lineBaud;
  await client.setBaud(target);
  await line.setBaud(target);
  client.baud = target;
  try {
    await client.slotStatus();
    return target;
  } catch (e) {
    log(`no answer at ${target} baud (${(e as Error).message}); falling back to ${lineBaud} baud`);
    await line.setBaud(lineBaud);
    client.baud = lineBaud;
    return lineBaud;
  }
}

/**
 * Puts the board back on `lineBaud` after a flash at another rate, best effort (errors are
 * ignored: the board also returns to its old rate once it hears only garbage). Never throws.
 */
export async function restoreBaud(client: BootClient, line: Transport, lineBaud: number): Promise<void> {
  client.baud = lineBaud;
  try {
    await client.setBaud(lineBaud);
  } catch {
    // fall through: the port goes back anyway
  }
  try {
    await line.setBaud(lineBaud);
  } catch {
    // a closed or vanished port: it is closed right after
  }
}

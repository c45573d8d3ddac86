/**
 * Test support (not product): the one polling wait of the suites in tests/. A suite waits for a
 * condition on state that arrives asynchronously (MQTT records, a child's log lines, a board's
 * counters) with {@link waitFor}, which names what it waited for when it gives up.
 *
 * host/ops keeps its own `waitFor` in host/ops/test/testutil.ts (same signature): that package's
 * tests import nothing from tests/, and its test support stays in the package.
 */

/** Thrown by {@link waitFor} when its condition does not hold in time (`code` E_WAIT_TIMEOUT). */
export class WaitTimeout extends Error {
  readonly code = 'E_WAIT_TIMEOUT';

  /**
   * @param what what was waited for (in the message)
   * @param timeoutMs how long it was waited for
   * @param detail state seen at the timeout (appended to the message when not empty)
   */
  constructor(readonly what: string, readonly timeoutMs: number, detail = '') {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `: ${detail}` : ''}`);
    this.name = 'WaitTimeout';
  }
}

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Poll interval, ms (default 20). */
  intervalMs?: number;
  /** Called once at a timeout: the state seen (records, a log tail), appended to the error's message. */
  detail?: () => string;
}

/** A condition's value while it does not hold yet. */
type Pending = undefined | null | false;

/** Resolves after `ms` (never rejects). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` (now, then every `intervalMs`) until it returns a value other than undefined, null
 * or false, and resolves with that value: a boolean condition resolves with `true`, a lookup with
 * what it found. The probe is checked once more at the deadline, so a slow last poll still counts.
 * @param probe the condition or lookup; sync or async
 * @param what what is waited for, named in the timeout's message ("the board's first alert")
 * @param timeoutMs how long to poll (default 5000)
 * @throws WaitTimeout naming `what` (with `opts.detail()`) when the probe still fails at the
 *   deadline; whatever `probe` or `detail` throws, unchanged.
 */
export async function waitFor<T>(probe: () => T | Pending | Promise<T | Pending>, what: string, timeoutMs = 5000,
  opts: WaitOptions = {}): Promise<Exclude<T, Pending>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v as Exclude<T, Pending>;
    const left = end - Date.now();
    if (left <= 0) throw new WaitTimeout(what, timeoutMs, opts.detail?.() ?? '');
    await sleep(Math.min(opts.intervalMs ?? 20, left));
  }
}

/** Test helpers for the MQTT module (imported by *.test.ts only). */
import net from 'node:net';

/**
 * Polls `pred` every 20 ms until it is true.
 * @throws {Error} naming `what` if it is still false after `timeoutMs`.
 */
export async function waitFor(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A TCP server on loopback that accepts connections and never says anything (a hung broker). */
export async function blackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

/**
 * JSON bytes of an alert with the given seq (valid per schema.ts): an overload.warning unless
 * `extra.kind` says otherwise; the lead is the kind's own (lead_h 5 h, or lead_cycles 20 for
 * dendrite.risk) unless `extra` gives one.
 */
export function alertBytes(seq: number, extra: Record<string, unknown> = {}): Uint8Array {
  const lead = extra.kind === 'dendrite.risk' ? { lead_cycles: 20 } : extra.kind === undefined || extra.kind === 'overload.warning' ? { lead_h: 5 } : {};
  return new TextEncoder().encode(JSON.stringify({
    v: 1, seq, ts: 1000 * seq, kind: 'overload.warning', state: 'raised', severity: 'warning',
    value: 81.23, threshold: 80, ...lead, raw: -12, window: seq, model: 'grid@1', ...extra,
  }));
}

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
 * A TCP proxy to `port` on 127.0.0.1 that closes the first `closes` connections as soon as the
 * client sends an MQTT SUBSCRIBE (packet type 8), as a NATS node does while it elects its
 * JetStream leaders; later connections pass through. `closed` counts the connections it closed.
 */
export async function closeOnSubscribe(port: number, closes: number): Promise<{ url: string; closed: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let closed = 0;
  const server = net.createServer((c) => {
    const b = net.connect(port, '127.0.0.1');
    for (const s of [c, b]) { sockets.add(s); s.on('error', () => {}); s.on('close', () => { sockets.delete(s); c.destroy(); b.destroy(); }); }
    const cut = closed < closes;
    let pending = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      if (!cut) return void b.write(d);
      pending = Buffer.concat([pending, d]);
      // Forward whole packets (fixed header: type byte, remaining length as a base-128 varint).
      for (;;) {
        let len = 0;
        let i = 1;
        for (let shift = 0; i < pending.length && i <= 4; i++, shift += 7) {
          len += (pending[i] & 0x7f) << shift;
          if ((pending[i] & 0x80) === 0) break;
        }
        if (i >= pending.length || pending.length < i + 1 + len) return;
        if (pending[0] >> 4 === 8) { closed++; c.destroy(); b.destroy(); return; }
        b.write(pending.subarray(0, i + 1 + len));
        pending = pending.subarray(i + 1 + len);
      }
    });
    b.on('data', (d: Buffer) => c.write(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    closed: () => closed,
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

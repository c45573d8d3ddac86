/**
 * A TCP relay on loopback for network-cut experiments: clients connect to the relay, which forwards
 * bytes to the broker. {@link TcpRelay.cut} makes the link silent (bytes are dropped both ways and
 * new connections are accepted but go nowhere: a dead radio link or a NAT that lost its state,
 * not a clean close), {@link TcpRelay.restore} resets what was open and forwards new connections
 * again.
 */
import net from 'node:net';

/** A running relay. */
export interface TcpRelay {
  /** `mqtt://127.0.0.1:<port>` of the relay. */
  url: string;
  port: number;
  /** True while cut. */
  readonly isCut: boolean;
  /** Connections accepted so far (reconnect attempts included). */
  readonly accepted: number;
  /** Drops all bytes from now on; open connections stay open but silent. Idempotent. */
  cut(): void;
  /** Resets (destroys) every connection opened or stalled during the cut and forwards again. Idempotent. */
  restore(): void;
  /** Destroys every connection and stops listening. Never rejects. */
  close(): Promise<void>;
}

interface Pair { client: net.Socket; upstream?: net.Socket }

/**
 * Starts a relay on 127.0.0.1 (a free port) to `target.host:target.port`. A connection refused
 * upstream closes the client side.
 * @throws {Error} if the listening socket cannot be bound.
 */
export async function startRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  const pairs = new Set<Pair>();
  let isCut = false;
  let accepted = 0;
  const forward = (from: net.Socket, to: () => net.Socket | undefined) => {
    from.on('data', (d) => { if (!isCut) to()?.write(d); });
  };
  const server = net.createServer((client) => {
    accepted++;
    const p: Pair = { client };
    pairs.add(p);
    const drop = () => { client.destroy(); p.upstream?.destroy(); pairs.delete(p); };
    client.on('error', drop);
    client.on('close', drop);
    if (isCut) return; // accepted, but goes nowhere until restore() resets it
    const up = net.connect(target);
    p.upstream = up;
    up.on('error', drop);
    up.on('close', drop);
    forward(client, () => up);
    forward(up, () => client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as net.AddressInfo).port;
  const destroyAll = () => { for (const p of pairs) { p.client.destroy(); p.upstream?.destroy(); } pairs.clear(); };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    get isCut() { return isCut; },
    get accepted() { return accepted; },
    cut() { isCut = true; },
    restore() {
      if (!isCut) return;
      destroyAll();
      isCut = false;
    },
    close: () => new Promise<void>((resolve) => { destroyAll(); server.close(() => resolve()); }),
  };
}

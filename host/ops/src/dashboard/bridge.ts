/**
 * MQTT over WebSocket for the dashboard page: each WebSocket accepted by {@link createBridge} is
 * piped byte for byte to a new TCP (or TLS) connection to the broker, so the page speaks plain
 * MQTT to any broker (the embedded aedes, mosquitto, ...) without the broker having a WebSocket
 * listener of its own.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import { UsageError } from '@dendra/core/errors.ts';

/** Where the bridge connects. */
export interface BrokerTarget {
  /** The URL as given, without credentials (for display). */
  display: string;
  host: string;
  port: number;
  tls: boolean;
}

/**
 * Parses `mqtt://host[:port]` (default 1883) or `mqtts://host[:port]` (default 8883).
 * @throws {UsageError} for any other scheme or a malformed URL.
 */
export function parseBrokerUrl(url: string): BrokerTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`broker URL '${url.slice(0, 200)}' is not a URL (expected mqtt://host:port)`);
  }
  const secure = u.protocol === 'mqtts:';
  if (!secure && u.protocol !== 'mqtt:' && u.protocol !== 'tcp:') {
    throw new UsageError(`broker URL '${url.slice(0, 200)}' must start with mqtt:// or mqtts://`);
  }
  if (!u.hostname) throw new UsageError(`broker URL '${url.slice(0, 200)}' has no host`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port ? Number(u.port) : secure ? 8883 : 1883;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { display: `${secure ? 'mqtts' : 'mqtt'}://${shownHost}:${port}`, host, port, tls: secure };
}

/**
 * Parses one broker URL or a comma-separated list of them (the nodes of a cluster) with
 * {@link parseBrokerUrl}.
 * @throws {UsageError} for an empty list or any URL {@link parseBrokerUrl} refuses.
 */
export function parseBrokerList(urls: string): BrokerTarget[] {
  const list = urls.split(',').map((u) => u.trim()).filter((u) => u !== '');
  if (list.length === 0) throw new UsageError('no broker URL given (expected mqtt://host:port, or a comma-separated list)');
  return list.map(parseBrokerUrl);
}

/** Options of {@link createBridge}. */
export interface BridgeOptions {
  /** Concurrent page connections at most (default 32); more are refused with 503. */
  maxConnections?: number;
  /** Largest WebSocket message from a page, bytes (default 256 KiB). */
  maxPayload?: number;
}

/** A WebSocket-to-broker bridge attached to an HTTP server's `upgrade` event. */
export interface Bridge {
  /** Open page connections. */
  readonly connections: number;
  /** Takes over an HTTP upgrade request (already checked by the caller). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every bridged connection. Never rejects. */
  close(): Promise<void>;
}

/** MQTT WebSocket subprotocols (mqtt.js sends `mqtt`; older clients `mqttv3.1`). */
const SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];

/** Connects to the broker for one page connection. */
function dial(target: BrokerTarget): net.Socket {
  return target.tls
    ? tls.connect({ host: target.host, port: target.port, servername: net.isIP(target.host) ? undefined : target.host })
    : net.connect({ host: target.host, port: target.port });
}

/** Which target the next page connection dials first (the last one that answered). */
interface Rotation { targets: BrokerTarget[]; next: number }

/**
 * Pipes one accepted WebSocket to a fresh broker connection; either side closing closes both. A
 * target that refuses the TCP connection is skipped for the next one (a cluster node that is down),
 * each at most once per page connection; the page's bytes wait in the stream meanwhile.
 */
function pipe(ws: WebSocket, rot: Rotation, live: Set<() => void>): void {
  const down = createWebSocketStream(ws);
  let up: net.Socket | undefined;
  const end = () => {
    live.delete(end);
    up?.destroy();
    down.destroy();
  };
  live.add(end);
  down.on('error', end).on('close', end);
  const attempt = (left: number) => {
    const i = rot.next % rot.targets.length;
    const sock = dial(rot.targets[i]);
    up = sock;
    sock.setNoDelay(true);
    const failed = () => {
      sock.destroy();
      rot.next = (i + 1) % rot.targets.length;
      if (left > 1 && live.has(end)) attempt(left - 1);
      else end();
    };
    sock.once('error', failed);
    sock.once(rot.targets[i].tls ? 'secureConnect' : 'connect', () => {
      sock.off('error', failed);
      sock.on('error', end).on('close', end);
      down.pipe(sock);
      sock.pipe(down);
    });
  };
  attempt(rot.targets.length);
}

/**
 * Creates a bridge to `target`, or to the first of a list of targets that accepts the connection
 * (the nodes of a cluster; a page connection to a node that dies closes, the page reconnects and
 * the bridge dials the next node). Page connections are only accepted with an MQTT subprotocol.
 * Never throws; connection errors close that page connection (the page reconnects).
 */
export function createBridge(target: BrokerTarget | BrokerTarget[], opts: BridgeOptions = {}): Bridge {
  const rot: Rotation = { targets: Array.isArray(target) ? target : [target], next: 0 };
  const max = opts.maxConnections ?? 32;
  const live = new Set<() => void>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxPayload ?? 256 * 1024,
    perMessageDeflate: false,
    handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  wss.on('connection', (ws) => pipe(ws, rot, live));
  return {
    get connections() { return live.size; },
    handleUpgrade(req, socket, head) {
      if (live.size >= max) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    close: () => new Promise<void>((resolve) => {
      for (const end of [...live]) end();
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }),
  };
}

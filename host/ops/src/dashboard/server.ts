/**
 * The `dendra dashboard` server: one node:http server on loopback that serves the static page
 * (./page/), the mqtt.js browser bundle, `/config.json`, and MQTT over WebSocket on `/mqtt`
 * (bridged to the broker by ./bridge.ts). Without a broker URL it starts the embedded aedes broker
 * (host/ops/src/mqtt/broker.ts) so that boards and the page meet there. Its own MQTT client
 * (./keeper.ts) derives the retained alarm tables from alerts and keeps the chart history, served
 * as `/history.json`. uPlot (the chart) is served from node_modules under 'self'.
 */
import http from 'node:http';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker, type BrokerHandle } from '../mqtt/broker.ts';
import { BrokerError } from '../mqtt/errors.ts';
import { DendraError } from '@dendra/core/errors.ts';
import { createBridge, parseBrokerList, parseBrokerUrl, type Bridge, type BrokerTarget } from './bridge.ts';
import { startKeeper, type Keeper } from './keeper.ts';

/** Directory of the static page files. */
export const PAGE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'page');
/** Path of the WebSocket endpoint. */
export const WS_PATH = '/mqtt';
/** The topic filter the page subscribes to. */
export const PAGE_FILTER = 'dendra/v1/+/+/+';
/** The acknowledgements the page subscribes to as well (`ack/<alert kind>`, retained). */
export const PAGE_ACK_FILTER = 'dendra/v1/+/+/ack/+';
/** The page's files (under PAGE_DIR). */
export const PAGE_FILES = ['app.js', 'store.js', 'model.js', 'chart.js', 'alarms.js', 'heat.js', 'style.css'];

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** Broker to show (`mqtt://` or `mqtts://`); default: start the embedded broker. */
  broker?: string;
  /** HTTP port; 0 picks a free one (default 8080). */
  port?: number;
  /** Interface to bind (default 127.0.0.1: loopback only). */
  host?: string;
  /** Port of the embedded broker when `broker` is not given (default 1883; 0 picks a free one). */
  brokerPort?: number;
  /** Concurrent page connections at most (default 32). */
  maxConnections?: number;
  /** MQTT keepalive of the page, seconds (default 30). */
  keepaliveSec?: number;
  /** History file of the chart (default null: kept in memory only; the CLI passes `.dendra/dashboard-history.json`). */
  historyFile?: string | null;
  /** Where one-line warnings go (default: stderr). */
  warn?: (line: string) => void;
}

/** A running dashboard. */
export interface DashboardHandle {
  /** `http://<host>:<port>/` */
  url: string;
  port: number;
  /** The broker the page shows (where boards publish). */
  brokerUrl: string;
  /** The embedded broker, when this dashboard started one. */
  embedded: BrokerHandle | null;
  /** Open page connections. */
  readonly connections: number;
  /** The bridge's alarm and history keeper. */
  keeper: Keeper;
  /** Stops the HTTP server, the bridge and the embedded broker. Idempotent; never rejects. */
  close(): Promise<void>;
}

interface Asset { type: string; body: Buffer }

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Directory of the pinned uPlot package's `dist` (uPlot.iife.min.js, uPlot.min.css). */
export function uplotDistDir(): string {
  return path.join(path.dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
}

/** Path of the mqtt.js browser bundle (classic script, defines `mqtt`). */
export function mqttBundlePath(): string {
  const pkg = createRequire(import.meta.url).resolve('mqtt/package.json');
  return path.join(path.dirname(pkg), 'dist', 'mqtt.min.js');
}

/**
 * Reads every served file once, at start.
 * @throws {DendraError} `E_DASHBOARD_ASSET` if a page file or the mqtt.js bundle is missing.
 */
function loadAssets(): Map<string, Asset> {
  const files: [string, string][] = [
    ['/index.html', path.join(PAGE_DIR, 'index.html')],
    ...PAGE_FILES.map((f): [string, string] => [`/${f}`, path.join(PAGE_DIR, f)]),
    ['/vendor/mqtt.min.js', mqttBundlePath()],
    ['/vendor/uPlot.iife.min.js', path.join(uplotDistDir(), 'uPlot.iife.min.js')],
    ['/vendor/uPlot.min.css', path.join(uplotDistDir(), 'uPlot.min.css')],
  ];
  const assets = new Map<string, Asset>();
  for (const [route, file] of files) {
    try {
      assets.set(route, { type: TYPES[path.extname(file)] ?? 'application/octet-stream', body: readFileSync(file) });
    } catch (e) {
      throw new DendraError('E_DASHBOARD_ASSET', `dashboard file ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  return assets;
}

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || (net.isIPv4(h) && h.startsWith('127.'));
}

/**
 * Host-header check against DNS rebinding: when bound to loopback, only loopback names with our
 * port are served. Bound elsewhere, any Host is accepted.
 */
function hostAllowed(hostHeader: string | undefined, bindHost: string, port: number): boolean {
  if (!isLoopback(bindHost)) return true;
  if (!hostHeader) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader);
  return !!m && isLoopback(m[1]) && Number(m[2] ?? 80) === port;
}

/** Response headers common to every answer. */
function baseHeaders(hostHeader: string): http.OutgoingHttpHeaders {
  const ws = /^[A-Za-z0-9.:[\]-]{1,300}$/.test(hostHeader) ? ` ws://${hostHeader}` : '';
  const csp = ["default-src 'none'", "script-src 'self'", "style-src 'self'", `connect-src 'self'${ws}`,
    "img-src 'self' data:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"].join('; ');
  return { 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' };
}

/** Serves one HTTP request (GET/HEAD of a known asset or /config.json). */
function serve(req: http.IncomingMessage, res: http.ServerResponse, assets: Map<string, Asset>, config: Buffer, bind: { host: string; port: number }, keeper: Keeper): void {
  const hostHeader = req.headers.host ?? '';
  const send = (status: number, type: string, body: Buffer | string) => {
    res.writeHead(status, { ...baseHeaders(hostHeader), 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (!hostAllowed(req.headers.host, bind.host, bind.port)) return send(421, 'text/plain', 'unexpected Host header\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(405, 'text/plain', 'method not allowed\n');
  }
  const route = (req.url ?? '/').split('?')[0];
  if (route === '/config.json') return send(200, 'application/json', config);
  if (route === '/history.json') return send(200, 'application/json', JSON.stringify(keeper.history.doc()));
  const asset = assets.get(route === '/' ? '/index.html' : route);
  if (!asset) return send(404, 'text/plain', 'not found\n');
  send(200, asset.type, asset.body);
}

/** Refuses an upgrade with a status line and closes the socket. */
function refuse(socket: import('node:stream').Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Checks and hands a WebSocket upgrade to the bridge: path, Host, and a same-origin Origin. */
function upgrade(req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer, bridge: Bridge, bind: { host: string; port: number }): void {
  socket.on('error', () => socket.destroy());
  const route = (req.url ?? '').split('?')[0];
  if (route !== WS_PATH) return refuse(socket, '404 Not Found');
  if (!hostAllowed(req.headers.host, bind.host, bind.port)) return refuse(socket, '421 Misdirected Request');
  const origin = req.headers.origin;
  // Browsers always send Origin on WebSockets: a page from another site must not reach the broker.
  if (origin !== undefined && origin !== `http://${req.headers.host}`) return refuse(socket, '403 Forbidden');
  bridge.handleUpgrade(req, socket, head);
}

/** Binds the HTTP server; one-line BrokerError-style errors for busy or forbidden ports. */
function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new BrokerError('E_PORT_BUSY', `port ${port} on ${host} is already in use (choose another with --port)`));
      else reject(new DendraError('E_DASHBOARD_START', `cannot listen on ${host}:${port}: ${e.code ?? e.message}`));
    });
    server.listen(port, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

/**
 * Starts the dashboard (and the embedded broker unless `broker` is given).
 * @throws {UsageError} for a broker URL that is not mqtt:// or mqtts://.
 * @throws {BrokerError} `E_PORT_BUSY` if the HTTP port or the embedded broker's port is taken.
 * @throws {DendraError} `E_DASHBOARD_ASSET` if the page files are missing.
 */
export async function startDashboard(opts: DashboardOptions = {}): Promise<DashboardHandle> {
  const host = opts.host ?? '127.0.0.1';
  const assets = loadAssets();
  let targets: BrokerTarget[];
  let embedded: BrokerHandle | null = null;
  if (opts.broker !== undefined) {
    targets = parseBrokerList(opts.broker);
  } else {
    embedded = await startBroker({ port: opts.brokerPort ?? 1883, host: isLoopback(host) ? '127.0.0.1' : host });
    targets = [parseBrokerUrl(embedded.url)];
  }
  const display = targets.map((t) => t.display).join(',');
  const config = Buffer.from(JSON.stringify({ ws: WS_PATH, filter: PAGE_FILTER, ackFilter: PAGE_ACK_FILTER, broker: display, keepalive: opts.keepaliveSec ?? 30 }));
  const bridge = createBridge(targets, { maxConnections: opts.maxConnections });
  // The alarm keeper follows the first broker of a failover list (one keeper per fleet: docs/mqtt.md).
  const keeper = startKeeper({ url: targets[0].display, historyFile: opts.historyFile ?? null, warn: opts.warn });
  const bind = { host, port: 0 };
  const server = http.createServer((req, res) => serve(req, res, assets, config, bind, keeper));
  server.on('upgrade', (req, socket, head) => upgrade(req, socket, head, bridge, bind));
  server.on('clientError', (_e, socket) => socket.destroy());
  try {
    bind.port = await listen(server, opts.port ?? 8080, host);
  } catch (e) {
    await keeper.close();
    await bridge.close();
    await embedded?.close();
    throw e;
  }
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    await keeper.close();
    await bridge.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await embedded?.close();
  })());
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bind.port}/`, port: bind.port, brokerUrl: display, embedded,
    get connections() { return bridge.connections; },
    keeper, close,
  };
}

/**
 * One MQTT connect-with-deadline used by the device publisher and the operator watcher, so that
 * "the broker does not answer" is always the same one-line {@link BrokerError}.
 */
import mqtt, { type IClientOptions, type ISubscriptionMap, type MqttClient } from 'mqtt';
import { BrokerError } from './errors.ts';
import { tlsFailure } from './tls.ts';

/** Default time to wait for the broker's CONNACK, ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/** Builds the error for a broker that did not complete a connection in time. */
export function unreachable(url: string, timeoutMs: number, last?: Error): BrokerError {
  const why = last ? `; last error: ${last.message.split('\n')[0]}` : '';
  return new BrokerError('E_BROKER_UNREACHABLE', `broker ${url} does not answer (no CONNACK within ${timeoutMs} ms${why})`, url);
}

/** URL schemes mqtt.js connects with. */
export const BROKER_SCHEMES = ['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ws:', 'wss:'] as const;

/**
 * Checks that `url` is a broker URL mqtt.js can use (scheme://host[:port]).
 * @throws {BrokerError} `E_BROKER_URL` naming the URL and the accepted schemes.
 */
export function checkBrokerUrl(url: string): void {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  if (!u || !(BROKER_SCHEMES as readonly string[]).includes(u.protocol) || u.hostname === '') {
    throw new BrokerError('E_BROKER_URL', `broker URL '${url.slice(0, 200)}' is not scheme://host[:port] with a scheme of ${BROKER_SCHEMES.map((s) => s.slice(0, -1)).join(', ')}`, url);
  }
}

/** Default ports of the schemes when a URL has none. */
const DEFAULT_PORTS: Record<string, number> = { 'mqtt:': 1883, 'tcp:': 1883, 'mqtts:': 8883, 'tls:': 8883, 'ws:': 80, 'wss:': 443 };

/**
 * The broker URLs in `url`: one URL, a comma-separated list (`--broker a,b,c`, `DENDRA_BROKER`) or
 * an array; blanks are dropped, each is checked by {@link checkBrokerUrl}.
 * @throws {BrokerError} `E_BROKER_URL` for an empty list or a bad URL (naming it).
 */
export function brokerUrls(url: string | readonly string[]): string[] {
  const list = (typeof url === 'string' ? url.split(',') : [...url]).map((u) => u.trim()).filter((u) => u !== '');
  if (list.length === 0) throw new BrokerError('E_BROKER_URL', 'no broker URL given (expected scheme://host[:port], or a comma-separated list of them)');
  for (const u of list) checkBrokerUrl(u);
  return list;
}

/**
 * `list` rotated so that it starts at a position picked by a stable hash of `key` (e.g. the client
 * id): a fleet given the same list spreads over the nodes, and each client fails over to the next
 * ones in turn. Never throws.
 */
export function rotateFor<T>(list: readonly T[], key: string): T[] {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  const k = list.length ? h % list.length : 0;
  return [...list.slice(k), ...list.slice(0, k)];
}

/** mqtt.js `servers` entries for a list of checked URLs (mqtt.js moves to the next one on each reconnect). */
function serversOf(urls: string[]): NonNullable<IClientOptions['servers']> {
  return urls.map((u) => {
    const x = new URL(u);
    return { host: x.hostname.replace(/^\[(.*)\]$/, '$1'), port: x.port ? Number(x.port) : DEFAULT_PORTS[x.protocol] ?? 1883, protocol: x.protocol.slice(0, -1) as 'mqtt' };
  });
}

/** Options for {@link connectWithDeadline}. */
export interface DeadlineOptions {
  timeoutMs: number;
  /** If true, resolve at once and keep retrying; the timeout error goes to `onError` instead. */
  keepRetrying?: boolean;
  onError?: (e: Error) => void;
}

/**
 * Connects with mqtt.js and waits for the first CONNACK. `url` may list several brokers (the
 * nodes of a cluster, comma-separated or an array, see {@link brokerUrls}): the client starts at
 * the first and, on every reconnect, tries the next one in turn.
 * @throws {BrokerError} `E_BROKER_UNREACHABLE` after `timeoutMs` without a CONNACK (the client is
 *   then ended), `E_BROKER_REFUSED` at once if the broker refuses the connection (the message ends
 *   with `(reason code N)`, also in `reasonCode`), `E_BROKER_TLS` at once if the TLS handshake
 *   fails (e.g. the broker's CA was not passed as `ca`), `E_BROKER_URL` at once for a URL that is
 *   not scheme://host[:port] ({@link checkBrokerUrl}).
 */
export function connectWithDeadline(urlOrList: string | readonly string[], options: IClientOptions, d: DeadlineOptions): Promise<MqttClient> {
  const urls = brokerUrls(urlOrList);
  const url = urls.join(',');
  const client = mqtt.connect(urls[0], { connectTimeout: d.timeoutMs, reconnectPeriod: 1000, ...(urls.length > 1 ? { servers: serversOf(urls) } : {}), ...options });
  let last: Error | undefined;
  const onAnyError = (e: Error) => { last = e; };
  client.on('error', onAnyError);
  if (d.keepRetrying) {
    const t = setTimeout(() => { if (!client.connected) d.onError?.(unreachable(url, d.timeoutMs, last)); }, d.timeoutMs);
    client.once('connect', () => clearTimeout(t));
    client.once('end', () => clearTimeout(t));
    return Promise.resolve(client);
  }
  return new Promise<MqttClient>((resolve, reject) => {
    const fail = (e: BrokerError) => {
      clearTimeout(timer);
      client.off('connect', ok);
      client.end(true, () => reject(e));
    };
    const timer = setTimeout(() => fail(unreachable(url, d.timeoutMs, last)), d.timeoutMs);
    const ok = () => { clearTimeout(timer); client.off('error', refused); resolve(client); };
    const refused = (e: Error & { code?: unknown }) => {
      if (typeof e.code === 'number') {
        fail(new BrokerError('E_BROKER_REFUSED', `broker ${url} refused the connection: ${e.message} (reason code ${e.code})`, url, e.code));
      } else {
        const tls = tlsFailure(url, e);
        if (tls) fail(new BrokerError('E_BROKER_TLS', tls, url));
      }
    };
    client.once('connect', ok);
    client.on('error', refused);
  });
}

/** Subscribe failures that are the connection closing under the request (a cluster node restarting, NATS electing its JetStream leaders), not a refusal. */
const CLOSED_UNDER_US = /connection closed|client disconnecting|disconnected/i;

/**
 * Subscribes `filters` at QoS 1 on a client that reconnects by itself (as {@link connectWithDeadline}
 * makes it). When the connection closes under the request, it waits for the next connection and
 * asks again, until `deadline` (epoch ms). Returns the granted QoS per filter (128 = refused: the
 * caller decides what a refusal means).
 * @throws Error the last failure when it is not the connection closing, or when the deadline passed.
 */
export async function subscribeWithin(client: MqttClient, filters: string | string[], deadline: number): Promise<number[]> {
  const list = typeof filters === 'string' ? [filters] : filters;
  for (let again = false; ; again = true) {
    try {
      // mqtt.js remembers filters it has sent and answers a repeat at once with no grant, without
      // asking the broker: `resubscribe` makes it send them again.
      const request: ISubscriptionMap = Object.fromEntries(list.map((f) => [f, { qos: 1 as const }]));
      if (again) request.resubscribe = true;
      return (await client.subscribeAsync(request)).map((g) => g.qos);
    } catch (e) {
      if (!CLOSED_UNDER_US.test((e as Error).message) || client.disconnecting || Date.now() >= deadline) throw e;
      if (!(await reconnectedBy(client, deadline))) throw e;
    }
  }
}

/** Resolves true on the client's next `connect` (at once if it is connected), false at `deadline` or when it ends. */
function reconnectedBy(client: MqttClient, deadline: number): Promise<boolean> {
  if (client.connected) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('end', onEnd);
      resolve(ok);
    };
    const onConnect = () => done(true);
    const onEnd = () => done(false);
    const timer = setTimeout(() => done(false), Math.max(0, deadline - Date.now()));
    client.once('connect', onConnect);
    client.once('end', onEnd);
  });
}

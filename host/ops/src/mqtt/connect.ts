/**
 * One MQTT connect-with-deadline used by the device publisher and the operator watcher, so that
 * "the broker does not answer" is always the same one-line {@link BrokerError}.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
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

/** Options for {@link connectWithDeadline}. */
export interface DeadlineOptions {
  timeoutMs: number;
  /** If true, resolve at once and keep retrying; the timeout error goes to `onError` instead. */
  keepRetrying?: boolean;
  onError?: (e: Error) => void;
}

/**
 * Connects with mqtt.js and waits for the first CONNACK.
 * @throws {BrokerError} `E_BROKER_UNREACHABLE` after `timeoutMs` without a CONNACK (the client is
 *   then ended), `E_BROKER_REFUSED` at once if the broker refuses the connection (the message ends
 *   with `(reason code N)`, also in `reasonCode`), `E_BROKER_TLS` at once if the TLS handshake
 *   fails (e.g. the broker's CA was not passed as `ca`), `E_BROKER_URL` at once for a URL that is
 *   not scheme://host[:port] ({@link checkBrokerUrl}).
 */
export function connectWithDeadline(url: string, options: IClientOptions, d: DeadlineOptions): Promise<MqttClient> {
  checkBrokerUrl(url);
  const client = mqtt.connect(url, { connectTimeout: d.timeoutMs, reconnectPeriod: 1000, ...options });
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

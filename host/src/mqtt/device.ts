/**
 * The sim board's network stack: {@link connectDevice} returns a {@link Publisher} that the HAL's
 * `net_publish` calls with a kind and payload; topics get the `dendra/v1/<site>/<device>/` prefix
 * here. Status is retained with a last will, alerts go QoS 1 (mqtt.js queues them while offline).
 */
import type { MqttClient } from 'mqtt';
import { DendraError } from '../errors.ts';
import { assertId, deviceTopic, isKind } from './topics.ts';
import { encodePayload, MAX_PAYLOAD_BYTES } from './schema.ts';
import { connectWithDeadline, DEFAULT_CONNECT_TIMEOUT_MS } from './connect.ts';

/** What the sim board publishes through. */
export interface Publisher {
  /**
   * Publishes `payload` on `dendra/v1/<site>/<device>/<kind>`. Never throws: an unknown kind,
   * a bad QoS, an oversized payload or a transport error is reported to `onError` and the
   * message is dropped (QoS 1 messages are queued while disconnected).
   */
  publish(kind: string, payload: Uint8Array, qos: 0 | 1, retain: boolean): void;
  /** Publishes retained `offline` status, then disconnects (bounded to ~2 s). Never rejects. */
  close(): Promise<void>;
  /** The underlying mqtt.js client (tests use it to cut the connection). */
  readonly client: MqttClient;
}

/** Options for {@link connectDevice}. */
export interface DeviceOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
  url: string;
  site: string;
  device: string;
  /** Receives transport and publish errors after connecting (default: ignore). */
  onError?: (e: Error) => void;
  /** Wait this long for the first CONNACK, ms (default 5000). */
  connectTimeoutMs?: number;
  /** Resolve at once and keep retrying instead of rejecting on timeout. */
  keepRetrying?: boolean;
  /** MQTT protocol version: 4 = 3.1.1 (default; aedes speaks only this) or 5. */
  protocolVersion?: 4 | 5;
  /** Extra fields for the online status payload (e.g. `boot`, `model`). */
  statusExtra?: Record<string, unknown>;
  /** Wall clock for status `ts`, ms (default `Date.now`). */
  now?: () => number;
}

/**
 * Connects a device to the broker as client `dendra-<site>-<device>` (clean session off), with a
 * retained QoS 1 last will `{"v":1,"state":"offline"}` on its status topic, and publishes retained
 * `{"v":1,"state":"online","ts":...}` on every (re)connect.
 * @throws {TopicError} if site or device is not a valid id.
 * @throws {BrokerError} `E_BROKER_UNREACHABLE` ("broker mqtt://... does not answer") if no CONNACK
 *   arrives within the timeout (unless `keepRetrying`), `E_BROKER_REFUSED` if the broker refuses.
 */
export async function connectDevice(opts: DeviceOptions): Promise<Publisher> {
  const { site, device } = opts;
  assertId('site', site);
  assertId('device', device);
  const onError = opts.onError ?? (() => {});
  const now = opts.now ?? Date.now;
  const statusTopic = deviceTopic(site, device, 'status');
  const status = (state: 'online' | 'offline') =>
    Buffer.from(encodePayload({ v: 1, state, ts: now(), ...(state === 'online' ? opts.statusExtra : {}) }));
  const client = await connectWithDeadline(
    opts.url,
    {
      clientId: `dendra-${site}-${device}`,
      clean: false,
      protocolVersion: opts.protocolVersion ?? 4,
      will: { topic: statusTopic, payload: Buffer.from('{"v":1,"state":"offline"}'), qos: 1, retain: true },
    },
    { timeoutMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, keepRetrying: opts.keepRetrying, onError },
  );
  const announce = () => client.publish(statusTopic, status('online'), { qos: 1, retain: true }, (e) => e && onError(e));
  // Before the first CONNACK, connectWithDeadline reports one summary error instead of each retry's.
  let everConnected = client.connected;
  client.on('connect', () => { everConnected = true; announce(); });
  client.on('error', (e) => { if (everConnected) onError(e); });
  if (client.connected) announce();
  let closing: Promise<void> | undefined;
  return {
    client,
    publish(kind, payload, qos, retain) {
      if (!isKind(kind)) return onError(new DendraError('E_MQTT_KIND', `cannot publish kind ${JSON.stringify(kind)}`));
      if (qos !== 0 && qos !== 1) return onError(new DendraError('E_MQTT_QOS', `QoS ${String(qos)} is not 0 or 1`));
      if (payload.length > MAX_PAYLOAD_BYTES) {
        return onError(new DendraError('E_MQTT_SIZE', `${kind} payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`));
      }
      const topic = deviceTopic(site, device, kind);
      client.publish(topic, Buffer.from(payload), { qos, retain }, (e) => e && onError(e));
    },
    close: () => (closing ??= closeDevice(client, statusTopic, status('offline'))),
  };
}

/** Graceful shutdown: retained offline status (a clean disconnect does not fire the will), then end. */
async function closeDevice(client: MqttClient, statusTopic: string, offline: Buffer): Promise<void> {
  const bounded = <T>(p: Promise<T>, ms: number) =>
    Promise.race([p.then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
  if (client.connected) await bounded(client.publishAsync(statusTopic, offline, { qos: 1, retain: true }), 1000);
  const ended = await bounded(client.endAsync(false), 1000);
  if (!ended) await bounded(client.endAsync(true), 1000);
}

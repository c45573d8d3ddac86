/**
 * The sim board's network stack: {@link connectDevice} returns a {@link DeviceClient}, whose
 * {@link Publisher} side the HAL's `net_publish` calls with a kind and payload; topics get the
 * `dendra/v1/<site>/<device>/` prefix here. Status is retained with a last will, alerts go QoS 1 (mqtt.js queues them while offline).
 * The device subscribes to its own `cmd` topic (QoS 1) and hands commands to `onCommand`.
 * {@link publishModelInfo} publishes the retained `model` record (which model/firmware run).
 */
import type { MqttClient } from 'mqtt';
import { DendraError } from '@dendra/core/errors.ts';
import { assertId, cmdTopic, deviceTopic, isKind } from './topics.ts';
import { encodePayload, parsePayload, MAX_PAYLOAD_BYTES, type ModelInfoPayload } from './schema.ts';
import { brokerUrls, connectWithDeadline, rotateFor, DEFAULT_CONNECT_TIMEOUT_MS } from './connect.ts';
import { connectVersioned, publishError, DEFAULT_SESSION_EXPIRY_S, DEFAULT_TELEMETRY_EXPIRY_S, type ProtocolChoice } from './v5.ts';

/**
 * What a board's network side publishes through (the sim HAL's `net_*` imports take it; the
 * network stack adds `dendra/v1/<site>/<device>/`). Only `publish` is required: a test can pass
 * a recorder. {@link connectDevice} returns the full MQTT client, a {@link DeviceClient}.
 */
export interface Publisher {
  /**
   * Publishes `payload` on `dendra/v1/<site>/<device>/<kind>`. Never throws: an unknown kind,
   * a bad QoS, an oversized payload or a transport error is reported to `onError` and the
   * message is dropped (QoS 1 messages are queued while disconnected).
   */
  publish(kind: string, payload: Uint8Array, qos: 0 | 1, retain: boolean): void;
  /**
   * Like {@link Publisher.publish}, then `done(null)` when the message is delivered (QoS 1: on the
   * broker's PUBACK, after a reconnect if the link drops meanwhile: mqtt.js keeps it; QoS 0: once
   * written) or `done(error)` when it is refused (bad kind/QoS/size: nothing sent) or the client
   * gives it up. Never throws. The sim HAL's `net_is_acked` is built on this.
   */
  publishWithAck?(kind: string, payload: Uint8Array, qos: 0 | 1, retain: boolean, done: (err: Error | null) => void): void;
  /** True while the client has a broker connection (the sim HAL's `net_connected`). */
  isConnected?(): boolean;
  /**
   * Sets the one receiver of commands from `dendra/v1/<site>/<device>/cmd` (the device subscribes
   * to it at QoS 1 on every connect); null removes it. Payloads are raw, untrusted bytes (the sim
   * HAL queues them for the firmware's `net_cmd_poll`). Commands arriving without a receiver are dropped.
   */
  onCommand?(handler: ((payload: Uint8Array) => void) | null): void;
  /**
   * Republishes the retained online status and the last retained `model` record published through
   * this publisher (the firmware's `status` command, HAL `net_announce`). Returns how many were
   * handed to the client: 0 while disconnected. Never throws.
   */
  announce?(): number;
}

/** A device's MQTT connection ({@link connectDevice}): a {@link Publisher} that can also be closed. */
export interface DeviceClient extends Publisher {
  /** Publishes retained `offline` status, then disconnects (bounded to ~2 s). Never rejects. */
  close(): Promise<void>;
  /** The underlying mqtt.js client (tests use it to cut the connection). */
  readonly client: MqttClient;
  /** The MQTT version in use: 4 (3.1.1) or 5 (also after an `auto` fallback). */
  readonly protocolVersion?: 4 | 5;
}

/** Options for {@link connectDevice}. */
export interface DeviceOptions {
  /**
   * Broker URL, e.g. `mqtt://127.0.0.1:1883`, or the nodes of a cluster (comma-separated or an
   * array): the device starts at a node picked by a hash of its client id (so a fleet spreads over
   * the nodes) and fails over to the next ones in turn; its persistent session (clean off) and the
   * QoS 1 messages mqtt.js keeps unacked are resent on the node it reaches.
   */
  url: string | readonly string[];
  site: string;
  device: string;
  /** Receives transport and publish errors after connecting (default: ignore). */
  onError?: (e: Error) => void;
  /** Wait this long for the first CONNACK, ms (default 5000). */
  connectTimeoutMs?: number;
  /** Resolve at once and keep retrying instead of rejecting on timeout. */
  keepRetrying?: boolean;
  /**
   * MQTT protocol version: 4 = 3.1.1 (default; aedes speaks only this), 5, or `auto` = 5 and, if
   * the broker refuses that version (aedes 1.x), 3.1.1. With `keepRetrying`, `auto` means 3.1.1.
   * With 5: session expiry `sessionExpirySec`, telemetry message expiry `telemetryExpirySec`, and
   * a PUBACK reason code >= 0x80 reaches `onError` as `E_MQTT_REFUSED` naming the code.
   */
  protocolVersion?: ProtocolChoice;
  /** MQTT 5: how long the broker keeps the session after a disconnect, s (default 86400). */
  sessionExpirySec?: number;
  /** MQTT 5: telemetry expires in the broker's queues after this many s (default 60). */
  telemetryExpirySec?: number;
  /** CA certificate(s) to trust for `mqtts://` URLs (e.g. the local CA of tls.ts). */
  ca?: string | Buffer;
  /** Keepalive, s (default 60, mqtt.js). The link is declared dead after ~1.5x this without traffic. */
  keepaliveSec?: number;
  /** Wait between reconnect attempts, ms (default 1000). */
  reconnectPeriodMs?: number;
  /** Extra fields for the online status payload (e.g. `boot`, `model`). */
  statusExtra?: Record<string, unknown>;
  /** Wall clock for status `ts`, ms (default `Date.now`). */
  now?: () => number;
  /** Broker credentials (a secured mosquitto: username `<site>/<device>`, see secure.ts). */
  username?: string;
  password?: string;
}

/**
 * Connects a device to the broker as client `dendra-<site>-<device>` (clean session off), with a
 * retained QoS 1 last will `{"v":1,"state":"offline"}` on its status topic, and publishes retained
 * `{"v":1,"state":"online","ts":...}` on every (re)connect.
 * @throws {TopicError} if site or device is not a valid id.
 * @throws {BrokerError} `E_BROKER_UNREACHABLE` ("broker mqtt://... does not answer") if no CONNACK
 *   arrives within the timeout (unless `keepRetrying`), `E_BROKER_REFUSED` if the broker refuses
 *   (with the reason code), `E_BROKER_TLS` if the TLS handshake fails.
 */
export async function connectDevice(opts: DeviceOptions): Promise<DeviceClient> {
  const { site, device } = opts;
  assertId('site', site);
  assertId('device', device);
  const onError = opts.onError ?? (() => {});
  const now = opts.now ?? Date.now;
  const statusTopic = deviceTopic(site, device, 'status');
  const status = (state: 'online' | 'offline') => {
    const t = now();
    return Buffer.from(encodePayload({ v: 1, state, ts: t, ...(state === 'online' ? opts.statusExtra : {}), wall_ts: t }));
  };
  const { client, version } = await openDeviceLink(opts, statusTopic, onError);
  const expiry = version === 5 ? { properties: { messageExpiryInterval: opts.telemetryExpirySec ?? DEFAULT_TELEMETRY_EXPIRY_S } } : {};
  const announce = () => client.publish(statusTopic, status('online'), { qos: 1, retain: true }, (e) => e && onError(e));
  const state: DeviceState = { onCommand: null, lastModel: null };
  followLink(client, cmdTopic(site, device), announce, state, onError);
  let closing: Promise<void> | undefined;
  const publishWithAck = devicePublish({ client, site, device, now, expiry, onError, state });
  return {
    client,
    protocolVersion: version,
    publish(kind, payload, qos, retain) {
      publishWithAck(kind, payload, qos, retain, () => {});
    },
    publishWithAck,
    isConnected: () => client.connected,
    onCommand: (h) => { state.onCommand = h; },
    announce: () => {
      if (!client.connected) return 0;
      announce();
      if (state.lastModel) client.publish(deviceTopic(site, device, 'model'), state.lastModel, { qos: 1, retain: true }, (e) => e && onError(e));
      return state.lastModel ? 2 : 1;
    },
    close: () => (closing ??= closeDevice(client, statusTopic, status('offline'))),
  };
}

/** What a connected device keeps between calls: its command receiver and last retained model record. */
interface DeviceState {
  onCommand: ((payload: Uint8Array) => void) | null;
  lastModel: Buffer | null;
}

/**
 * Connects as client `dendra-<site>-<device>` (clean session off, retained offline last will on
 * `statusTopic`), on the cluster node its id hashes to, with the protocol `opts` asks for.
 * @throws {BrokerError} as {@link connectDevice} documents (unreachable, refused, TLS).
 */
function openDeviceLink(opts: DeviceOptions, statusTopic: string, onError: (e: Error) => void): Promise<{ client: MqttClient; version: 4 | 5 }> {
  const choice: ProtocolChoice = opts.keepRetrying && opts.protocolVersion === 'auto' ? 4 : (opts.protocolVersion ?? 4);
  const clientId = `dendra-${opts.site}-${opts.device}`;
  const urls = rotateFor(brokerUrls(opts.url), clientId);
  return connectVersioned(choice, (v) => connectWithDeadline(
    urls,
    {
      clientId,
      clean: false,
      protocolVersion: v,
      ...(v === 5 ? { properties: { sessionExpiryInterval: opts.sessionExpirySec ?? DEFAULT_SESSION_EXPIRY_S } } : {}),
      ...(opts.username !== undefined ? { username: opts.username, password: opts.password } : {}),
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      ...(opts.keepaliveSec !== undefined ? { keepalive: opts.keepaliveSec } : {}),
      ...(opts.reconnectPeriodMs !== undefined ? { reconnectPeriod: opts.reconnectPeriodMs } : {}),
      will: { topic: statusTopic, payload: Buffer.from('{"v":1,"state":"offline"}'), qos: 1, retain: true },
    },
    { timeoutMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, keepRetrying: opts.keepRetrying, onError },
  ));
}

/**
 * On every (re)connect: announces the online status and subscribes to `commands` (QoS 1; a
 * refused subscription goes to `onError` as `E_MQTT_REFUSED`); hands command payloads to the
 * state's receiver; reports transport errors once the link was up. Never throws.
 */
function followLink(client: MqttClient, commands: string, announce: () => void, state: DeviceState, onError: (e: Error) => void): void {
  const listen = () => client.subscribe(commands, { qos: 1 }, (e, granted) => {
    if (e) onError(e);
    else if (granted?.some((g) => g.qos > 2)) onError(new DendraError('E_MQTT_REFUSED', `broker refused the subscription to ${commands} (not allowed to read it)`));
  });
  client.on('message', (topic, payload) => { if (topic === commands) state.onCommand?.(new Uint8Array(payload)); });
  // Before the first CONNACK, connectWithDeadline reports one summary error instead of each retry's.
  let everConnected = client.connected;
  client.on('connect', () => { everConnected = true; announce(); listen(); });
  client.on('error', (e) => { if (everConnected) onError(e); });
  if (client.connected) { announce(); listen(); }
}

/** What {@link devicePublish} publishes with. */
interface PublishContext {
  client: MqttClient;
  site: string;
  device: string;
  now: () => number;
  /** Publish options for telemetry (MQTT 5 message expiry, or none). */
  expiry: object;
  onError: (e: Error) => void;
  state: DeviceState;
}

/**
 * The device's {@link Publisher.publishWithAck}: checks kind, QoS and size (a refusal goes to
 * `onError` and `done`, nothing sent), remembers a retained model record, stamps telemetry with
 * the wall time. Never throws.
 */
function devicePublish(c: PublishContext): NonNullable<Publisher['publishWithAck']> {
  const { client, site, device, now, expiry, onError, state } = c;
  return (kind, payload, qos, retain, done) => {
    const fail = (e: DendraError) => {
      onError(e);
      done(e);
    };
    if (!isKind(kind)) return fail(new DendraError('E_MQTT_KIND', `cannot publish kind ${JSON.stringify(kind)}`));
    if (qos !== 0 && qos !== 1) return fail(new DendraError('E_MQTT_QOS', `QoS ${String(qos)} is not 0 or 1`));
    if (payload.length > MAX_PAYLOAD_BYTES) {
      return fail(new DendraError('E_MQTT_SIZE', `${kind} payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`));
    }
    const topic = deviceTopic(site, device, kind);
    if (kind === 'model' && retain) state.lastModel = Buffer.from(payload);
    if (kind === 'telemetry') payload = stampWallTime(payload, now());
    client.publish(topic, Buffer.from(payload), { qos, retain, ...(kind === 'telemetry' ? expiry : {}) }, (e) => {
      const err = e ? publishError(topic, e) : null;
      if (err) onError(err);
      done(err);
    });
  };
}

/** What {@link publishModelInfo} takes: the model record without `v` (added) and `ts` (default now). */
export type ModelInfo = Omit<ModelInfoPayload, 'v' | 'ts'> & { ts?: number };

/**
 * Publishes the retained QoS 1 `dendra/v1/<site>/<device>/model` record through `pub`, e.g.
 * `{"v":1,"ts":...,"model":"grid@1","model_sha256":"<hex>","firmware":"0.1.0","firmware_sha256":"<hex>"}`.
 * Call it after connecting and after every flash; the broker keeps the last one, so a watcher that
 * joins later sees it at once. Like {@link Publisher.publish}, transport errors go to the
 * publisher's `onError` and the record is queued while the link is down.
 * @throws {DendraError} `E_MQTT_MODEL` (nothing is sent) if the record violates
 *   docs/schemas/model.schema.json.
 */
export function publishModelInfo(pub: Pick<Publisher, 'publish'>, info: ModelInfo): void {
  const bytes = encodePayload({ v: 1, ts: Date.now(), ...info });
  const r = parsePayload('model', bytes);
  if (!r.ok) throw new DendraError('E_MQTT_MODEL', `model info not published: ${r.reason}`);
  pub.publish('model', bytes, 1, true);
}

/**
 * `payload` (a JSON object) with `"wall_ts":<ms>` appended: the wall-clock time the host sent it,
 * beside the device's own `ts`/`pts` (device time since boot). Returned unchanged when it is not a
 * JSON object's text, already has `wall_ts`, or would exceed MAX_PAYLOAD_BYTES. Never throws.
 */
export function stampWallTime(payload: Uint8Array, wallMs: number): Uint8Array {
  let end = payload.length - 1;
  while (end >= 0 && (payload[end] === 0x20 || payload[end] === 0x0a || payload[end] === 0x0d || payload[end] === 0x09)) end--;
  if (end < 1 || payload[0] !== 0x7b || payload[end] !== 0x7d) return payload;
  const text = Buffer.from(payload.subarray(0, end)).toString('utf8');
  if (text.includes('"wall_ts"')) return payload;
  const sep = /\{\s*$/.test(text) ? '' : ',';
  const out = Buffer.from(`${text}${sep}"wall_ts":${Math.round(wallMs)}}`, 'utf8');
  return out.length > MAX_PAYLOAD_BYTES ? payload : new Uint8Array(out);
}

/** Graceful shutdown: retained offline status (a clean disconnect does not fire the will), then end. */
async function closeDevice(client: MqttClient, statusTopic: string, offline: Buffer): Promise<void> {
  const bounded = <T>(p: Promise<T>, ms: number) =>
    Promise.race([p.then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
  if (client.connected) await bounded(client.publishAsync(statusTopic, offline, { qos: 1, retain: true }), 1000);
  const ended = await bounded(client.endAsync(false), 1000);
  if (!ended) await bounded(client.endAsync(true), 1000);
}

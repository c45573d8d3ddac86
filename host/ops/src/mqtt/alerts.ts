/**
 * The operator side behind `dendra alerts`: {@link watchAlerts} subscribes to the alert, status and
 * model topics, validates every payload against docs/schemas, drops duplicates by
 * (site, device, boot, seq), reports gaps in seq, tracks which devices are offline (last will) and
 * what they run, and counts everything it drops; {@link formatAlert} renders one alert as a line.
 */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { topicFilter, tryParseTopic, type TopicInfo } from './topics.ts';
import { parsePayload, SEVERITIES, type AlertPayload, type DropCode, type ModelInfoPayload, type Severity, type StatusPayload } from './schema.ts';
import { connectWithDeadline, DEFAULT_CONNECT_TIMEOUT_MS, subscribeWithin } from './connect.ts';
import { BrokerError } from './errors.ts';
import { SeqTracker, type SeqGap } from './seq.ts';
import { consumeShared, type SharedConsumer } from './share.ts';

export { SeqTracker, SEQ_MEMORY, MAX_STREAMS, type SeqGap } from './seq.ts';

/** Where a message came from. */
export interface MessageInfo {
  site: string;
  device: string;
  topic: string;
  /** True if the broker delivered a retained message (sent before we subscribed). */
  retained: boolean;
  /** When this process received it. */
  receivedAt: Date;
}

/**
 * Counters kept by a watcher. `invalid` = `badTopic + oversized + malformed + schema`: every message
 * dropped for failing validation is counted in exactly one of those.
 */
export interface WatchStats {
  alerts: number;
  statuses: number;
  models: number;
  duplicates: number;
  invalid: number;
  /** Topic is not `dendra/v1/<site>/<device>/<kind>` with valid ids. */
  badTopic: number;
  /** Payload larger than MAX_PAYLOAD_BYTES. */
  oversized: number;
  /** Empty, not UTF-8, not JSON, or not a JSON object. */
  malformed: number;
  /** JSON that violates the kind's schema. */
  schema: number;
  gaps: number;
  /** Valid new alerts left out by the `kinds` / `minSeverity` filters. */
  filtered: number;
}

/** Why a message was dropped: a payload {@link DropCode} or a bad topic. */
export type InvalidCode = DropCode | 'topic';

/** What a watcher knows about one device (from retained/live status and model records). */
export interface DeviceState {
  site: string;
  device: string;
  state: 'online' | 'offline' | 'unknown';
  /** True if the last offline status is the broker-published last will (no `ts`): the link died. */
  lostLink: boolean;
  status?: StatusPayload;
  model?: ModelInfoPayload;
}

/** Options for {@link watchAlerts}. */
export interface WatchOptions {
  /** Broker URL, or the nodes of a cluster (comma-separated or an array): the watcher fails over between them. */
  url: string | readonly string[];
  /** Only this site / device (default: all, via `+`). */
  site?: string;
  device?: string;
  /** Only alerts whose `kind` equals one of these or starts with `<entry>.` (e.g. `overload`). */
  kinds?: string[];
  /** Only alerts at least this severe (`info` < `warning` < `critical`). */
  minSeverity?: Severity;
  onAlert: (alert: AlertPayload, info: MessageInfo) => void;
  onStatus?: (status: StatusPayload, info: MessageInfo) => void;
  /** A retained or live `model` record (which model/firmware the device runs). */
  onModel?: (model: ModelInfoPayload, info: MessageInfo) => void;
  /** A message that failed topic or payload validation; it is counted and dropped. */
  onInvalid?: (reason: string, topic: string, code: InvalidCode) => void;
  /** Not called with `shareGroup`: each member sees only part of every stream. */
  onGap?: (gap: SeqGap) => void;
  /** Errors after connecting (default: ignore). */
  onError?: (e: Error) => void;
  /** Wait this long for the first CONNACK, ms (default 5000). */
  connectTimeoutMs?: number;
  /** MQTT protocol version: 4 = 3.1.1 (default) or 5 (with `cleanSession: false`, session expiry 1 day). */
  protocolVersion?: 4 | 5;
  /** CA certificate(s) to trust for `mqtts://` URLs (e.g. the local CA of tls.ts). */
  ca?: string | Buffer;
  /** Broker credentials (an operator account of a secured mosquitto). */
  username?: string;
  password?: string;
  /**
   * Subscribe to alerts as `$share/<group>/dendra/v1/...` so that the broker hands each alert to one
   * member of the group (mosquitto 2, EMQX, HiveMQ, VerneMQ; not aedes). Status and model stay
   * unshared. Gap detection is off (each member sees only part of each stream); duplicates are
   * dropped per member.
   */
  shareGroup?: string;
  /**
   * With `shareGroup`, on the NATS cluster (cluster.ts): the nodes' NATS URLs. Alerts then come from
   * the group's JetStream consumer (share.ts: each alert to one member of the group, kept while no
   * member runs) instead of `$share/`, which nats-server 2.9 lacks; status and model stay on MQTT.
   */
  nats?: string | readonly string[];
  /** Client id (default `dendra-ops-<random>`). Needed for a persistent session. */
  clientId?: string;
  /**
   * `false` = persistent session: the broker keeps the subscription and queues QoS 1 alerts while
   * this watcher is disconnected (also across a broker restart with persistence). Default `true`.
   */
  cleanSession?: boolean;
}

/** A running watcher. */
export interface AlertWatcher {
  readonly stats: Readonly<WatchStats>;
  /** Devices seen in status/model records, by `site/device`. */
  readonly devices: ReadonlyMap<string, Readonly<DeviceState>>;
  /** Unsubscribes and disconnects (bounded to ~1 s). Never rejects. */
  close(): Promise<void>;
  /** The underlying mqtt.js client (tests slow its `handleMessage` to delay PUBACKs). */
  readonly client: MqttClient;
}

/** True if `kind` passes the `kinds` filter. */
function kindMatches(kind: string, kinds?: string[]): boolean {
  return !kinds || kinds.length === 0 || kinds.some((k) => kind === k || kind.startsWith(`${k}.`));
}

/** True if `severity` is at least `min`. */
export function severityAtLeast(severity: Severity, min?: Severity): boolean {
  return min === undefined || SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(min);
}

/** The subscription filters of a watcher (alert first). */
export function watchFilters(o: Pick<WatchOptions, 'site' | 'device' | 'shareGroup' | 'nats'>): string[] {
  const alert = topicFilter('alert', o.site, o.device);
  if (o.shareGroup !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(o.shareGroup)) {
    throw new BrokerError('E_SUBSCRIBE', `share group ${JSON.stringify(o.shareGroup.slice(0, 80))} must be 1-64 of A-Z a-z 0-9 . _ -`);
  }
  if (o.nats !== undefined && o.shareGroup === undefined) throw new BrokerError('E_SUBSCRIBE', 'NATS URLs are only used with a share group');
  return [
    ...(o.nats !== undefined ? [] : [o.shareGroup ? `$share/${o.shareGroup}/${alert}` : alert]),
    topicFilter('status', o.site, o.device),
    topicFilter('model', o.site, o.device),
  ];
}

/**
 * Connects to the broker and subscribes (QoS 1) to `dendra/v1/<site|+>/<device|+>/alert`,
 * `.../status` and `.../model`. Callbacks run for valid, new messages only; invalid ones are
 * dropped and counted in {@link WatchStats}; a throwing callback is reported to `onError` and
 * does not stop the watcher. Never crashes on any payload.
 * @throws {TopicError} if `site` or `device` is not a valid id.
 * @throws {BrokerError} `E_BROKER_UNREACHABLE` ("broker mqtt://... does not answer") if no CONNACK
 *   arrives within the timeout, `E_BROKER_REFUSED` (bad credentials) / `E_SUBSCRIBE` (bad share
 *   group, subscription refused) if the broker refuses, or if the connection keeps closing under
 *   the subscription until the connect timeout has passed (it is asked again on each reconnection).
 */
export async function watchAlerts(opts: WatchOptions): Promise<AlertWatcher> {
  const filters = watchFilters(opts);
  const onError = opts.onError ?? (() => {});
  const client = await connectWithDeadline(
    opts.url,
    {
      clientId: opts.clientId ?? `dendra-ops-${randomBytes(4).toString('hex')}`,
      clean: opts.cleanSession ?? true,
      protocolVersion: opts.protocolVersion ?? 4,
      ...(opts.protocolVersion === 5 && opts.cleanSession === false ? { properties: { sessionExpiryInterval: 86_400 } } : {}),
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      ...(opts.username !== undefined ? { username: opts.username, password: opts.password } : {}),
    },
    { timeoutMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS },
  );
  const w = new Watch(opts);
  client.on('error', onError);
  client.on('message', (topic, payload, packet) => {
    try {
      w.handle(topic, payload, packet.retain);
    } catch (e) {
      onError(e as Error);
    }
  });
  try {
    // A cluster node may close the connection under the request (NATS while it elects its
    // JetStream leaders): asked again on the next connection, within the connect timeout.
    const granted = await subscribeWithin(client, filters, Date.now() + (opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS));
    if (granted.some((q) => q !== 0 && q !== 1)) throw new Error('subscription rejected');
  } catch (e) {
    await client.endAsync(true).catch(() => {});
    const url = String(opts.url);
    throw new BrokerError('E_SUBSCRIBE', `broker ${url} refused the subscription to ${filters[0]}: ${(e as Error).message}`, url);
  }
  let shared: SharedConsumer | undefined;
  if (opts.nats !== undefined) {
    try {
      shared = await consumeShared({
        natsUrl: opts.nats, group: opts.shareGroup!, username: opts.username, password: opts.password, ca: opts.ca,
        connectTimeoutMs: opts.connectTimeoutMs, onError, onMessage: (topic, payload) => w.handle(topic, payload, false),
      });
    } catch (e) {
      await client.endAsync(true).catch(() => {});
      throw e;
    }
  }
  return { stats: w.stats, devices: w.devices, client, close: async () => { await shared?.close(); await closeClient(client); } };
}

/** State and message dispatch of one watcher. */
class Watch {
  readonly stats: WatchStats = { alerts: 0, statuses: 0, models: 0, duplicates: 0, invalid: 0, badTopic: 0, oversized: 0, malformed: 0, schema: 0, gaps: 0, filtered: 0 };
  readonly devices = new Map<string, DeviceState>();
  private tracker = new SeqTracker();
  constructor(private o: WatchOptions) {}

  /** Validates and dispatches one message. */
  handle(topic: string, payload: Uint8Array, retained: boolean): void {
    const t = tryParseTopic(topic);
    if ('reason' in t) return this.invalid('topic', t.reason, topic);
    const info: MessageInfo = { site: t.site, device: t.device, topic, retained, receivedAt: new Date() };
    if (t.kind === 'status') return this.status(payload, info);
    if (t.kind === 'model') return this.model(payload, info);
    if (t.kind === 'alert') return this.alert(t, payload, info);
    this.invalid('topic', `unexpected kind ${t.kind}`, topic);
  }

  private invalid(code: InvalidCode, reason: string, topic: string): void {
    this.stats.invalid++;
    if (code === 'topic') this.stats.badTopic++;
    else this.stats[code]++;
    this.o.onInvalid?.(reason, topic, code);
  }

  private device(info: MessageInfo): DeviceState {
    const key = `${info.site}/${info.device}`;
    let d = this.devices.get(key);
    if (!d) {
      if (this.devices.size >= 10000) this.devices.delete(this.devices.keys().next().value as string);
      d = { site: info.site, device: info.device, state: 'unknown', lostLink: false };
      this.devices.set(key, d);
    }
    return d;
  }

  private status(payload: Uint8Array, info: MessageInfo): void {
    const r = parsePayload('status', payload);
    if (!r.ok) return this.invalid(r.code, r.reason, info.topic);
    this.stats.statuses++;
    const d = this.device(info);
    d.state = r.value.state;
    d.lostLink = r.value.state === 'offline' && r.value.ts === undefined;
    d.status = r.value;
    this.o.onStatus?.(r.value, info);
  }

  private model(payload: Uint8Array, info: MessageInfo): void {
    const r = parsePayload('model', payload);
    if (!r.ok) return this.invalid(r.code, r.reason, info.topic);
    this.stats.models++;
    this.device(info).model = r.value;
    this.o.onModel?.(r.value, info);
  }

  private alert(t: TopicInfo, payload: Uint8Array, info: MessageInfo): void {
    const r = parsePayload('alert', payload);
    if (!r.ok) return this.invalid(r.code, r.reason, info.topic);
    const a = r.value;
    const verdict = this.tracker.accept(t.site, t.device, a.boot ?? 0, a.seq);
    if (verdict === 'duplicate') { this.stats.duplicates++; return; }
    if (verdict && !this.o.shareGroup) { this.stats.gaps++; this.o.onGap?.(verdict); }
    if (!kindMatches(a.kind, this.o.kinds) || !severityAtLeast(a.severity, this.o.minSeverity)) { this.stats.filtered++; return; }
    this.stats.alerts++;
    this.o.onAlert(a, info);
  }
}

/** Ends a client, forcing it after 1 s. Never rejects. */
async function closeClient(client: MqttClient): Promise<void> {
  const ended = await Promise.race([
    client.endAsync(false).then(() => true, () => false),
    new Promise<boolean>((r) => setTimeout(() => r(false), 1000).unref()),
  ]);
  if (!ended) {
    await Promise.race([client.endAsync(true).catch(() => {}), new Promise<void>((r) => setTimeout(r, 1000).unref())]);
  }
}

/** Fixed two decimals for display; non-finite values as-is. */
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : String(v));

/** `top OT=+1.83, HUFL=+0.15` from `top` (delta_c, else weight), or '' (at most 3 shown). */
function topInputs(a: AlertPayload): string {
  if (!a.top || a.top.length === 0) return '';
  const one = (t: { input: string; delta_c?: number; weight?: number }) => {
    const v = typeof t.delta_c === 'number' ? t.delta_c : t.weight;
    return typeof v === 'number' ? `${t.input}=${v >= 0 ? '+' : ''}${f2(v)}` : t.input;
  };
  return `  top ${a.top.slice(0, 3).map(one).join(', ')}`;
}

/** Delay (pts - ts, device ms) from which an alert counts as late and {@link formatAlert} shows it. */
export const LATE_AFTER_MS = 1000;

/**
 * How late the device sent the alert: `pts - ts` in device ms (pts = device clock at the send that
 * reached the broker, ts = when the alert was raised). An alert resent after a reboot has no pts
 * (docs/mqtt.md "Publish time"): then `receivedAtMs - wall_ts` (its original wall-clock publish
 * time) when both are given. Null when neither applies (older publishers), or the result would be
 * negative. Never throws.
 */
export function sendDelayMs(alert: Pick<AlertPayload, 'ts' | 'pts' | 'wall_ts'>, receivedAtMs?: number): number | null {
  const { ts, pts, wall_ts: wall } = alert;
  if (typeof pts === 'number') return Number.isFinite(pts) && Number.isFinite(ts) && pts >= ts ? pts - ts : null;
  if (typeof wall !== 'number' || receivedAtMs === undefined || !Number.isFinite(wall) || !(receivedAtMs >= wall)) return null;
  return receivedAtMs - wall;
}

/** A duration for humans: `850 ms`, `12.3 s`, `4.5 min`, `2.0 h`. Never throws. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/**
 * One human line for an alert, e.g.
 * `2026-11-25T07:00:01Z  north/tx1  overload.warning RAISED (warning)  value 81.23 > threshold 80.00  lead 5 h  [seq 12 boot 0 model grid@1]`.
 * A device.fault shows its `code`, an alert with `top` the first three. The time is when it
 * was received (`info.receivedAt`, default now), since `ts` is device time since boot. An alert sent
 * at least {@link LATE_AFTER_MS} after it was raised (replayed from the device journal after an
 * outage or reboot) shows `sent <delay> late` ({@link sendDelayMs}). Control
 * characters from the payload are replaced, so the result is always one line. Never throws.
 */
export function formatAlert(alert: AlertPayload, info: { site: string; device: string; receivedAt?: Date }): string {
  const when = (info.receivedAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const cmp = alert.value > alert.threshold ? '>' : alert.value < alert.threshold ? '<' : '=';
  // risks live in [0, 1]: two decimals would show 0.7421 vs 0.74 as "0.74 > 0.74"
  const num = Math.abs(alert.value) <= 1 && Math.abs(alert.threshold) <= 1 ? (v: number) => v.toFixed(4) : f2;
  const lead = typeof alert.lead_h === 'number' ? `  lead ${alert.lead_h} h` : '';
  const code = alert.code ? ` ${alert.code}` : '';
  const tags = [`seq ${alert.seq}`, `boot ${alert.boot ?? 0}`, alert.model ? `model ${alert.model}` : ''].filter(Boolean).join(' ');
  const delay = sendDelayMs(alert, (info.receivedAt ?? new Date()).getTime());
  const late = delay !== null && delay >= LATE_AFTER_MS ? `  sent ${formatDuration(delay)} late` : '';
  const line = `${when}  ${info.site}/${info.device}  ${alert.kind}${code} ${alert.state.toUpperCase()} (${alert.severity})  value ${num(alert.value)} ${cmp} threshold ${num(alert.threshold)}${lead}${topInputs(alert)}${late}  [${tags}]`;
  // eslint-disable-next-line no-control-regex
  return line.replace(/[\u0000-\u001f\u007f]/g, '?');
}

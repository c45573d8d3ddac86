/**
 * The operator side behind `dendra alerts`: {@link watchAlerts} subscribes to alert and status
 * topics, validates every payload, drops duplicates by (site, device, boot, seq) and reports
 * gaps in seq; {@link formatAlert} renders one alert as one human line.
 */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { topicFilter, tryParseTopic } from './topics.ts';
import { parsePayload, type AlertPayload, type StatusPayload } from './schema.ts';
import { connectWithDeadline, DEFAULT_CONNECT_TIMEOUT_MS } from './connect.ts';
import { BrokerError } from './errors.ts';

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

/** A run of seq numbers never received in one (site, device, boot) stream. */
export interface SeqGap {
  site: string;
  device: string;
  boot: number;
  /** First and last missing seq, inclusive. */
  from: number;
  to: number;
}

/** Counters kept by a watcher. */
export interface WatchStats {
  alerts: number;
  statuses: number;
  duplicates: number;
  invalid: number;
  gaps: number;
  filtered: number;
}

/** Options for {@link watchAlerts}. */
export interface WatchOptions {
  url: string;
  /** Only this site / device (default: all, via `+`). */
  site?: string;
  device?: string;
  /** Only alerts whose `kind` equals one of these or starts with `<entry>.` (e.g. `overload`). */
  kinds?: string[];
  onAlert: (alert: AlertPayload, info: MessageInfo) => void;
  onStatus?: (status: StatusPayload, info: MessageInfo) => void;
  /** A message that failed topic or payload validation; it is counted and dropped. */
  onInvalid?: (reason: string, topic: string) => void;
  onGap?: (gap: SeqGap) => void;
  /** Errors after connecting (default: ignore). */
  onError?: (e: Error) => void;
  /** Wait this long for the first CONNACK, ms (default 5000). */
  connectTimeoutMs?: number;
  /** MQTT protocol version: 4 = 3.1.1 (default) or 5. */
  protocolVersion?: 4 | 5;
}

/** A running watcher. */
export interface AlertWatcher {
  readonly stats: Readonly<WatchStats>;
  /** Unsubscribes and disconnects (bounded to ~1 s). Never rejects. */
  close(): Promise<void>;
}

/** Seq numbers remembered per stream for duplicate detection. */
export const SEQ_MEMORY = 1024;
/** Streams remembered at most; the oldest is forgotten first. */
export const MAX_STREAMS = 10000;

interface Stream { max: number; seen: Set<number> }

/**
 * De-duplicates and gap-checks seq numbers per (site, device, boot) stream, with bounded memory:
 * the last {@link SEQ_MEMORY} seqs per stream, {@link MAX_STREAMS} streams. A seq older than the
 * remembered window is treated as a duplicate. Never throws.
 */
export class SeqTracker {
  private streams = new Map<string, Stream>();

  /** Records one seq; `'duplicate'` if seen before, else the gap it reveals (or null). */
  accept(site: string, device: string, boot: number, seq: number): 'duplicate' | SeqGap | null {
    const key = `${site}/${device}/${boot}`;
    let s = this.streams.get(key);
    if (!s) {
      if (this.streams.size >= MAX_STREAMS) this.streams.delete(this.streams.keys().next().value as string);
      s = { max: seq, seen: new Set([seq]) };
      this.streams.set(key, s);
      return null;
    }
    if (s.seen.has(seq) || seq <= s.max - SEQ_MEMORY) return 'duplicate';
    s.seen.add(seq);
    if (s.seen.size > SEQ_MEMORY) {
      for (const old of s.seen) { if (s.seen.size <= SEQ_MEMORY) break; s.seen.delete(old); }
    }
    if (seq <= s.max) return null; // late arrival filling an earlier gap
    const gap = seq > s.max + 1 ? { site, device, boot, from: s.max + 1, to: seq - 1 } : null;
    s.max = seq;
    return gap;
  }
}

/** True if `kind` passes the `kinds` filter. */
function kindMatches(kind: string, kinds?: string[]): boolean {
  return !kinds || kinds.length === 0 || kinds.some((k) => kind === k || kind.startsWith(`${k}.`));
}

/**
 * Connects to the broker and subscribes (QoS 1) to `dendra/v1/<site|+>/<device|+>/alert` and
 * `.../status`. Callbacks run for valid, new messages only; a throwing callback is reported to
 * `onError` and does not stop the watcher.
 * @throws {TopicError} if `site` or `device` is not a valid id.
 * @throws {BrokerError} `E_BROKER_UNREACHABLE` ("broker mqtt://... does not answer") if no CONNACK
 *   arrives within the timeout, `E_BROKER_REFUSED`/`E_SUBSCRIBE` if the broker refuses.
 */
export async function watchAlerts(opts: WatchOptions): Promise<AlertWatcher> {
  const filters = [topicFilter('alert', opts.site, opts.device), topicFilter('status', opts.site, opts.device)];
  const onError = opts.onError ?? (() => {});
  const client = await connectWithDeadline(
    opts.url,
    { clientId: `dendra-ops-${randomBytes(4).toString('hex')}`, clean: true, protocolVersion: opts.protocolVersion ?? 4 },
    { timeoutMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS },
  );
  const stats: WatchStats = { alerts: 0, statuses: 0, duplicates: 0, invalid: 0, gaps: 0, filtered: 0 };
  const tracker = new SeqTracker();
  client.on('error', onError);
  client.on('message', (topic, payload, packet) => {
    try {
      handleMessage(opts, stats, tracker, topic, payload, packet.retain);
    } catch (e) {
      onError(e as Error);
    }
  });
  try {
    const granted = await client.subscribeAsync(filters, { qos: 1 });
    if (granted.some((g) => g.qos !== 0 && g.qos !== 1)) throw new Error('subscription rejected');
  } catch (e) {
    await client.endAsync(true).catch(() => {});
    throw new BrokerError('E_SUBSCRIBE', `broker ${opts.url} refused the subscription to ${filters[0]}: ${(e as Error).message}`, opts.url);
  }
  return { stats, close: () => closeClient(client) };
}

/** Validates and dispatches one message. */
function handleMessage(o: WatchOptions, stats: WatchStats, tracker: SeqTracker, topic: string, payload: Uint8Array, retained: boolean): void {
  const invalid = (reason: string) => { stats.invalid++; o.onInvalid?.(reason, topic); };
  const t = tryParseTopic(topic);
  if ('reason' in t) return invalid(t.reason);
  const info: MessageInfo = { site: t.site, device: t.device, topic, retained, receivedAt: new Date() };
  if (t.kind === 'status') {
    const r = parsePayload('status', payload);
    if (!r.ok) return invalid(r.reason);
    stats.statuses++;
    o.onStatus?.(r.value, info);
    return;
  }
  if (t.kind !== 'alert') return invalid(`unexpected kind ${t.kind}`);
  const r = parsePayload('alert', payload);
  if (!r.ok) return invalid(r.reason);
  const a = r.value;
  const verdict = tracker.accept(t.site, t.device, a.boot ?? 0, a.seq);
  if (verdict === 'duplicate') { stats.duplicates++; return; }
  if (verdict) { stats.gaps++; o.onGap?.(verdict); }
  if (!kindMatches(a.kind, o.kinds)) { stats.filtered++; return; }
  stats.alerts++;
  o.onAlert(a, info);
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

/**
 * One human line for an alert, e.g.
 * `2026-11-25T07:00:01Z  north/tx1  overload.warning RAISED (warning)  value 81.23 > threshold 80.00  lead 5 h  [seq 12 boot 0 model grid@1]`.
 * The time is when it was received (`info.receivedAt`, default now), since `ts` is device time since boot.
 * Never throws.
 */
export function formatAlert(alert: AlertPayload, info: { site: string; device: string; receivedAt?: Date }): string {
  const when = (info.receivedAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const cmp = alert.value > alert.threshold ? '>' : '<=';
  const lead = typeof alert.lead_h === 'number' ? `  lead ${alert.lead_h} h` : '';
  const tags = [`seq ${alert.seq}`, `boot ${alert.boot ?? 0}`, alert.model ? `model ${alert.model}` : ''].filter(Boolean).join(' ');
  return `${when}  ${info.site}/${info.device}  ${alert.kind} ${alert.state.toUpperCase()} (${alert.severity})  value ${f2(alert.value)} ${cmp} threshold ${f2(alert.threshold)}${lead}  [${tags}]`;
}

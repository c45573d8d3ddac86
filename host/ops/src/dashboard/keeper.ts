/**
 * The dashboard bridge's own MQTT client: it keeps what must outlive a page.
 *
 * - Alarms: folds each device's alerts into its alarm table (./alarms.ts) and publishes it
 *   retained on `dendra/v1/<site>/<device>/alarm` (source "bridge"), so every operator and any
 *   MQTT client sees the same active alarms, also after a reload. It starts from the retained
 *   table it finds, and stops deriving for a device whose board publishes its own (source "device"):
 *   current firmware does (app/alarm.ts, an empty table at every boot), so the keeper only fills in
 *   for older firmware and other publishers.
 * - History: telemetry points and the overload limit per device (./history.ts), saved to a file.
 *
 * Nothing missed across a broker crash (issue 20 item 3): a persistent session (clean false) with a
 * stable client id ({@link defaultKeeperClientId}, or `clientId`) and QoS 1 subscriptions, so a
 * broker with persistence queues the alerts while the keeper reconnects; redeliveries are dropped
 * by (device, boot, seq) (../mqtt/seq.ts), so every alert counts once.
 */
import { createHash } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import { parsePayload, type AlertPayload } from '../mqtt/schema.ts';
import { tryParseTopic, TOPIC_ROOT } from '../mqtt/topics.ts';
import { AlarmTable } from './alarms.ts';
import { History } from './history.ts';
import { SeqTracker } from '../mqtt/seq.ts';

/** Options of {@link startKeeper}. */
export interface KeeperOptions {
  /** Broker URL (mqtt:// or mqtts://, as the bridge's target). */
  url: string;
  /** History file (null: memory only). */
  historyFile: string | null;
  /** Save the history at most this often, ms (default 5000). */
  saveEveryMs?: number;
  /** Where one-line warnings go (default: stderr). */
  warn?: (line: string) => void;
  /** Wall clock (tests). */
  now?: () => number;
  /** MQTT client id of the keeper's persistent session (default {@link defaultKeeperClientId}). */
  clientId?: string;
}

/** A running keeper. */
export interface Keeper {
  history: History;
  /** Alarm tables by `site/device`. */
  tables: ReadonlyMap<string, AlarmTable>;
  /** Alarm records published (retained) so far. */
  readonly published: number;
  /** True once the keeper's subscriptions are granted (after each connect). */
  readonly subscribed: boolean;
  /** The client id of its session. */
  readonly clientId: string;
  /** Alerts taken, each (device, boot, seq) once. */
  readonly alerts: number;
  /** Alerts dropped as already taken (QoS 1 redeliveries, e.g. after a broker restart). */
  readonly duplicates: number;
  /** Saves the history, disconnects. Never rejects. */
  close(): Promise<void>;
}

/** Devices whose alarm tables the keeper keeps at most (more are not derived). */
export const MAX_DEVICES = 4096;

/** The topics the keeper reads. */
export const KEEPER_FILTERS = ['alert', 'alarm', 'telemetry'].map((k) => `${TOPIC_ROOT}/+/+/${k}`);

/**
 * The keeper's default client id: `dendra-dash-<user>@<host>-<8 hex>`, the hex a hash of the
 * history file's path (one dashboard per folder keeps one session), characters outside
 * A-Z a-z 0-9 . _ - replaced by `_`. Stable across runs, so the broker keeps the session. Never throws.
 */
export function defaultKeeperClientId(historyFile: string | null): string {
  let user = 'user';
  try {
    user = userInfo().username;
  } catch { /* no passwd entry */ }
  const clean = (t: string) => t.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 32);
  const h = createHash('sha256').update(historyFile ?? '').digest('hex').slice(0, 8);
  return `dendra-dash-${clean(user)}@${clean(hostname())}-${h}`;
}

/**
 * Connects to the broker and starts keeping alarms and history. Never throws: a broker that is
 * down is retried (every second), as the page does; a history file that cannot be read or written
 * is one warning line. Limits: it connects anonymously and trusts only the system CAs for
 * mqtts:// (as the bridge), so on a secured broker it derives nothing (the board must publish).
 */
export function startKeeper(o: KeeperOptions): Keeper {
  const warn = o.warn ?? ((l: string) => process.stderr.write(`dendra: ${l}\n`));
  const history = new History(o.historyFile);
  const loadProblem = history.load();
  if (loadProblem) warn(loadProblem);
  let subscribed = false;
  const clientId = o.clientId ?? defaultKeeperClientId(o.historyFile);
  const client: MqttClient = mqtt.connect(o.url, {
    protocolVersion: 4, clean: false, clientId, reconnectPeriod: 1000, connectTimeout: 5000, keepalive: 30,
  });
  client.on('connect', () => client.subscribe(KEEPER_FILTERS, { qos: 1 }, (err) => { subscribed = !err; }));
  client.on('close', () => { subscribed = false; });
  client.on('error', () => {}); // reconnects; the page shows the broker's state
  const s: KeeperState = {
    client, history, now: o.now ?? Date.now, tables: new Map(), selfPublishing: new Set(), seen: new SeqTracker(),
    published: 0, alerts: 0, duplicates: 0,
  };
  client.on('message', (topic, payload) => onKeeperMessage(s, topic, payload));

  const saveNow = () => { const p = history.save(); if (p) warn(p); };
  const timer = setInterval(saveNow, o.saveEveryMs ?? 5000);
  timer.unref();
  let closing: Promise<void> | undefined;
  return {
    history, tables: s.tables,
    get published() { return s.published; },
    get subscribed() { return subscribed; },
    get alerts() { return s.alerts; },
    get duplicates() { return s.duplicates; },
    clientId,
    close: () => (closing ??= (async () => {
      clearInterval(timer);
      saveNow();
      await client.endAsync().catch(() => {});
    })()),
  };
}

/** What a running keeper holds between messages. */
interface KeeperState {
  client: MqttClient;
  history: History;
  now: () => number;
  tables: Map<string, AlarmTable>;
  /** Devices that publish their own alarm table (the keeper derives none for them). */
  selfPublishing: Set<string>;
  seen: SeqTracker;
  published: number;
  alerts: number;
  duplicates: number;
}

/**
 * One message on {@link KEEPER_FILTERS}: telemetry joins the history, an alert updates the
 * device's alarm table, an alarm record marks a self-publishing device or seeds the table.
 * Topics and payloads that do not parse are ignored. Never throws.
 */
function onKeeperMessage(s: KeeperState, topic: string, payload: Buffer): void {
  const info = tryParseTopic(topic);
  if ('reason' in info) return;
  const id = `${info.site}/${info.device}`;
  if (info.kind === 'telemetry') {
    const p = parsePayload('telemetry', payload);
    if (p.ok) s.history.add(id, s.now(), p.value.ot, p.value.pred_peak);
  } else if (info.kind === 'alert') {
    const p = parsePayload('alert', payload);
    if (p.ok) onAlert(s, info.site, info.device, topic, p.value);
  } else if (info.kind === 'alarm') {
    const p = parsePayload('alarm', payload);
    if (!p.ok) return;
    if (p.value.source === 'device') {
      s.selfPublishing.add(id);
      s.tables.delete(id);
    } else if (!s.tables.has(id)) {
      const t = new AlarmTable();
      t.load(p.value);
      s.tables.set(id, t);
    }
  }
}

/**
 * An alert from `site/device`: duplicates (by boot and seq) are counted and dropped; an overload
 * threshold becomes the history's limit; the device's alarm table (at most {@link MAX_DEVICES},
 * none for a self-publishing device) applies it and, when it changed, the retained alarm record
 * is published (QoS 1). Never throws.
 */
function onAlert(s: KeeperState, site: string, device: string, topic: string, a: AlertPayload): void {
  if (s.seen.accept(site, device, a.boot ?? 0, a.seq) === 'duplicate') {
    s.duplicates++;
    return;
  }
  s.alerts++;
  const id = `${site}/${device}`;
  if (a.kind.startsWith('overload.') && Number.isFinite(a.threshold)) s.history.setLimit(id, a.threshold);
  if (s.selfPublishing.has(id) || (s.tables.size >= MAX_DEVICES && !s.tables.has(id))) return;
  let t = s.tables.get(id);
  if (!t) s.tables.set(id, (t = new AlarmTable()));
  const at = s.now();
  if (!t.apply(a, at)) return;
  s.published++;
  s.client.publish(topic.replace(/\/alert$/, '/alarm'), JSON.stringify(t.record(at)), { qos: 1, retain: true });
}

/**
 * The dashboard bridge's own MQTT client: it keeps what must outlive a page.
 *
 * - Alarms: folds each device's alerts into its alarm table (./alarms.ts) and publishes it
 *   retained on `dendra/v1/<site>/<device>/alarm` (source "bridge"), so every operator and any
 *   MQTT client sees the same active alarms, also after a reload. It starts from the retained
 *   table it finds, and stops deriving for a device whose board publishes its own (source "device").
 * - History: telemetry points and the overload limit per device (./history.ts), saved to a file.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { parsePayload, type AlertPayload } from '../mqtt/schema.ts';
import { tryParseTopic, TOPIC_ROOT } from '../mqtt/topics.ts';
import { AlarmTable } from './alarms.ts';
import { History } from './history.ts';

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
  /** Saves the history, disconnects. Never rejects. */
  close(): Promise<void>;
}

/** Devices whose alarm tables the keeper keeps at most (more are not derived). */
export const MAX_DEVICES = 4096;

/** The topics the keeper reads. */
export const KEEPER_FILTERS = ['alert', 'alarm', 'telemetry'].map((k) => `${TOPIC_ROOT}/+/+/${k}`);

/**
 * Connects to the broker and starts keeping alarms and history. Never throws: a broker that is
 * down is retried (every second), as the page does; a history file that cannot be read or written
 * is one warning line. Limits: it connects anonymously and trusts only the system CAs for
 * mqtts:// (as the bridge), so on a secured broker it derives nothing (the board must publish).
 */
export function startKeeper(o: KeeperOptions): Keeper {
  const warn = o.warn ?? ((l: string) => process.stderr.write(`dendra: ${l}\n`));
  const now = o.now ?? Date.now;
  const history = new History(o.historyFile);
  const loadProblem = history.load();
  if (loadProblem) warn(loadProblem);
  const tables = new Map<string, AlarmTable>();
  const selfPublishing = new Set<string>();
  let published = 0;
  let subscribed = false;
  const client: MqttClient = mqtt.connect(o.url, {
    protocolVersion: 4, clean: true, clientId: `dendra-dash-keeper-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    reconnectPeriod: 1000, connectTimeout: 5000, keepalive: 30,
  });
  client.on('connect', () => client.subscribe(KEEPER_FILTERS, { qos: 1 }, (err) => { subscribed = !err; }));
  client.on('close', () => { subscribed = false; });
  client.on('error', () => {}); // reconnects; the page shows the broker's state

  const onAlert = (id: string, topic: string, a: AlertPayload) => {
    if (a.kind.startsWith('overload.') && Number.isFinite(a.threshold)) history.setLimit(id, a.threshold);
    if (selfPublishing.has(id) || (tables.size >= MAX_DEVICES && !tables.has(id))) return;
    let t = tables.get(id);
    if (!t) tables.set(id, (t = new AlarmTable()));
    const at = now();
    if (!t.apply(a, at)) return;
    published++;
    client.publish(topic.replace(/\/alert$/, '/alarm'), JSON.stringify(t.record(at)), { qos: 1, retain: true });
  };

  client.on('message', (topic, payload) => {
    const info = tryParseTopic(topic);
    if ('reason' in info) return;
    const id = `${info.site}/${info.device}`;
    if (info.kind === 'telemetry') {
      const p = parsePayload('telemetry', payload);
      if (p.ok) history.add(id, now(), p.value.ot, p.value.pred_peak);
    } else if (info.kind === 'alert') {
      const p = parsePayload('alert', payload);
      if (p.ok) onAlert(id, topic, p.value);
    } else if (info.kind === 'alarm') {
      const p = parsePayload('alarm', payload);
      if (!p.ok) return;
      if (p.value.source === 'device') {
        selfPublishing.add(id);
        tables.delete(id);
      } else if (!tables.has(id)) {
        const t = new AlarmTable();
        t.load(p.value);
        tables.set(id, t);
      }
    }
  });

  const saveNow = () => { const p = history.save(); if (p) warn(p); };
  const timer = setInterval(saveNow, o.saveEveryMs ?? 5000);
  timer.unref();
  let closing: Promise<void> | undefined;
  return {
    history, tables,
    get published() { return published; },
    get subscribed() { return subscribed; },
    close: () => (closing ??= (async () => {
      clearInterval(timer);
      saveNow();
      await client.endAsync().catch(() => {});
    })()),
  };
}

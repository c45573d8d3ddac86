/**
 * The operator console behind `dendra alerts`: turns watcher events (alerts, status incl. the last
 * will, model records, gaps, dropped messages) into human lines or NDJSON records, and a final
 * summary. Kept out of the CLI module so it can be tested against a real broker.
 */
import { watchAlerts, formatAlert, sendDelayMs, type AlertWatcher, type DeviceState, type MessageInfo, type WatchOptions, type WatchStats } from './alerts.ts';
import type { ModelInfoPayload, StatusPayload } from './schema.ts';
import type { SeqGap } from './seq.ts';

/** NDJSON record types written by {@link startAlertsView} with `json: true`. */
export type ViewRecordType = 'alert' | 'status' | 'model' | 'gap' | 'dropped' | 'duplicate' | 'summary';

/** Options for {@link startAlertsView}. */
export interface AlertsViewOptions extends Omit<WatchOptions, 'onAlert' | 'onStatus' | 'onModel' | 'onGap' | 'onInvalid'> {
  /** NDJSON (one JSON object per line, field `type`) instead of human lines. */
  json?: boolean;
  /** Writes one line to stdout (no trailing newline included). */
  out: (line: string) => void;
  /** Writes one diagnostic line (human mode: dropped messages and the summary). */
  err: (line: string) => void;
  /** Resolve `done` after this many alerts; later ones are not printed (but counted in stats). */
  limit?: number;
}

/** A running console. */
export interface AlertsView {
  readonly watcher: AlertWatcher;
  /** Resolves after `limit` alerts (never if no limit). */
  readonly done: Promise<void>;
  /** Prints the summary, closes the watcher. Never rejects. */
  close(): Promise<void>;
}

const short = (hex?: string) => (hex ? hex.slice(0, 12) : undefined);

/** Human line for a status message; the last will reads as a lost link. Never throws. */
export function formatStatus(s: StatusPayload, info: Pick<MessageInfo, 'site' | 'device' | 'retained'>): string {
  const who = `${info.site}/${info.device}`;
  const ret = info.retained ? ' (retained)' : '';
  if (s.state === 'online') return `${who} online${s.boot !== undefined ? ` boot ${s.boot}` : ''}${ret}`;
  return s.ts === undefined ? `${who} OFFLINE: connection lost (last will)${ret}` : `${who} offline (clean shutdown)${ret}`;
}

/** Human line for a model record, naming both model slots (grid and pack). Never throws. */
export function formatModel(m: ModelInfoPayload, info: Pick<MessageInfo, 'site' | 'device'>): string {
  const parts = [`grid slot ${m.model}${m.model_sha256 ? ` (sha256 ${short(m.model_sha256)})` : ''}`];
  parts.push(m.pack_model ? `pack slot ${m.pack_model}${m.pack_model_sha256 ? ` (sha256 ${short(m.pack_model_sha256)})` : ''}` : 'pack slot empty');
  if (m.firmware) parts.push(`firmware ${m.firmware}`);
  if (m.firmware_sha256) parts.push(`fw sha256 ${short(m.firmware_sha256)}`);
  if (m.board) parts.push(`board ${m.board}`);
  // eslint-disable-next-line no-control-regex
  return `${info.site}/${info.device} runs ${parts.join(', ')}`.replace(/[\u0000-\u001f\u007f]/g, '?');
}

/** Seconds within which two instance ids going online for one device count as a duplicate device id. */
export const DUPLICATE_WINDOW_S = 30;

/**
 * Per device: the identity of the last status and model record printed (the payload without its
 * `ts`), so a retained record a device republishes (`dendra cmd status`, HAL net_announce) is not
 * printed again; and the last online instance, to tell two publishers sharing one device id.
 */
export class RecordMemory {
  private readonly last = new Map<string, string>();
  private readonly online = new Map<string, { instance: string; at: number }>();

  /** True when `payload` of `kind` for `device` is the record printed last (ignoring `ts`). */
  seen(device: string, kind: 'status' | 'model', payload: object): boolean {
    const { ts: _ts, wall_ts: _wall, ...rest } = payload as { ts?: unknown; wall_ts?: unknown };
    const id = JSON.stringify(rest);
    const key = `${device}\u0000${kind}`;
    if (this.last.get(key) === id) return true;
    this.last.set(key, id);
    return false;
  }

  /**
   * Feeds a status; returns the other instance id when `status` is an online status of another
   * instance than the one online less than {@link DUPLICATE_WINDOW_S} before it with no clean
   * shutdown (offline with `ts`) in between: two publishers alternate on one device id (a session
   * takeover fires the last will, which does not clear it).
   */
  duplicate(device: string, status: StatusPayload, nowMs: number): string | undefined {
    if (status.state === 'offline') {
      if (status.ts !== undefined) this.online.delete(device);
      return undefined;
    }
    if (typeof status.instance !== 'string') return undefined;
    const prev = this.online.get(device);
    this.online.set(device, { instance: status.instance, at: nowMs });
    return prev && prev.instance !== status.instance && nowMs - prev.at < DUPLICATE_WINDOW_S * 1000 ? prev.instance : undefined;
  }
}

/** Human line for a gap. */
export const formatGap = (g: SeqGap) => `${g.site}/${g.device}: missing alerts seq ${g.from}..${g.to} (boot ${g.boot})`;

/** Devices whose last known state is offline, as `site/device`. */
export function offlineDevices(devices: ReadonlyMap<string, Readonly<DeviceState>>): string[] {
  return [...devices.values()].filter((d) => d.state === 'offline').map((d) => `${d.site}/${d.device}${d.lostLink ? ' (last will)' : ''}`);
}

/** One human summary line of the counters. */
export function formatSummary(s: Readonly<WatchStats>, offline: string[]): string {
  return `alerts ${s.alerts}, duplicates ${s.duplicates}, gaps ${s.gaps}, filtered ${s.filtered}, ` +
    `dropped ${s.invalid} (oversized ${s.oversized}, malformed ${s.malformed}, schema ${s.schema}, topic ${s.badTopic})` +
    `; offline: ${offline.length ? offline.join(', ') : 'none'}`;
}

/**
 * Starts the watcher and prints every event. Filters (`site`, `device`, `kinds`, `minSeverity`)
 * are the watcher's. Output callbacks are the only side effects.
 * @throws {TopicError}/{@link BrokerError} as {@link watchAlerts}.
 */
export async function startAlertsView(o: AlertsViewOptions): Promise<AlertsView> {
  const emit = (type: ViewRecordType, rec: object, text: string, toErr = false) => {
    if (o.json) o.out(JSON.stringify({ type, ...rec }));
    else (toErr ? o.err : o.out)(text);
  };
  let seen = 0;
  const memory = new RecordMemory();
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => (finish = r));
  if (o.limit === 0) finish();
  const at = (i: MessageInfo) => ({ site: i.site, device: i.device, received: i.receivedAt.toISOString(), retained: i.retained });
  const watcher = await watchAlerts({
    ...o,
    onAlert: (alert, info) => {
      if (o.limit !== undefined && seen >= o.limit) return; // already done; do not print more
      const delay = sendDelayMs(alert);
      emit('alert', { ...at(info), ...(delay !== null ? { delay_ms: delay } : {}), alert }, formatAlert(alert, info));
      if (o.limit !== undefined && ++seen >= o.limit) finish();
    },
    onStatus: (status, info) => {
      const who = `${info.site}/${info.device}`;
      const other = memory.duplicate(who, status, info.receivedAt.getTime());
      if (other !== undefined) {
        emit('duplicate', { ...at(info), instances: [other, status.instance] },
          `${who}: duplicate device id: two publishers (instances ${other} and ${String(status.instance)}) go online in turn; give one another device id`);
      }
      if (memory.seen(who, 'status', status)) return; // a republished retained record
      const lostLink = status.state === 'offline' && status.ts === undefined;
      emit('status', { ...at(info), state: status.state, lostLink, status }, formatStatus(status, info));
    },
    onModel: (model, info) => {
      if (memory.seen(`${info.site}/${info.device}`, 'model', model)) return; // a republished retained record
      emit('model', { ...at(info), model }, formatModel(model, info));
    },
    onGap: (gap) => emit('gap', gap, formatGap(gap)),
    onInvalid: (reason, topic, code) => emit('dropped', { code, topic, reason }, `dropped ${code} message on ${topic}: ${reason}`, true),
  });
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    const offline = offlineDevices(watcher.devices);
    emit('summary', { stats: { ...watcher.stats }, offline }, formatSummary(watcher.stats, offline), true);
    await watcher.close();
  })());
  return { watcher, done, close };
}

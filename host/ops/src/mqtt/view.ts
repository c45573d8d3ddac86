/**
 * The operator console behind `dendra alerts`: turns watcher events (alerts, status incl. the last
 * will, model records, gaps, dropped messages) into human lines or NDJSON records, and a final
 * summary. Kept out of the CLI module so it can be tested against a real broker.
 */
import { watchAlerts, formatAlert, sendDelayMs, type AlertWatcher, type DeviceState, type MessageInfo, type WatchOptions, type WatchStats } from './alerts.ts';
import type { ModelInfoPayload, StatusPayload } from './schema.ts';
import type { SeqGap } from './seq.ts';

/** NDJSON record types written by {@link startAlertsView} with `json: true`. */
export type ViewRecordType = 'alert' | 'status' | 'model' | 'gap' | 'dropped' | 'summary';

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

/** Human line for a model record. Never throws. */
export function formatModel(m: ModelInfoPayload, info: Pick<MessageInfo, 'site' | 'device'>): string {
  const parts = [`model ${m.model}`];
  if (m.model_sha256) parts.push(`sha256 ${short(m.model_sha256)}`);
  if (m.firmware) parts.push(`firmware ${m.firmware}`);
  if (m.firmware_sha256) parts.push(`fw sha256 ${short(m.firmware_sha256)}`);
  if (m.board) parts.push(`board ${m.board}`);
  // eslint-disable-next-line no-control-regex
  return `${info.site}/${info.device} runs ${parts.join(', ')}`.replace(/[\u0000-\u001f\u007f]/g, '?');
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
      const lostLink = status.state === 'offline' && status.ts === undefined;
      emit('status', { ...at(info), state: status.state, lostLink, status }, formatStatus(status, info));
    },
    onModel: (model, info) => emit('model', { ...at(info), model }, formatModel(model, info)),
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

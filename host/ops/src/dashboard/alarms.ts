/**
 * Alarm state from alerts: folds a device's alert stream into its `alarm` table (docs/mqtt.md
 * "alarm", docs/schemas/alarm.schema.json), one entry per alert kind: raised once, updated while
 * active (a repeated raise becomes an update of the same entry, `raises` counts them), cleared.
 * Pure (no I/O); the dashboard bridge (./keeper.ts) publishes the result retained, until the board
 * publishes its own table.
 */
import type { AlarmEntry, AlarmPayload, AlertPayload } from '../mqtt/schema.ts';

/** Alert kinds kept per device at most (the schema's `maxItems`). */
export const MAX_ALARMS_PER_DEVICE = 16;

/** Context fields copied from the alert into its alarm entry (latest value wins). */
const CONTEXT = ['lead_h', 'lead_cycles', 'boot', 'seq', 'ts', 'model', 'top', 'cells'] as const;

/** True if `a` (boot, seq) is not newer than the entry's last alert: a QoS 1 redelivery or older. */
function stale(e: AlarmEntry, a: AlertPayload): boolean {
  if (e.seq === undefined) return false;
  const boot = a.boot ?? 0;
  const eb = e.boot ?? 0;
  return boot < eb || (boot === eb && a.seq <= e.seq);
}

/** Copies the alert's context into `e` (removes context the new alert does not carry). */
function withContext(e: AlarmEntry, a: AlertPayload): AlarmEntry {
  const out = { ...e } as Record<string, unknown>;
  for (const k of CONTEXT) {
    const v = (a as Record<string, unknown>)[k];
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  if (out.boot === undefined) out.boot = 0;
  return out as unknown as AlarmEntry;
}

/**
 * The next entry of `alert.kind` given the current one (`prev`, undefined if none), or null if
 * the alert changes nothing (a duplicate, an older alert, or a clear of an alarm that is not
 * active). `now` is wall-clock ms. Never throws.
 */
export function foldAlert(prev: AlarmEntry | undefined, alert: AlertPayload, now: number): AlarmEntry | null {
  if (prev && stale(prev, alert)) return null;
  const active = prev !== undefined && prev.state !== 'cleared';
  if (alert.state === 'cleared') {
    if (!active) return null;
    const e = withContext({ ...prev, state: 'cleared', updated_at: now, cleared_at: now, value: alert.value, threshold: alert.threshold }, alert);
    return e;
  }
  if (!active) {
    return withContext({
      kind: alert.kind, state: 'raised', severity: alert.severity, raised_at: now, updated_at: now, raises: 1,
      value: alert.value, peak: alert.value, threshold: alert.threshold,
    }, alert);
  }
  const e: AlarmEntry = {
    ...prev, state: 'active', updated_at: now, raises: prev.raises + 1, severity: alert.severity,
    value: alert.value, peak: Math.max(prev.peak ?? prev.value, alert.value), threshold: alert.threshold,
  };
  delete e.cleared_at;
  return withContext(e, alert);
}

/** A device's alarm table, kept by kind. */
export class AlarmTable {
  private readonly byKind = new Map<string, AlarmEntry>();

  /** Replaces the table with a received record's entries (e.g. the retained one at start). */
  load(p: AlarmPayload): void {
    this.byKind.clear();
    for (const e of p.alarms.slice(0, MAX_ALARMS_PER_DEVICE)) this.byKind.set(e.kind, e);
  }

  /**
   * Folds one alert in. Returns true if the table changed (it must be published again). A new kind
   * beyond {@link MAX_ALARMS_PER_DEVICE} replaces the oldest cleared entry, else it is ignored.
   */
  apply(alert: AlertPayload, now: number): boolean {
    const next = foldAlert(this.byKind.get(alert.kind), alert, now);
    if (!next) return false;
    if (!this.byKind.has(alert.kind) && this.byKind.size >= MAX_ALARMS_PER_DEVICE) {
      const old = [...this.byKind.values()].filter((e) => e.state === 'cleared').sort((a, b) => a.updated_at - b.updated_at)[0];
      if (!old) return false;
      this.byKind.delete(old.kind);
    }
    this.byKind.set(alert.kind, next);
    return true;
  }

  /** The record to publish (retained) on `alarm`. */
  record(now: number, source: 'device' | 'bridge' = 'bridge'): AlarmPayload {
    return { v: 1, ts: now, source, alarms: [...this.byKind.values()] };
  }

  /** Entries by kind (read-only view). */
  get entries(): ReadonlyMap<string, AlarmEntry> {
    return this.byKind;
  }
}

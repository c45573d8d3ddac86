/**
 * The dashboard's telemetry history: per device, the last {@link HISTORY_LIMITS}.points telemetry
 * points (wall-clock receive time, oil temperature, forecast peak) and the last alert limit, kept
 * in memory and in a small JSON file (default `.dendra/dashboard-history.json`), so the page's
 * chart has history after a reload and after a restart of the dashboard. Served as
 * `/history.json`.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Bounds of the history (memory and file). */
export const HISTORY_LIMITS = Object.freeze({ devices: 256, points: 720 });

/** One point: [wall-clock ms, ot degC | null, pred_peak degC | null]. */
export type HistoryPoint = [number, number | null, number | null];

/** One device's history. */
export interface DeviceHistory {
  points: HistoryPoint[];
  /** The overload alert threshold last seen (degC), or null. */
  limit: number | null;
}

/** The served/stored form: `{ v: 1, devices: { "<site>/<device>": DeviceHistory } }`. */
export interface HistoryDoc {
  v: 1;
  devices: Record<string, DeviceHistory>;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Bounded per-device history; see the module comment. */
export class History {
  private readonly devices = new Map<string, DeviceHistory>();
  private dirty = false;

  /** @param file where to persist (null: memory only). */
  constructor(readonly file: string | null) {}

  /**
   * Loads the file if there is one. A missing file is an empty history; an unreadable or malformed
   * one is ignored (returned as a one-line reason, never thrown) and replaced at the next save.
   */
  load(): string | null {
    if (!this.file) return null;
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? null : `history file ${this.file} ignored: ${code ?? 'not JSON'}`;
    }
    const devs = (doc as HistoryDoc)?.devices;
    if (typeof devs !== 'object' || devs === null) return `history file ${this.file} ignored: no devices`;
    for (const [id, h] of Object.entries(devs).slice(0, HISTORY_LIMITS.devices)) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\/[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id) || !Array.isArray(h?.points)) continue;
      const points = h.points.filter((p): p is HistoryPoint => Array.isArray(p) && p.length === 3 && num(p[0]) !== null)
        .slice(-HISTORY_LIMITS.points).map((p) => [p[0], num(p[1]), num(p[2])] as HistoryPoint);
      this.devices.set(id, { points, limit: num(h.limit) });
    }
    return null;
  }

  private device(id: string): DeviceHistory | null {
    let d = this.devices.get(id);
    if (!d) {
      if (this.devices.size >= HISTORY_LIMITS.devices) return null;
      d = { points: [], limit: null };
      this.devices.set(id, d);
    }
    return d;
  }

  /** Adds one telemetry point (oldest dropped beyond the bound). Never throws. */
  add(id: string, t: number, ot: unknown, pred: unknown): void {
    const d = this.device(id);
    if (!d) return;
    d.points.push([t, num(ot), num(pred)]);
    if (d.points.length > HISTORY_LIMITS.points) d.points.splice(0, d.points.length - HISTORY_LIMITS.points);
    this.dirty = true;
  }

  /** Records the alert limit of a device. Never throws. */
  setLimit(id: string, limit: number): void {
    const d = this.device(id);
    if (!d || d.limit === limit) return;
    d.limit = limit;
    this.dirty = true;
  }

  /** The whole history as served to the page. */
  doc(): HistoryDoc {
    return { v: 1, devices: Object.fromEntries(this.devices) };
  }

  /**
   * Writes the file (atomically: temp file + rename) if anything changed since the last save.
   * @returns null, or a one-line reason when the file cannot be written (the history stays in memory).
   */
  save(): string | null {
    if (!this.file || !this.dirty) return null;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.doc()));
      renameSync(tmp, this.file);
      this.dirty = false;
      return null;
    } catch (e) {
      return `history file ${this.file} not written: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    }
  }
}

// The dashboard's in-page state. `handle(topic, bytes)` turns one MQTT message into a change
// (device, telemetry, alert, alarm, ack) or a counted drop. Every collection is capped (see LIMITS).
// Alarms are state, not events: the retained `alarm` table of each device (one entry per alert
// kind) and the operators' retained `ack/<kind>` records, so they survive a reload.
import { LIMITS, ACK_LEVEL, parseTopic, decodePayload, checkAlert, checkTelemetry, checkStatus, checkModel, checkAlarm, checkAck } from './model.js';

const clip = (s, n) => (s.length > n ? `${s.slice(0, n)}...` : s);

/** Creates an empty store. */
export function createStore() {
  const devices = new Map(); // "site/device" -> device record
  const alerts = []; // newest first (the event log; the table shows alarms)
  const seen = new Set(); // alert keys, for QoS 1 redelivery duplicates (bounded, FIFO)
  const alarms = new Map(); // "site/device/kind" -> alarm entry (+ id, site, device, key)
  const acks = new Map(); // "site/device/kind" -> { raisedAt, by, at }
  const stats = { messages: 0, dropped: 0, duplicates: 0, lastDrop: '' };

  const drop = (reason) => {
    stats.dropped++;
    stats.lastDrop = clip(String(reason), LIMITS.maxReason);
    return { type: 'dropped', reason: stats.lastDrop };
  };

  const device = (site, name) => {
    const id = `${site}/${name}`;
    let d = devices.get(id);
    if (d) return d;
    if (devices.size >= LIMITS.maxDevices) return null;
    d = { id, site, device: name, state: 'unknown', since: null, boot: null, model: null, points: [], threshold: null, lastSeen: 0, risk: null };
    devices.set(id, d);
    return d;
  };

  const onStatus = (d, s, now) => {
    d.state = s.state;
    d.since = s.ts ?? now;
    if (s.boot !== null) d.boot = s.boot;
    if (s.model !== null) d.model = clip(s.model, 64);
    return { type: 'device', id: d.id };
  };

  const onTelemetry = (d, t, now) => {
    if (t.boot !== null) d.boot = t.boot;
    d.points.push({ ...t, t: now });
    if (d.points.length > LIMITS.maxPoints) d.points.splice(0, d.points.length - LIMITS.maxPoints);
    return { type: 'telemetry', id: d.id };
  };

  const onAlert = (d, a, now) => {
    const key = `${d.id}/${a.boot}/${a.seq}`;
    if (seen.has(key)) { stats.duplicates++; return { type: 'duplicate', key }; }
    seen.add(key);
    if (seen.size > LIMITS.maxSeenKeys) seen.delete(seen.values().next().value);
    const alert = { ...a, key, id: d.id, site: d.site, device: d.device, receivedAt: now };
    alerts.unshift(alert);
    if (alerts.length > LIMITS.maxAlerts) alerts.splice(LIMITS.maxAlerts);
    if (a.kind.startsWith('overload.')) d.threshold = a.threshold;
    if (a.model) d.model = a.model;
    if (a.boot > (d.boot ?? -1)) d.boot = a.boot;
    if (a.cells) d.risk = { cells: a.cells, state: a.state, at: now };
    return { type: 'alert', alert };
  };

  /** Replaces the device's alarm entries with the table's (a kind missing from it is removed). */
  const onAlarm = (d, table) => {
    const keys = new Set();
    for (const e of table.alarms) {
      const key = `${d.id}/${e.kind}`;
      keys.add(key);
      alarms.set(key, { ...e, key, id: d.id, site: d.site, device: d.device, source: table.source });
      if (e.kind.startsWith('overload.')) d.threshold = e.threshold;
      if (e.cells) d.risk = { cells: e.cells, state: e.state, at: e.updatedAt };
    }
    for (const k of [...alarms.keys()]) if (k.startsWith(`${d.id}/`) && !keys.has(k)) alarms.delete(k);
    return { type: 'alarm', id: d.id };
  };

  /**
   * Applies one message. Returns `{ type: 'device' | 'telemetry' | 'alarm' | 'ack', id }`,
   * `{ type: 'alert', alert }`, `{ type: 'duplicate', key }`, `{ type: 'command' }` (cmd/reply
   * traffic, ignored) or `{ type: 'dropped', reason }`. Never throws.
   */
  function handle(topic, bytes, now = Date.now()) {
    stats.messages++;
    try {
      const t = parseTopic(topic);
      if (t.reason) return drop(t.reason);
      if (t.command) return { type: 'command' };
      if (t.kind === ACK_LEVEL && bytes instanceof Uint8Array && bytes.length === 0) { acks.delete(`${t.site}/${t.device}/${t.alertKind}`); return { type: 'ack', id: `${t.site}/${t.device}` }; }
      const p = decodePayload(bytes);
      if (p.reason) return drop(`${t.kind}: ${p.reason}`);
      const check = { alert: checkAlert, telemetry: checkTelemetry, status: checkStatus, model: checkModel, alarm: checkAlarm, ack: (o) => checkAck(o, t.alertKind) }[t.kind];
      const r = check(p.value);
      if (r.reason) return drop(r.reason);
      const d = device(t.site, t.device);
      if (!d) return drop(`more than ${LIMITS.maxDevices} devices`);
      if (t.kind === ACK_LEVEL) { acks.set(`${d.id}/${t.alertKind}`, r.value); return { type: 'ack', id: d.id }; }
      d.lastSeen = now;
      if (t.kind === 'status') return onStatus(d, r.value, now);
      if (t.kind === 'telemetry') return onTelemetry(d, r.value, now);
      if (t.kind === 'model') { d.model = r.value.model; return { type: 'device', id: d.id }; }
      if (t.kind === 'alarm') return onAlarm(d, r.value);
      return onAlert(d, r.value, now);
    } catch (e) {
      return drop(`internal: ${e && e.message ? e.message : 'error'}`);
    }
  }

  /** The acknowledgement of alarm `key` if it acknowledges the alarm raised now, else null. */
  function ackOf(key) {
    const a = alarms.get(key);
    const k = acks.get(key);
    return a && k && k.raisedAt === a.raisedAt ? k : null;
  }

  /**
   * Merges the dashboard server's history (`/history.json`: `{ devices: { id: { points: [[t, ot,
   * pred]], limit } } }`) in front of the live points. Bad entries are skipped. Returns the ids.
   */
  function loadHistory(doc) {
    const ids = [];
    const devs = doc && typeof doc === 'object' ? doc.devices : null;
    if (!devs || typeof devs !== 'object') return ids;
    for (const [id, h] of Object.entries(devs)) {
      const m = /^([^/]+)\/([^/]+)$/.exec(id);
      if (!m || !h || !Array.isArray(h.points)) continue;
      const d = device(m[1], m[2]);
      if (!d) continue;
      const first = d.points.length ? d.points[0].t : Infinity;
      const old = h.points.filter((p) => Array.isArray(p) && typeof p[0] === 'number' && p[0] < first)
        .map((p) => ({ t: p[0], ot: typeof p[1] === 'number' ? p[1] : null, pred: typeof p[2] === 'number' ? p[2] : null }));
      d.points = old.concat(d.points).slice(-LIMITS.maxPoints);
      if (d.threshold === null && typeof h.limit === 'number') d.threshold = h.limit;
      ids.push(d.id);
    }
    return ids;
  }

  return { devices, alerts, alarms, acks, stats, handle, ackOf, loadHistory };
}

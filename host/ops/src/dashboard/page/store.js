// The dashboard's in-page state. `handle(topic, bytes)` turns one MQTT message into a change
// (device, telemetry, alert) or a counted drop. Every collection is capped (see LIMITS).
import { LIMITS, parseTopic, decodePayload, checkAlert, checkTelemetry, checkStatus, checkModel } from './model.js';

const clip = (s, n) => (s.length > n ? `${s.slice(0, n)}...` : s);

/** Creates an empty store. */
export function createStore() {
  const devices = new Map(); // "site/device" -> device record
  const alerts = []; // newest first
  const seen = new Set(); // alert keys, for QoS 1 redelivery duplicates (bounded, FIFO)
  const acked = new Set();
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

  const onTelemetry = (d, t) => {
    if (t.boot !== null) d.boot = t.boot;
    d.points.push(t);
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
    const evicted = alerts.length > LIMITS.maxAlerts ? alerts.splice(LIMITS.maxAlerts) : [];
    for (const e of evicted) acked.delete(e.key);
    if (a.kind.startsWith('overload.')) d.threshold = a.threshold;
    if (a.model) d.model = a.model;
    if (a.boot > (d.boot ?? -1)) d.boot = a.boot;
    if (a.cells) d.risk = { cells: a.cells, alert };
    return { type: 'alert', alert, evicted };
  };

  /**
   * Applies one message. Returns `{ type: 'device' | 'telemetry', id }`, `{ type: 'alert', alert,
   * evicted }`, `{ type: 'duplicate', key }`, `{ type: 'command' }` (cmd/reply traffic, ignored) or
   * `{ type: 'dropped', reason }`. Never throws.
   */
  function handle(topic, bytes, now = Date.now()) {
    stats.messages++;
    try {
      const t = parseTopic(topic);
      if (t.reason) return drop(t.reason);
      if (t.command) return { type: 'command' };
      const p = decodePayload(bytes);
      if (p.reason) return drop(`${t.kind}: ${p.reason}`);
      const check = { alert: checkAlert, telemetry: checkTelemetry, status: checkStatus, model: checkModel }[t.kind];
      const r = check(p.value);
      if (r.reason) return drop(r.reason);
      const d = device(t.site, t.device);
      if (!d) return drop(`more than ${LIMITS.maxDevices} devices`);
      d.lastSeen = now;
      if (t.kind === 'status') return onStatus(d, r.value, now);
      if (t.kind === 'telemetry') return onTelemetry(d, r.value);
      if (t.kind === 'model') { d.model = r.value.model; return { type: 'device', id: d.id }; }
      return onAlert(d, r.value, now);
    } catch (e) {
      return drop(`internal: ${e && e.message ? e.message : 'error'}`);
    }
  }

  /** Marks an alert acknowledged; false if it is unknown (evicted). */
  function acknowledge(key) {
    if (!alerts.some((a) => a.key === key)) return false;
    acked.add(key);
    return true;
  }

  return { devices, alerts, acked, stats, handle, acknowledge };
}

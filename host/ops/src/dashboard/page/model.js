// Dashboard state: parses untrusted MQTT messages (topic + payload bytes) into devices, telemetry
// and alerts, with hard caps on every collection. Pure (no DOM), so Node tests can import it.
// Every payload is treated as hostile: size cap, strict UTF-8, JSON object, typed and bounded
// fields; anything else is dropped and counted with a one-line reason.

/** Hard limits; anything over them is dropped (and counted) or evicted oldest first. */
export const LIMITS = Object.freeze({
  maxPayloadBytes: 16 * 1024,
  maxTopicChars: 256,
  maxDevices: 256,
  maxAlerts: 500,
  maxSeenKeys: 5000,
  maxPoints: 720,
  maxCells: 1024,
  maxGridSide: 64,
  maxLabel: 32,
  maxReason: 160,
});

/** Site and device ids: as in host/ops/src/mqtt/topics.ts ID_PATTERN. */
export const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Alert kinds (`a.b`, lowercase), as in the alert schema. */
const KIND_RE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;
const MODEL_RE = /^[A-Za-z0-9._-]{1,48}@[0-9]{1,12}$/;
const KINDS = ['telemetry', 'alert', 'status', 'model', 'alarm'];
/** Operators' acknowledgements: `dendra/v1/<site>/<device>/ack/<alert kind>` (retained). */
export const ACK_LEVEL = 'ack';
/** The one lead field and unit of each alert kind (docs/mqtt.md). */
export const LEADS = Object.freeze({ 'overload.warning': { field: 'lead_h', unit: 'h' }, 'dendrite.risk': { field: 'lead_cycles', unit: 'cycles' } });
/** Operator names in acknowledgements (as in ack.schema.json). */
export const BY_RE = /^[A-Za-z0-9][A-Za-z0-9._ @-]{0,63}$/;
/** Command traffic under the same filter (operator cmd, device reply): not shown, not counted as dropped. */
export const COMMAND_LEVELS = ['cmd', 'reply'];
/** Alert kind whose `cells` array feeds the heat map. */
export const RISK_KIND = 'dendrite.risk';

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const isUint = (v) => Number.isSafeInteger(v) && v >= 0;
const clip = (s, n) => (s.length > n ? `${s.slice(0, n)}...` : s);

/**
 * Splits `dendra/v1/<site>/<device>/<kind>`; returns the parts (`command: true` for a
 * {@link COMMAND_LEVELS} topic) or `{ reason }`.
 */
export function parseTopic(topic) {
  if (typeof topic !== 'string' || topic.length > LIMITS.maxTopicChars) return { reason: 'topic too long or not text' };
  const p = topic.split('/');
  if (p.length === 6 && p[0] === 'dendra' && p[1] === 'v1' && p[4] === ACK_LEVEL) {
    if (!ID_RE.test(p[2]) || !ID_RE.test(p[3]) || p[5].length > 64 || !KIND_RE.test(p[5])) return { reason: 'bad ack topic' };
    return { site: p[2], device: p[3], kind: ACK_LEVEL, alertKind: p[5] };
  }
  if (p.length !== 5 || p[0] !== 'dendra' || p[1] !== 'v1') return { reason: 'topic is not dendra/v1/<site>/<device>/<kind>' };
  if (!ID_RE.test(p[2]) || !ID_RE.test(p[3])) return { reason: 'bad site or device id in topic' };
  if (COMMAND_LEVELS.includes(p[4])) return { site: p[2], device: p[3], kind: p[4], command: true };
  if (!KINDS.includes(p[4])) return { reason: `unknown kind in topic (${clip(p[4], 24)})` };
  return { site: p[2], device: p[3], kind: p[4] };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes -> JSON object, bounded; returns `{ value }` or `{ reason }`. */
export function decodePayload(bytes) {
  if (!(bytes instanceof Uint8Array)) return { reason: 'payload is not bytes' };
  if (bytes.length === 0) return { reason: 'empty payload' };
  if (bytes.length > LIMITS.maxPayloadBytes) return { reason: `payload of ${bytes.length} bytes is over ${LIMITS.maxPayloadBytes}` };
  let text;
  try { text = utf8.decode(bytes); } catch { return { reason: 'payload is not UTF-8' }; }
  let value;
  try { value = JSON.parse(text); } catch { return { reason: 'payload is not JSON' }; }
  return isObj(value) ? { value } : { reason: 'payload is not a JSON object' };
}

/** Checks the v1 alert fields the page shows; returns a clean copy or `{ reason }`. */
export function checkAlert(o) {
  if (o.v !== 1) return { reason: 'alert: v is not 1' };
  if (!isUint(o.seq)) return { reason: 'alert: seq is not an integer >= 0' };
  if (!isNum(o.ts) || o.ts < 0) return { reason: 'alert: ts is not a number >= 0' };
  if (o.pts !== undefined && !(isNum(o.pts) && o.pts >= 0)) return { reason: 'alert: pts is not a number >= 0' };
  if (typeof o.kind !== 'string' || o.kind.length > 64 || !KIND_RE.test(o.kind)) return { reason: 'alert: bad kind' };
  if (o.state !== 'raised' && o.state !== 'cleared') return { reason: 'alert: state is not raised/cleared' };
  if (!['info', 'warning', 'critical'].includes(o.severity)) return { reason: 'alert: bad severity' };
  if (!isNum(o.value) || !isNum(o.threshold)) return { reason: 'alert: value/threshold are not numbers' };
  const lead = checkLead(o);
  if (lead.reason) return { reason: `alert: ${lead.reason}` };
  if (o.boot !== undefined && !isUint(o.boot)) return { reason: 'alert: bad boot' };
  if (o.model !== undefined && !(typeof o.model === 'string' && MODEL_RE.test(o.model))) return { reason: 'alert: bad model' };
  let cells = null;
  if (o.kind === RISK_KIND && o.cells !== undefined) {
    cells = normalizeCells(o.cells);
    if (cells.reason) return { reason: `alert: cells ${cells.reason}` };
  }
  return {
    value: {
      seq: o.seq, ts: o.ts, pts: o.pts ?? null, kind: o.kind, state: o.state, severity: o.severity, value: o.value, threshold: o.threshold,
      lead: lead.value, boot: o.boot ?? 0, model: o.model ?? null, cells,
    },
  };
}

/**
 * The lead of an alert or alarm entry in its kind's one field and unit ({@link LEADS}):
 * `{ value: { n, unit } | null }` or `{ reason }` (a lead field of another kind, or a bad number).
 */
export function checkLead(o) {
  const own = LEADS[o.kind];
  for (const [k, l] of Object.entries(LEADS)) {
    if (k !== o.kind && o[l.field] != null && own?.field !== l.field) return { reason: `${l.field} on a ${clip(String(o.kind), 24)} (its lead is ${own ? own.field : 'none'})` };
  }
  if (!own || o[own.field] == null) return { value: null };
  const n = o[own.field];
  return isUint(n) && n <= 100000 ? { value: { n, unit: own.unit } } : { reason: `bad ${own.field}` };
}

const ALARM_STATES = ['raised', 'active', 'cleared'];
const isTime = (v) => isNum(v) && v >= 0;

/** Checks one alarm entry; returns a clean copy or `{ reason }`. */
function checkAlarmEntry(e) {
  if (!isObj(e)) return { reason: 'alarm: entry is not an object' };
  if (typeof e.kind !== 'string' || e.kind.length > 64 || !KIND_RE.test(e.kind)) return { reason: 'alarm: bad kind' };
  if (!ALARM_STATES.includes(e.state)) return { reason: 'alarm: state is not raised/active/cleared' };
  if (!['info', 'warning', 'critical'].includes(e.severity)) return { reason: 'alarm: bad severity' };
  if (!isTime(e.raised_at) || !isTime(e.updated_at)) return { reason: 'alarm: raised_at/updated_at are not times' };
  if (!isUint(e.raises) || e.raises < 1) return { reason: 'alarm: raises is not an integer >= 1' };
  if (!isNum(e.value) || !isNum(e.threshold)) return { reason: 'alarm: value/threshold are not numbers' };
  const lead = checkLead(e);
  if (lead.reason) return { reason: `alarm: ${lead.reason}` };
  let cells = null;
  if (e.kind === RISK_KIND && e.cells !== undefined) {
    cells = normalizeCells(e.cells);
    if (cells.reason) return { reason: `alarm: cells ${cells.reason}` };
  }
  return {
    value: {
      kind: e.kind, state: e.state, severity: e.severity, raisedAt: e.raised_at, updatedAt: e.updated_at, clearedAt: isTime(e.cleared_at) ? e.cleared_at : null,
      raises: e.raises, value: e.value, peak: isNum(e.peak) ? e.peak : e.value, threshold: e.threshold, lead: lead.value,
      model: typeof e.model === 'string' && MODEL_RE.test(e.model) ? e.model : null, boot: isUint(e.boot) ? e.boot : 0, seq: isUint(e.seq) ? e.seq : null, cells,
    },
  };
}

/** Checks an `alarm` table (docs/schemas/alarm.schema.json); returns `{ value: { ts, source, alarms } }` or `{ reason }`. */
export function checkAlarm(o) {
  if (o.v !== 1) return { reason: 'alarm: v is not 1' };
  if (!isTime(o.ts)) return { reason: 'alarm: ts is not a time' };
  if (o.source !== 'device' && o.source !== 'bridge') return { reason: 'alarm: source is not device/bridge' };
  if (!Array.isArray(o.alarms) || o.alarms.length > 16) return { reason: 'alarm: alarms is not an array of at most 16' };
  const alarms = [];
  for (const e of o.alarms) {
    const r = checkAlarmEntry(e);
    if (r.reason) return r;
    alarms.push(r.value);
  }
  return { value: { ts: o.ts, source: o.source, alarms } };
}

/** Checks an acknowledgement (docs/schemas/ack.schema.json) against its topic's alert kind. */
export function checkAck(o, alertKind) {
  if (o.v !== 1) return { reason: 'ack: v is not 1' };
  if (o.kind !== alertKind) return { reason: 'ack: kind differs from the topic' };
  if (!isTime(o.raised_at) || !isTime(o.at)) return { reason: 'ack: raised_at/at are not times' };
  if (typeof o.by !== 'string' || !BY_RE.test(o.by)) return { reason: 'ack: bad by' };
  return { value: { kind: o.kind, raisedAt: o.raised_at, by: o.by, at: o.at } };
}

/** Checks a telemetry payload; returns `{ value: { seq, window, ot, pred } }` or `{ reason }`. */
export function checkTelemetry(o) {
  if (o.v !== 1) return { reason: 'telemetry: v is not 1' };
  if (!isUint(o.seq) || !isUint(o.window)) return { reason: 'telemetry: seq/window are not integers >= 0' };
  if (!isNum(o.ts) || o.ts < 0) return { reason: 'telemetry: ts is not a number >= 0' };
  for (const f of ['ot', 'pred_peak']) if (o[f] !== undefined && !isNum(o[f])) return { reason: `telemetry: ${f} is not a number` };
  if (o.boot !== undefined && !isUint(o.boot)) return { reason: 'telemetry: bad boot' };
  return { value: { seq: o.seq, window: o.window, ot: o.ot ?? null, pred: o.pred_peak ?? null, boot: o.boot ?? null } };
}

/** Checks a status payload (`v` may be absent, as in the contract's last-will example). */
export function checkStatus(o) {
  if (o.v !== undefined && o.v !== 1) return { reason: 'status: v is not 1' };
  if (o.state !== 'online' && o.state !== 'offline') return { reason: 'status: state is not online/offline' };
  if (o.ts !== undefined && !(isNum(o.ts) && o.ts >= 0)) return { reason: 'status: bad ts' };
  if (o.boot !== undefined && !isUint(o.boot)) return { reason: 'status: bad boot' };
  if (o.model !== undefined && !(typeof o.model === 'string' && o.model.length <= 64)) return { reason: 'status: bad model' };
  return { value: { state: o.state, ts: o.ts ?? null, boot: o.boot ?? null, model: o.model ?? null } };
}

/** A `model` topic payload: `{ "model": "name@version" }`. */
export function checkModel(o) {
  if (typeof o.model !== 'string' || !MODEL_RE.test(o.model)) return { reason: 'model: model is not name@version' };
  return { value: { model: o.model } };
}

/** One heat-map cell entry -> `{ row, col, risk, label }` or null if invalid. */
function cellEntry(e, i, cols) {
  if (isNum(e)) return { row: Math.floor(i / cols), col: i % cols, risk: e, label: '' };
  if (!isObj(e)) return null;
  const risk = isNum(e.risk) ? e.risk : isNum(e.value) ? e.value : null;
  const row = e.row ?? e.r;
  const col = e.col ?? e.c;
  if (risk === null) return null;
  const label = typeof e.id === 'string' || typeof e.id === 'number' ? clip(String(e.id), LIMITS.maxLabel) : '';
  if (row === undefined && col === undefined) return { row: Math.floor(i / cols), col: i % cols, risk, label };
  if (!isUint(row) || !isUint(col) || row >= LIMITS.maxGridSide || col >= LIMITS.maxGridSide) return null;
  return { row, col, risk, label };
}

/**
 * Normalises an alert's `cells`: a flat array (numbers or `{risk|value, row|r, col|c, id}`), or an
 * array of rows of numbers. Returns `{ rows, cols, cells }` or `{ reason }`.
 */
export function normalizeCells(raw) {
  if (!Array.isArray(raw)) return { reason: 'is not an array' };
  let flat = raw;
  let cols = Math.max(1, Math.ceil(Math.sqrt(raw.length)));
  if (raw.length > 0 && raw.every(Array.isArray)) {
    if (raw.length > LIMITS.maxGridSide) return { reason: `has more than ${LIMITS.maxGridSide} rows` };
    cols = Math.max(1, ...raw.map((r) => r.length));
    if (cols > LIMITS.maxGridSide) return { reason: `has more than ${LIMITS.maxGridSide} columns` };
    flat = raw.flatMap((r) => r.concat(Array(cols - r.length).fill(null)));
  }
  if (flat.length === 0) return { reason: 'is empty' };
  if (flat.length > LIMITS.maxCells) return { reason: `has more than ${LIMITS.maxCells} cells` };
  const cells = [];
  for (let i = 0; i < flat.length; i++) {
    if (flat[i] === null && raw !== flat) continue; // padding of a short row
    const c = cellEntry(flat[i], i, cols);
    if (!c) return { reason: `entry ${i} is not a risk number or {risk,row,col}` };
    cells.push(c);
  }
  const rows = 1 + Math.max(...cells.map((c) => c.row));
  return { rows, cols: Math.max(cols, 1 + Math.max(...cells.map((c) => c.col))), cells };
}

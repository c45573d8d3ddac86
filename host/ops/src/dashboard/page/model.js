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
  maxPoints: 240,
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
const KINDS = ['telemetry', 'alert', 'status', 'model'];
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
  if (o.lead_h != null && !(isUint(o.lead_h) && o.lead_h <= 10000)) return { reason: 'alert: bad lead_h' };
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
      lead: o.lead_h ?? null, boot: o.boot ?? 0, model: o.model ?? null, cells,
    },
  };
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

// The alarm table: one row per device and alert kind from the retained `alarm` tables, newest
// update first, filtered by device, kind and state; acknowledgement published retained on
// `dendra/v1/<site>/<device>/ack/<kind>` so every operator sees who acknowledged and when.
import { BY_RE } from './model.js';

const $ = (id) => document.getElementById(id);
const f2 = (v) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(2) : '-');
const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });
const NAME_KEY = 'dendra.operator';

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = String(text);
  return e;
}

/** The operator name for acknowledgements (remembered in localStorage). */
function operatorName() {
  const v = $('operator').value.trim();
  return BY_RE.test(v) ? v : null;
}

/** Sets up the filter controls and the operator name; `render` is called on every change. */
export function setupAlarmControls(render) {
  const name = $('operator');
  try { name.value = localStorage.getItem(NAME_KEY) || 'operator'; } catch { name.value = 'operator'; }
  name.addEventListener('change', () => { try { localStorage.setItem(NAME_KEY, name.value.trim()); } catch { /* private mode */ } });
  for (const id of ['f-device', 'f-kind', 'f-state']) $(id).addEventListener('change', render);
}

/** Keeps a <select>'s options = "all" + `values` (sorted), keeping the current choice. */
function syncOptions(select, values) {
  const want = ['', ...[...values].sort()];
  const have = [...select.options].map((o) => o.value);
  if (want.length === have.length && want.every((v, i) => v === have[i])) return;
  const cur = select.value;
  select.replaceChildren(...want.map((v) => { const o = el('option', '', v || 'all'); o.value = v; return o; }));
  select.value = want.includes(cur) ? cur : '';
}

/** True if alarm `a` passes the filters (state: '', 'open' = raised or active, 'cleared', 'unacked'). */
function passes(a, acked, f) {
  if (f.device && a.id !== f.device) return false;
  if (f.kind && a.kind !== f.kind) return false;
  if (f.state === 'open') return a.state !== 'cleared';
  if (f.state === 'cleared') return a.state === 'cleared';
  if (f.state === 'unacked') return !acked;
  return true;
}

function cell(tr, cls, text) {
  const td = el('td', cls, text);
  tr.append(td);
  return td;
}

function row(a, ack, onAck) {
  const tr = el('tr', 'alarm-row');
  Object.assign(tr.dataset, { key: a.key, device: a.id, kind: a.kind, state: a.state, acked: ack ? 'true' : 'false', raises: String(a.raises) });
  cell(tr, 'time', clock(a.updatedAt));
  cell(tr, 'raised', clock(a.raisedAt));
  cell(tr, 'dev', a.id);
  cell(tr, 'kind', a.kind);
  cell(tr, 'state', a.state);
  cell(tr, 'severity', a.severity);
  cell(tr, 'value', f2(a.value));
  cell(tr, 'threshold', f2(a.threshold));
  cell(tr, 'lead', a.lead && a.state !== 'cleared' ? `${a.lead.n} ${a.lead.unit}` : '-');
  cell(tr, 'raises', String(a.raises));
  cell(tr, 'model', a.model ?? '-');
  const act = cell(tr, 'actions');
  if (ack) {
    tr.classList.add('acked');
    act.textContent = `acknowledged by ${ack.by} at ${clock(ack.at)}`;
  } else {
    const btn = el('button', 'ack', 'Acknowledge');
    btn.type = 'button';
    btn.addEventListener('click', () => onAck(a));
    act.append(btn);
  }
  return tr;
}

/** Publishes the retained acknowledgement of alarm `a` (QoS 1). Returns a one-line problem or null. */
export function publishAck(client, a) {
  const by = operatorName();
  if (!by) return 'enter your name (letters, digits, . _ - @ space) before acknowledging';
  const body = JSON.stringify({ v: 1, kind: a.kind, raised_at: a.raisedAt, by, at: Date.now() });
  client.publish(`dendra/v1/${a.site}/${a.device}/ack/${a.kind}`, body, { qos: 1, retain: true });
  return null;
}

/** Re-renders the alarm table from the store, with the current filters. */
export function renderAlarms(store, onAck) {
  const all = [...store.alarms.values()];
  syncOptions($('f-device'), new Set(all.map((a) => a.id)));
  syncOptions($('f-kind'), new Set(all.map((a) => a.kind)));
  const f = { device: $('f-device').value, kind: $('f-kind').value, state: $('f-state').value };
  const shown = all.map((a) => ({ a, ack: store.ackOf(a.key) })).filter(({ a, ack }) => passes(a, ack, f))
    .sort((x, y) => y.a.updatedAt - x.a.updatedAt || x.a.key.localeCompare(y.a.key));
  $('alarm-rows').replaceChildren(...shown.map(({ a, ack }) => row(a, ack, onAck)));
  $('no-alarms').hidden = all.length > 0;
  const open = all.filter((a) => a.state !== 'cleared' && !store.ackOf(a.key)).length;
  $('unacked').textContent = open ? `${open} active, not acknowledged` : '';
}

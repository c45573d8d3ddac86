// The dashboard page: subscribes over MQTT-over-WebSocket (the dashboard server bridges /mqtt to
// the broker) and renders devices, per-device charts, alerts with acknowledgement, and dendrite
// risk heat maps. Payload text only ever reaches the DOM through textContent / setAttribute.
import { createStore } from './store.js';
import { drawChart } from './chart.js';

const store = createStore();
const $ = (id) => document.getElementById(id);
const cards = new Map(); // device id -> { li, fields..., canvas }
const rows = new Map(); // alert key -> <tr>
const heatmaps = new Map(); // device id -> element
const dirtyCharts = new Set();
let chartFrame = 0;

/** document.createElement with a class and text (never HTML). */
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = String(text);
  return e;
}

const f2 = (v) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(2) : '-');
const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });

function deviceCard(d) {
  let c = cards.get(d.id);
  if (c) return c;
  const li = el('li', 'device');
  li.dataset.id = d.id;
  const head = el('div', 'head');
  c = { li, name: el('span', 'name', d.id), state: el('span', 'state'), info: el('span', 'info'), now: el('div', 'now'), canvas: el('canvas') };
  c.canvas.setAttribute('aria-label', `oil temperature and forecast of ${d.id}`);
  head.append(c.name, c.state, c.info);
  li.append(head, c.now, c.canvas);
  $('devices').append(li);
  $('no-devices').hidden = true;
  cards.set(d.id, c);
  return c;
}

function renderDevice(d) {
  const c = deviceCard(d);
  c.li.dataset.state = d.state;
  c.state.textContent = d.state;
  const parts = [];
  if (d.model) parts.push(`model ${d.model}`);
  if (d.boot !== null) parts.push(`boot ${d.boot}`);
  if (d.since !== null) parts.push(`${d.state} since ${clock(d.since)}`);
  c.info.textContent = parts.join(' | ');
  const last = d.points[d.points.length - 1];
  c.now.textContent = last ? `window ${last.window}: ot ${f2(last.ot)} C, forecast peak ${f2(last.pred)} C` : 'no telemetry yet';
  dirtyCharts.add(d.id);
  if (!chartFrame) chartFrame = requestAnimationFrame(drawCharts);
}

function drawCharts() {
  chartFrame = 0;
  for (const id of dirtyCharts) {
    const d = store.devices.get(id);
    const c = cards.get(id);
    if (d && c) drawChart(c.canvas, d.points, d.threshold);
  }
  dirtyCharts.clear();
}

function cell(tr, cls, text) {
  const td = el('td', cls, text);
  tr.append(td);
  return td;
}

/** pts - ts (device ms) as `12.3 s`, `4.5 min`, `2.0 h`. */
function lateText(ms) {
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return ms < 3600000 ? `${(ms / 60000).toFixed(1)} min` : `${(ms / 3600000).toFixed(1)} h`;
}

function addAlertRow(a) {
  const tr = el('tr', 'alert-row');
  Object.assign(tr.dataset, { key: a.key, device: a.id, kind: a.kind, state: a.state, seq: String(a.seq) });
  cell(tr, 'time', clock(a.receivedAt));
  cell(tr, 'dev', a.id);
  cell(tr, 'kind', a.kind);
  cell(tr, 'state', a.state);
  cell(tr, 'severity', a.severity);
  cell(tr, 'value', f2(a.value));
  cell(tr, 'threshold', f2(a.threshold));
  cell(tr, 'lead', a.lead === null ? '-' : `${a.lead} h`);
  const late = a.pts !== null && a.pts - a.ts >= 1000 ? ` (sent ${lateText(a.pts - a.ts)} late)` : '';
  cell(tr, 'seq', `${a.boot ? `${a.seq} (boot ${a.boot})` : a.seq}${late}`);
  cell(tr, 'model', a.model ?? '-');
  const btn = el('button', 'ack', 'Acknowledge');
  btn.type = 'button';
  btn.addEventListener('click', () => acknowledge(a.key));
  cell(tr, 'actions').append(btn);
  $('alert-rows').prepend(tr);
  rows.set(a.key, tr);
  $('no-alerts').hidden = true;
}

function acknowledge(key) {
  const tr = rows.get(key);
  if (!tr || !store.acknowledge(key)) return;
  tr.classList.add('acked');
  tr.dataset.acked = 'true';
  const btn = tr.querySelector('button.ack');
  btn.disabled = true;
  btn.textContent = 'Acknowledged';
  renderCounters();
}

/** Risk 0..1 -> green..red (values outside are clamped for the colour only). */
const riskColor = (r) => `hsl(${Math.round(120 * (1 - Math.min(1, Math.max(0, r))))}, 70%, 45%)`;

function renderHeat(d) {
  let box = heatmaps.get(d.id);
  if (!box) {
    box = el('div', 'heatmap');
    box.dataset.device = d.id;
    heatmaps.set(d.id, box);
    $('heatmaps').append(box);
  }
  const { cells, alert } = d.risk;
  const title = el('div', 'title', `${d.id}: ${alert.state} at ${clock(alert.receivedAt)}, max ${f2(Math.max(...cells.cells.map((c) => c.risk)))}`);
  const grid = el('div', 'grid');
  grid.style.gridTemplateColumns = `repeat(${cells.cols}, 18px)`;
  for (const c of cells.cells) {
    const div = el('div', 'cell');
    div.style.gridRow = String(c.row + 1);
    div.style.gridColumn = String(c.col + 1);
    div.style.background = riskColor(c.risk);
    div.dataset.risk = String(c.risk);
    div.title = `${c.label || `row ${c.row} col ${c.col}`}: ${f2(c.risk)}`;
    grid.append(div);
  }
  box.replaceChildren(title, grid);
  $('heat').hidden = false;
}

function renderCounters() {
  const s = store.stats;
  $('messages').textContent = String(s.messages);
  $('dropped').textContent = String(s.dropped);
  $('duplicates').textContent = String(s.duplicates);
  $('drop-reason').textContent = s.lastDrop ? `last dropped: ${s.lastDrop}` : '';
  const open = store.alerts.filter((a) => a.state === 'raised' && !store.acked.has(a.key)).length;
  $('unacked').textContent = open ? `${open} raised, not acknowledged` : '';
}

function onMessage(topic, payload) {
  const bytes = payload instanceof Uint8Array ? new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength) : null;
  const r = store.handle(topic, bytes);
  if (r.type === 'device' || r.type === 'telemetry') renderDevice(store.devices.get(r.id));
  if (r.type === 'alert') {
    for (const e of r.evicted) { rows.get(e.key)?.remove(); rows.delete(e.key); }
    addAlertRow(r.alert);
    const d = store.devices.get(r.alert.id);
    renderDevice(d);
    if (r.alert.cells) renderHeat(d);
  }
  renderCounters();
}

function setConn(state, text) {
  const c = $('conn');
  c.dataset.state = state;
  c.textContent = text;
}

async function main() {
  const cfg = await (await fetch('/config.json', { cache: 'no-store' })).json();
  $('broker').textContent = String(cfg.broker ?? '?');
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  // A persistent session (issue 20): one stable client id per browser (kept in localStorage), so
  // the broker queues QoS 1 alerts while the page or the broker is away; the store drops
  // duplicates by (device, boot, seq).
  let id = null;
  try { id = localStorage.getItem('dendra-dashboard-client-id'); } catch { /* storage off */ }
  if (!id || !/^dendra-dash-[0-9a-f]{8,16}$/.test(id)) {
    id = `dendra-dash-${Math.random().toString(16).slice(2, 10).padEnd(8, '0')}`;
    try { localStorage.setItem('dendra-dashboard-client-id', id); } catch { /* a session per page load then */ }
  }
  const client = globalThis.mqtt.connect(`${scheme}//${location.host}${cfg.ws}`, {
    protocolVersion: 4, clean: false, clientId: id, reconnectPeriod: 1000, connectTimeout: 5000, keepalive: 30,
  });
  client.on('connect', () => {
    setConn('connected', 'connected');
    client.subscribe(cfg.filter, { qos: 1 }, (err) => { if (err) setConn('offline', `subscribe failed: ${String(err.message).slice(0, 80)}`); });
  });
  client.on('reconnect', () => setConn('connecting', 'reconnecting'));
  client.on('offline', () => setConn('offline', 'broker unreachable, retrying'));
  client.on('error', (e) => setConn('offline', `error: ${String(e && e.message).slice(0, 80)}`));
  client.on('message', onMessage);
  window.addEventListener('resize', () => { for (const k of cards.keys()) dirtyCharts.add(k); drawCharts(); });
  globalThis.dendraDashboard = { store, client };
}

main().catch((e) => setConn('offline', `cannot start: ${String(e && e.message).slice(0, 80)}`));

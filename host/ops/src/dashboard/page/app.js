// The dashboard page: subscribes over MQTT-over-WebSocket (the dashboard server bridges /mqtt to
// the broker) and renders devices with their charts (history from /history.json plus live
// telemetry), the alarm table (retained alarm tables and acknowledgements), and dendrite risk heat
// maps. Payload text only ever reaches the DOM through textContent / setAttribute.
import { createStore } from './store.js';
import { drawChart } from './chart.js';
import { renderHeat } from './heat.js';
import { setupAlarmControls, renderAlarms, publishAck } from './alarms.js';

const store = createStore();
const $ = (id) => document.getElementById(id);
const cards = new Map(); // device id -> { li, fields..., plot box, chart }
const heatmaps = new Map(); // device id -> element
const dirtyCharts = new Set();
const conn = { connects: 0, closes: 0, offlines: 0 };
let chartFrame = 0;
let client = null;

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
  c = { li, name: el('span', 'name', d.id), state: el('span', 'state'), info: el('span', 'info'), now: el('div', 'now'), plot: el('div', 'plot'), chart: null };
  c.plot.setAttribute('aria-label', `oil temperature and forecast of ${d.id}`);
  head.append(c.name, c.state, c.info);
  li.append(head, c.now, c.plot);
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
  c.now.textContent = last ? `${last.window !== undefined ? `window ${last.window}: ` : ''}ot ${f2(last.ot)} °C, forecast peak ${f2(last.pred)} °C at ${clock(last.t)}` : 'no telemetry yet';
  dirtyCharts.add(d.id);
  if (!chartFrame) chartFrame = requestAnimationFrame(drawCharts);
}

function drawCharts() {
  chartFrame = 0;
  for (const id of dirtyCharts) {
    const d = store.devices.get(id);
    const c = cards.get(id);
    if (d && c && d.points.length) c.chart = drawChart(c.plot, c.chart, d.points, d.threshold);
  }
  dirtyCharts.clear();
}

function heat(d) {
  if (!d || !d.risk) return;
  let box = heatmaps.get(d.id);
  if (!box) {
    box = el('div', 'heatmap');
    box.dataset.device = d.id;
    heatmaps.set(d.id, box);
    $('heatmaps').append(box);
  }
  const alarm = store.alarms.get(`${d.id}/dendrite.risk`);
  renderHeat(box, d, alarm ? alarm.threshold : undefined);
  $('heat').hidden = false;
}

function onAck(a) {
  const problem = publishAck(client, a);
  $('ack-problem').textContent = problem ?? '';
}

const alarms = () => renderAlarms(store, onAck);

function renderCounters() {
  const s = store.stats;
  $('messages').textContent = String(s.messages);
  $('dropped').textContent = String(s.dropped);
  $('duplicates').textContent = String(s.duplicates);
  $('drop-reason').textContent = s.lastDrop ? `last dropped: ${s.lastDrop}` : '';
}

function onMessage(topic, payload) {
  const bytes = payload instanceof Uint8Array ? new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength) : null;
  const r = store.handle(topic, bytes);
  if (r.type === 'device' || r.type === 'telemetry') renderDevice(store.devices.get(r.id));
  if (r.type === 'alert') {
    const d = store.devices.get(r.alert.id);
    renderDevice(d);
    if (r.alert.cells) heat(d);
  }
  if (r.type === 'alarm') {
    const d = store.devices.get(r.id);
    renderDevice(d);
    heat(d);
    alarms();
  }
  if (r.type === 'ack') alarms();
  renderCounters();
}

function setConn(state, text) {
  const c = $('conn');
  c.dataset.state = state;
  c.textContent = text;
}

async function loadHistory() {
  try {
    const res = await fetch('/history.json', { cache: 'no-store' });
    if (!res.ok) return;
    for (const id of store.loadHistory(await res.json())) renderDevice(store.devices.get(id));
  } catch { /* no history: live data only */ }
}

async function main() {
  setupAlarmControls(alarms);
  const cfg = await (await fetch('/config.json', { cache: 'no-store' })).json();
  $('broker').textContent = String(cfg.broker ?? '?');
  await loadHistory();
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
  // timerVariant 'native': mqtt.js's default keepalive timer in a browser runs in a blob: worker,
  // which the page's CSP (script-src 'self') refuses; no PINGREQ was sent and the broker closed the
  // link every 1.5 keepalives. Native setInterval timers need no worker.
  client = globalThis.mqtt.connect(`${scheme}//${location.host}${cfg.ws}`, {
    protocolVersion: 4, clean: false, clientId: id, reconnectPeriod: 1000, connectTimeout: 5000,
    keepalive: Number.isInteger(cfg.keepalive) && cfg.keepalive > 0 ? cfg.keepalive : 30, timerVariant: 'native',
  });
  client.on('connect', () => {
    conn.connects++;
    setConn('connected', 'connected');
    const filters = [cfg.filter, cfg.ackFilter].filter((f) => typeof f === 'string');
    client.subscribe(filters, { qos: 1 }, (err) => { if (err) setConn('offline', `subscribe failed: ${String(err.message).slice(0, 80)}`); });
  });
  client.on('close', () => { conn.closes++; });
  client.on('reconnect', () => setConn('connecting', 'reconnecting'));
  client.on('offline', () => { conn.offlines++; setConn('offline', 'broker unreachable, retrying'); });
  client.on('error', (e) => setConn('offline', `error: ${String(e && e.message).slice(0, 80)}`));
  client.on('message', onMessage);
  window.addEventListener('resize', () => { for (const k of cards.keys()) dirtyCharts.add(k); drawCharts(); });
  globalThis.dendraDashboard = { store, client, conn, charts: () => new Map([...cards].map(([k, c]) => [k, c.chart])) };
}

main().catch((e) => setConn('offline', `cannot start: ${String(e && e.message).slice(0, 80)}`));

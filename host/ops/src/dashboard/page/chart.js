// Per-device chart with uPlot (pinned in host/ops/package.json, served by the dashboard server as
// /vendor/uPlot.iife.min.js under 'self'): oil temperature (ot, solid) and the model's forecast
// peak (pred_peak, dashed) in degC over wall-clock time (when the dashboard received each record),
// and the alert limit (dotted) when one is known.

const COLORS = { ot: '#2b7bd6', pred: '#e07b00', limit: '#c62828' };

/** Column data for uPlot: [times s, ot, pred, limit]. */
export function chartData(points, threshold) {
  const t = [];
  const ot = [];
  const pred = [];
  const limit = [];
  const lim = typeof threshold === 'number' && Number.isFinite(threshold) ? threshold : null;
  for (const p of points) {
    if (typeof p.t !== 'number') continue;
    t.push(p.t / 1000);
    ot.push(typeof p.ot === 'number' ? p.ot : null);
    pred.push(typeof p.pred === 'number' ? p.pred : null);
    limit.push(lim);
  }
  return [t, ot, pred, limit];
}

/** uPlot options for a chart `width` px wide. */
function options(width) {
  const degC = (u, vals) => vals.map((v) => `${v.toFixed(1)} °C`);
  return {
    width, height: 160,
    scales: { x: { time: true } },
    axes: [{ label: 'time (local)' }, { label: 'oil temperature', values: degC, size: 64 }],
    series: [
      {},
      { label: 'ot (°C)', stroke: COLORS.ot, width: 1.5, spanGaps: false },
      { label: 'forecast peak (°C)', stroke: COLORS.pred, width: 1.5, dash: [5, 3] },
      { label: 'limit (°C)', stroke: COLORS.limit, width: 1.5, dash: [2, 3], points: { show: false } },
    ],
    legend: { show: true },
  };
}

/**
 * Creates or updates the chart of one device in `box`; returns the uPlot instance (kept by the
 * caller). Without uPlot (the vendor script failed to load) it writes a one-line note instead.
 */
export function drawChart(box, chart, points, threshold) {
  const data = chartData(points, threshold);
  const UPlot = globalThis.uPlot;
  if (typeof UPlot !== 'function') {
    box.textContent = 'chart library not loaded';
    return null;
  }
  const width = Math.max(240, box.clientWidth || 320);
  if (!chart) return new UPlot(options(width), data, box);
  if (Math.abs(chart.width - width) > 2) chart.setSize({ width, height: 160 });
  chart.setData(data);
  return chart;
}

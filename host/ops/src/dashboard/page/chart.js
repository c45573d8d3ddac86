// Canvas line chart of oil temperature (`ot`, solid) vs the model's forecast peak (`pred_peak`,
// dashed) per telemetry window, with the alert threshold (dotted) when one is known.

const COLORS = { ot: '#2b7bd6', pred: '#e07b00', limit: '#c62828', grid: '#d0d4da', text: '#4a4f57' };

/** Min/max over the finite values to plot, padded; null if there is nothing to plot. */
function yRange(points, threshold) {
  let lo = Infinity;
  let hi = -Infinity;
  const see = (v) => { if (typeof v === 'number' && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } };
  for (const p of points) { see(p.ot); see(p.pred); }
  if (lo === Infinity) return null;
  see(threshold);
  const pad = Math.max(0.5, (hi - lo) * 0.08);
  return { lo: lo - pad, hi: hi + pad };
}

/** Draws one series; gaps (missing values) break the line. */
function series(ctx, points, pick, x, y, color, dash) {
  ctx.strokeStyle = color;
  ctx.setLineDash(dash);
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  let pen = false;
  points.forEach((p, i) => {
    const v = pick(p);
    if (typeof v !== 'number' || !Number.isFinite(v)) { pen = false; return; }
    if (pen) ctx.lineTo(x(i), y(v)); else ctx.moveTo(x(i), y(v));
    pen = true;
  });
  ctx.stroke();
}

/** Sizes the canvas backing store to its CSS size times the device pixel ratio. */
function fit(canvas) {
  const dpr = Math.min(3, window.devicePixelRatio || 1);
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  return { w, h, dpr };
}

/** Redraws `canvas` from `points` ({ window, ot, pred }) and an optional threshold. */
export function drawChart(canvas, points, threshold) {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { w, h, dpr } = fit(canvas);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.scale(dpr, dpr);
  const cw = w / dpr;
  const ch = h / dpr;
  const r = yRange(points, threshold);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = COLORS.text;
  if (!r) { ctx.fillText('waiting for telemetry', 8, ch / 2); return; }
  const left = 36;
  const x = (i) => left + (points.length < 2 ? 0 : (i / (points.length - 1)) * (cw - left - 6));
  const y = (v) => 6 + (1 - (v - r.lo) / (r.hi - r.lo)) * (ch - 18);
  ctx.strokeStyle = COLORS.grid;
  ctx.setLineDash([]);
  ctx.lineWidth = 1;
  for (const v of [r.lo, (r.lo + r.hi) / 2, r.hi]) {
    ctx.beginPath(); ctx.moveTo(left, y(v)); ctx.lineTo(cw, y(v)); ctx.stroke();
    ctx.fillText(v.toFixed(1), 2, y(v) + 4);
  }
  if (typeof threshold === 'number' && Number.isFinite(threshold)) {
    series(ctx, [{ t: threshold }, { t: threshold }], (p) => p.t, (i) => (i === 0 ? left : cw), y, COLORS.limit, [2, 3]);
  }
  series(ctx, points, (p) => p.ot, x, y, COLORS.ot, []);
  series(ctx, points, (p) => p.pred, x, y, COLORS.pred, [5, 3]);
  const last = points[points.length - 1];
  ctx.fillStyle = COLORS.text;
  ctx.fillText(`window ${last.window}`, left + 4, ch - 2);
}

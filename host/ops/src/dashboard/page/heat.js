// Dendrite risk heat maps (one per device) with a colour scale legend. Text reaches the DOM only
// through textContent / title / dataset.

/** Risk 0..1 -> green..red (values outside are clamped for the colour only). */
export const riskColor = (r) => `hsl(${Math.round(120 * (1 - Math.min(1, Math.max(0, r))))}, 70%, 45%)`;

/** Legend steps: the colours of risk 0, 0.25, ... 1, each labelled. */
const STEPS = [0, 0.25, 0.5, 0.75, 1];

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = String(text);
  return e;
}

const f2 = (v) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(2) : '-');

/** The colour scale: one swatch per step with its risk value, plus the threshold when known. */
function legend(threshold) {
  const box = el('div', 'heat-legend');
  box.append(el('span', 'label', 'risk'));
  for (const r of STEPS) {
    const s = el('span', 'swatch');
    s.style.background = riskColor(r);
    s.dataset.risk = String(r);
    s.title = `risk ${r}`;
    box.append(s, el('span', 'tick', r.toFixed(2)));
  }
  if (typeof threshold === 'number') box.append(el('span', 'label', `alert at >= ${f2(threshold)}`));
  return box;
}

/** Renders (or re-renders) the heat map of device `d` (d.risk = { cells, state, at }) into `box`. */
export function renderHeat(box, d, threshold) {
  const { cells, state, at } = d.risk;
  const max = Math.max(...cells.cells.map((c) => c.risk));
  const when = new Date(at).toLocaleTimeString([], { hour12: false });
  const title = el('div', 'title', `${d.id}: ${state} at ${when}, max ${f2(max)}`);
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
  box.replaceChildren(title, grid, legend(threshold));
}

/**
 * Words and tables for the graph ablations (ablation.ts): which part of the grid model does the
 * work, with the seed-to-seed spread, for the card's limitations, `dendra eval grid` and the README.
 */
import type { AblationCell, AblationReport, SeedRuns, Stat } from './ablation.ts';
import { publishedFor } from './published.ts';

/** A difference of mean test MSE between two structures and whether it exceeds the seed noise. */
export interface Delta {
  /** a - b (mean test MSE). */
  diff: number;
  /** 100 * (a - b) / b. */
  pct: number;
  /** Standard error of the difference of the means (0 when neither has a spread). */
  se: number;
  verdict: 'no difference' | 'beyond noise' | 'within noise' | 'one seed: noise not measured';
}

/** Relative difference under which two means are the same model (float rounding). */
const SAME = 1e-6;

/**
 * Compares two mean test MSEs over `na` and `nb` seeds: beyond noise when the difference exceeds two
 * standard errors (sqrt(sd_a^2/na + sd_b^2/nb)); with one seed on both sides the noise is not
 * measured, and a deterministic side (the ridge) counts as known exactly. A relative difference
 * under 1e-6 (float rounding: the same model) is "no difference". Never throws.
 */
export function compare(a: Stat, na: number, b: Stat, nb: number): Delta {
  const diff = a.mean - b.mean;
  const se = Math.sqrt((na > 0 ? a.sd ** 2 / na : 0) + (nb > 0 ? b.sd ** 2 / nb : 0));
  const measured = na > 1 || nb > 1;
  const verdict = Math.abs(diff) <= SAME * Math.abs(b.mean) ? 'no difference' : !measured ? 'one seed: noise not measured' : Math.abs(diff) > 2 * se ? 'beyond noise' : 'within noise';
  return { diff, pct: (100 * diff) / b.mean, se, verdict };
}

const ridgeStat = (c: AblationCell): Stat => ({ mean: c.ridge.test.mse, sd: 0 });
const n = (r: SeedRuns) => r.seeds.length;
const pm = (s: Stat, d = 4) => (s.sd > 0 ? `${s.mean.toFixed(d)} ± ${s.sd.toFixed(d)}` : s.mean.toFixed(d));
const signed = (v: number, d = 1) => `${v >= 0 ? '+' : ''}${v.toFixed(d)}`;
const deltaText = (d: Delta) => `${signed(d.diff, 4)} (${signed(d.pct)}%; ${d.verdict})`;

/** Removing the edges (no edges minus GNN) and the graph part (GNN minus ridge), test MSE. */
export function cellDeltas(c: AblationCell): { edges?: Delta; graph: Delta; adaptive?: Delta } {
  return {
    ...(c.noEdges.sameAsGnn ? {} : { edges: compare(c.noEdges.mse.test, n(c.noEdges), c.gnn.mse.test, n(c.gnn)) }),
    graph: compare(c.gnn.mse.test, n(c.gnn), ridgeStat(c), 0),
    ...(c.adaptive ? { adaptive: compare(c.adaptive.mse.test, n(c.adaptive), c.gnn.mse.test, n(c.gnn)) } : {}),
  };
}

/** Plain statements of which part does the work, one per setting and per look-back row. Never throws. */
export function ablationFindings(a: AblationReport): string[] {
  const out: string[] = [];
  for (const c of a.cells) {
    const d = cellDeltas(c);
    const epochs = c.gnn.runs.map((r) => r.bestEpoch).join('/');
    const parts = [
      `ablation ${c.label} (float test MSE, seeds ${c.gnn.seeds.join(',')}): GNN ${pm(c.gnn.mse.test)}, ridge skip alone ${c.ridge.test.mse.toFixed(4)}; the graph part over the ridge ${deltaText(d.graph)}; best epochs ${epochs}${c.gnn.runs.every((r) => r.bestEpoch === 0) ? ' (epoch 0 is the ridge itself: the graph part is never kept)' : ''}`,
      d.edges ? `removing the edges (identity adjacency) ${pm(c.noEdges.mse.test)}: ${deltaText(d.edges)}` : 'no edges to remove (one node: S is an MLP on the OT window beside the ridge)',
      ...(d.adaptive && c.adaptive ? [`learned adjacency ${pm(c.adaptive.mse.test)}: ${deltaText(d.adaptive)} vs the correlation graph`] : []),
    ];
    out.push(parts.join('; '));
  }
  for (const r of a.lookback) {
    const g = compare(r.gnn.mse.test, n(r.gnn), { mean: r.ridge.test.mse, sd: 0 }, 0);
    out.push(`look-back ${r.label}: GNN ${pm(r.gnn.mse.test)} vs ridge ${r.ridge.test.mse.toFixed(4)} (graph part ${deltaText(g)}; best epoch ${r.gnn.runs.map((x) => x.bestEpoch).join('/')})`);
  }
  return out;
}

/** The ablation as a Markdown table (test MSE, float; mean ± sample sd over the seeds). Never throws. */
export function ablationTable(a: AblationReport): string[] {
  const out = [
    '| setting | seeds | GNN (shipped) | no edges | learned adjacency | ridge skip alone | no edges - GNN | GNN - ridge |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const c of a.cells) {
    const d = cellDeltas(c);
    out.push(`| ${c.label} | ${c.gnn.seeds.length} | ${pm(c.gnn.mse.test)} | ${c.noEdges.sameAsGnn ? '(one node: same model)' : pm(c.noEdges.mse.test)} | ${c.adaptive ? pm(c.adaptive.mse.test) : '-'} | ${c.ridge.test.mse.toFixed(4)} | ${d.edges ? deltaText(d.edges) : '-'} | ${deltaText(d.graph)} |`);
  }
  return out;
}

/**
 * The look-back rows beside the published figures of `dataset` for the same setting and horizon, each
 * labelled with its own input length, as a Markdown table. Never throws.
 */
export function lookbackTable(a: AblationReport, dataset: string, base: readonly AblationCell[] = a.cells): string[] {
  const out = ['| setting | L | GNN (seeds as above; longer L: 1 seed) | ridge alone | published at the same L | published at another L |', '|---|---|---|---|---|---|'];
  const rows = [
    ...base.filter((c) => a.lookback.some((r) => r.config.setting === c.config.setting && r.config.horizon === c.config.horizon)).map((c) => ({ config: c.config, gnn: c.gnn, ridge: c.ridge })),
    ...a.lookback,
  ];
  for (const r of rows) {
    const pub = publishedFor(dataset, r.config.setting, r.config.horizon);
    const fmt = (p: (typeof pub)[number]) => `${p.model} ${p.mse.toFixed(3)}${p.lookback === r.config.window ? '' : ` (L ${p.lookback || 'tuned'})`}`;
    const same = pub.filter((p) => p.lookback === r.config.window).map(fmt).join('; ') || '-';
    const other = pub.filter((p) => p.lookback !== r.config.window).map(fmt).join('; ') || '-';
    out.push(`| ${r.config.setting}-${r.config.horizon} | ${r.config.window} | ${pm(r.gnn.mse.test)} | ${r.ridge.test.mse.toFixed(4)} | ${same} | ${other} |`);
  }
  return out;
}

/**
 * Words and tables for the channel-mixing study (mixing.ts): the trunk alone against the trunk with
 * a mixing layer (correlation graph, no edges, learned adjacency), with the paired difference over
 * the seeds, beside the published figures at the same input length. For the card's limitations,
 * `dendra eval grid` and the README.
 */
import type { MixingCell, MixingReport, MixVariant } from './mixing.ts';
import type { SeedRuns } from './ablation.ts';
import { publishedFor } from './published.ts';

/** A paired difference over seeds (a_i - b_i, test MSE) and whether it exceeds the seed noise. */
export interface Paired {
  /** Mean of a_i - b_i. */
  diff: number;
  /** 100 * diff / mean(b). */
  pct: number;
  /** Standard error of the mean difference: sd(a_i - b_i) / sqrt(n). */
  se: number;
  n: number;
  verdict: 'no difference' | 'gain beyond noise' | 'loss beyond noise' | 'within noise' | 'one seed: noise not measured';
}

/**
 * Paired comparison of per-seed test MSEs `a` against `b` (same seeds, same order; a constant `b`,
 * such as the deterministic trunk, is repeated). A gain (a below b) or a loss is "beyond noise" when
 * |mean difference| exceeds two standard errors of the paired differences; a relative difference
 * under 1e-6 is "no difference". Never throws (NaN fields for empty input).
 */
export function paired(a: readonly number[], b: readonly number[]): Paired {
  const n = a.length;
  const d = a.map((x, i) => x - b[i]);
  const diff = d.reduce((s, x) => s + x, 0) / n;
  const meanB = b.reduce((s, x) => s + x, 0) / n;
  const sd = n > 1 ? Math.sqrt(d.reduce((s, x) => s + (x - diff) ** 2, 0) / (n - 1)) : 0;
  const se = sd / Math.sqrt(n);
  const verdict: Paired['verdict'] = Math.abs(diff) <= 1e-6 * Math.abs(meanB) ? 'no difference'
    : n < 2 ? 'one seed: noise not measured'
      : Math.abs(diff) > 2 * se ? (diff < 0 ? 'gain beyond noise' : 'loss beyond noise') : 'within noise';
  return { diff, pct: (100 * diff) / meanB, se, n, verdict };
}

const tests = (r: SeedRuns) => r.runs.map((x) => x.test.mse);
/** Decimals for an MSE of this size: 5 under 0.1 (the OT-only cells), else 4. */
const dec = (x: number) => (Math.abs(x) < 0.1 ? 5 : 4);
const fmt = (x: number) => x.toFixed(dec(x));
const pm = (r: SeedRuns) => {
  const s = r.mse.test;
  return s.sd > 0 ? `${fmt(s.mean)} ± ${s.sd.toFixed(dec(s.mean))}` : fmt(s.mean);
};
const signed = (v: number, d: number) => `${v >= 0 ? '+' : ''}${v.toFixed(d)}`;
const pairedText = (p: Paired) => `${signed(p.diff, 5)} ± ${p.se.toFixed(5)} (${signed(p.pct, 1)}%; ${p.verdict})`;

/** The paired differences of a cell: each variant minus the trunk; the correlation graph and the learned adjacency minus no edges. */
export function mixingDeltas(c: MixingCell): Partial<Record<MixVariant, Paired>> & { edges?: Paired; learnedEdges?: Paired } {
  const out: Partial<Record<MixVariant, Paired>> & { edges?: Paired; learnedEdges?: Paired } = {};
  for (const [v, r] of Object.entries(c.variants) as [MixVariant, SeedRuns][]) out[v] = paired(tests(r), r.runs.map(() => c.trunk.test.mse));
  const g = c.variants.graph;
  const ne = c.variants.noEdges;
  if (g && ne) out.edges = paired(tests(g), tests(ne));
  const l = c.variants.learned;
  if (l && ne) out.learnedEdges = paired(tests(l), tests(ne));
  return out;
}

/** The study as a Markdown table beside the published figures of `dataset` at the same input length. Never throws. */
export function mixingTable(m: MixingReport, dataset: string): string[] {
  const out = [
    '| setting | L | trunk alone | + mixing, correlation graph | + mixing, no edges | + mixing, learned adjacency | graph mixing - trunk (paired, ± SE) | graph - no edges (paired, ± SE) | published at the same L |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of m.cells) {
    const d = mixingDeltas(c);
    const cellOf = (v: MixVariant) => (c.variants[v] ? pm(c.variants[v]!) : c.config.setting === 'S' ? '(one node: nothing to mix)' : '-');
    const pub = publishedFor(dataset, c.config.setting, c.config.horizon).filter((p) => p.lookback === c.config.window);
    const pubText = pub.map((p) => `${p.model} ${p.mse.toFixed(3)}${c.config.setting === 'MS' ? ' (S, OT only in)' : ''}`).join('; ') || '-';
    out.push(`| ${c.config.setting}-${c.config.horizon} | ${c.config.window} | ${fmt(c.trunk.test.mse)} | ${cellOf('graph')} | ${cellOf('noEdges')} | ${cellOf('learned')} | ${d.graph ? pairedText(d.graph) : '-'} | ${d.edges ? pairedText(d.edges) : '-'} | ${pubText} |`);
  }
  return out;
}

/** Plain statements, one per cell: what the mixing layer adds to the trunk and what the edges add. Never throws. */
export function mixingFindings(m: MixingReport): string[] {
  const b = m.board;
  const board = b ? [`board task MS-24 at L ${b.window} in the board's int8 GNN structure (seed ${b.seed}): the GNN keeps epoch ${b.gnnBestEpoch}${b.gnnBestEpoch === 0 ? ' (the ridge trunk itself)' : ''}; test MSE float ${fmt(b.float)}, int8 ${fmt(b.int8)} vs the L 96 board model's (protocol MS-24) int8 ${fmt(b.shippedInt8)} (${signed((100 * (b.int8 - b.shippedInt8)) / b.shippedInt8, 1)}%); ${b.bytes} B, arena ${b.arenaBytes} B, ${b.macs} MACs; ${b.shipping}`] : [];
  return [...m.cells.map((c) => {
    const d = mixingDeltas(c);
    const head = `channel mixing ${c.label} (float test MSE; trunk = per-channel ridge${c.config.setting === 'MS' ? ', OT from all 7 channels: the S task with the other channels as covariates' : ''})`;
    if (!d.graph) return `${head}: trunk alone ${fmt(c.trunk.test.mse)}; one node (S): nothing to mix, the trunk is the model`;
    const g = c.variants.graph!;
    const parts = [
      `${head}, seeds ${g.seeds.join(',')}: trunk ${fmt(c.trunk.test.mse)}, + graph mixing ${pm(g)} (${pairedText(d.graph)}; best epochs ${g.runs.map((r) => r.bestEpoch).join('/')})`,
      ...(d.noEdges && c.variants.noEdges ? [`+ mixing without edges ${pm(c.variants.noEdges)} (${pairedText(d.noEdges)} vs the trunk)`] : []),
      ...(d.learned && c.variants.learned ? [`+ mixing with a learned adjacency ${pm(c.variants.learned)} (${pairedText(d.learned)} vs the trunk)`] : []),
      ...(d.learnedEdges ? [`learned adjacency minus no edges ${pairedText(d.learnedEdges)}`] : []),
      ...(d.edges ? [`the edges (graph minus no edges) ${pairedText(d.edges)}: ${[d.edges, d.learnedEdges].some((x) => x?.verdict === 'gain beyond noise') ? 'the graph earns its place here' : 'the graph does not earn its place'}`] : []),
    ];
    return parts.join('; ');
  }), ...board];
}

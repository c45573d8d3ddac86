/**
 * Text form of `dendra eval grid`: the board model's rows, the protocol table (S and M at 24
 * and 96 h, plus MS) with the published figures of the same setting and horizon printed under each
 * row, int8 vs float, the thermal-prior ablation and the alerting table. Pure (no I/O).
 */
import path from 'node:path';
import { ablationTable, lookbackTable } from './ablation_format.ts';
import { mixingTable } from './mixing_format.ts';
import type { ErrorMetrics } from './metrics.ts';
import { publishedFor, type PublishedRow } from './published.ts';
import { thermalVerdict } from './card.ts';
import type { GridEvalReport, ProtocolEvalRow } from './eval.ts';

const f4 = (v: number | null) => (v === null ? '   -  ' : v.toFixed(4));
const pct = (v: number | null) => (v === null ? '  -  ' : `${(v * 100).toFixed(1)}%`.padStart(6));
const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`;
const mm = (m?: ErrorMetrics) => (m ? `${m.mse.toFixed(4)}/${m.mae.toFixed(3)}`.padEnd(14) : '-'.padEnd(14));
const rel = (a: number, b: number) => (100 * (a - b)) / b;

/** The best of Dendra's baselines on test (by MSE), with its name. */
export function bestBaseline(r: ProtocolEvalRow): { name: string; m: ErrorMetrics } {
  const b = r.baselines.test;
  const all: [string, ErrorMetrics | undefined][] = [
    ['last value', b.lastValue], ['seasonal naive 24 h', b.seasonalNaive24h], ['ridge linear', b.linear], ['ridge linear on OT (S)', b.linearS],
  ];
  return all.filter((x): x is [string, ErrorMetrics] => !!x[1]).map(([name, m]) => ({ name, m })).sort((x, y) => x.m.mse - y.m.mse)[0];
}

/** One published figure as a table line. */
function publishedLine(p: PublishedRow, asMS: boolean): string {
  const l = p.lookback ? `L=${p.lookback}` : 'L tuned';
  return `      published ${p.model} ${p.setting}-${p.horizon} (${l}${asMS ? '; OT only in and out, beside our MS' : ''}): ${p.mse.toFixed(3)}/${p.mae.toFixed(3)} [${p.source}; ${p.checked}]`;
}

/**
 * The protocol table with published figures of `dataset` (none when none is cited for it) and the
 * int8/float gap (see the file comment). Pure; never throws.
 */
export function formatProtocol(rows: readonly ProtocolEvalRow[], window: number, dataset: string): string[] {
  const out = [`${dataset}: ETT protocol split, input length L = ${window} h for every Dendra row; test split, every window scored (no drop_last); MSE/MAE in normalized units:`];
  out.push(`  ${'setting'.padEnd(15)} ${'windows'.padEnd(7)} ${'GNN float'.padEnd(14)} ${'GNN int8'.padEnd(14)} ${'int8-float'.padEnd(10)} ${'last value'.padEnd(14)} ${'seasonal 24h'.padEnd(14)} ${'ridge linear'.padEnd(14)} int8 vs best baseline`);
  for (const p of rows.filter((r) => !r.config.thermal)) {
    const b = p.baselines.test;
    const best = bestBaseline(p);
    const gap = rel(p.int8.test.mse, p.float.test.mse);
    const vs = rel(p.int8.test.mse, best.m.mse);
    out.push(`  ${p.label.padEnd(15)} ${String(p.int8.test.windows).padEnd(7)} ${mm(p.float.test)} ${mm(p.int8.test)} ${signed(gap).padEnd(10)} ${mm(b.lastValue)} ${mm(b.seasonalNaive24h)} ${mm(b.linear)} ${signed(vs)} vs ${best.name}${vs < 0 ? '' : ' (NOT beaten)'}`);
    const pub = publishedFor(dataset, p.config.setting, p.config.horizon);
    if (pub.length === 0) out.push(`      published: no anchor cited for ${dataset} at this setting and horizon`);
    for (const x of pub) out.push(publishedLine(x, p.config.setting === 'MS'));
  }
  out.push('  (S: OT in, OT out; M: 7 channels in and out, averaged over the 7; MS: 7 in, OT out, labelled beside the S figures; ridge linear: the setting\'s own window map, M channel-shared)');
  return out;
}

/** The thermal-prior ablation lines: MS with the prior node vs the same MS without it. */
export function formatThermal(rows: readonly ProtocolEvalRow[]): string[] {
  const out: string[] = [];
  for (const t of rows.filter((r) => r.config.thermal)) {
    const base = rows.find((r) => !r.config.thermal && r.config.setting === t.config.setting && r.config.horizon === t.config.horizon);
    if (!base) continue;
    const dv = rel(t.float.val.mse, base.float.val.mse);
    const dt = rel(t.float.test.mse, base.float.test.mse);
    const di = rel(t.int8.test.mse, base.int8.test.mse);
    out.push(`  ${base.label}: float MSE val ${base.float.val.mse.toFixed(4)} -> ${t.float.val.mse.toFixed(4)} (${signed(dv)}), test ${base.float.test.mse.toFixed(4)} -> ${t.float.test.mse.toFixed(4)} (${signed(dt)}); int8 test ${base.int8.test.mse.toFixed(4)} -> ${t.int8.test.mse.toFixed(4)} (${signed(di)}): ${thermalVerdict(dv, dt)}`);
  }
  return out.length ? ['thermal-prior ablation (IEC 60076-7 first-order top-oil response to K^2 as an 8th graph node; same seed and budget):', ...out] : [];
}

/** The report as text lines: our table, protocol table with published figures, ablation, alerting. */
export function formatEval(r: GridEvalReport): string[] {
  const out: string[] = [];
  out.push(`model ${r.model.path} (${r.model.bytes} B, ${r.model.name} v${r.model.version}); data ${path.basename(r.data.file)}; windows val ${r.data.windows.val}, test ${r.data.windows.test} (all scored)`);
  out.push(`units: ${r.units}`, '');
  out.push(`${'board model: L=96, H=24'.padEnd(34)} set  val MSE  val MAE  test MSE test MAE`);
  for (const row of r.rows) {
    out.push(`${row.name.padEnd(34)} ${row.setting.padEnd(4)} ${f4(row.val.mse)}   ${f4(row.val.mae)}   ${f4(row.test.mse)}   ${f4(row.test.mae)}`);
  }
  if (r.protocol.length > 0) out.push('', ...formatProtocol(r.protocol, r.protocolWindow, r.data.dataset), '', ...formatThermal(r.protocol));
  else if (r.published.length > 0) out.push('', 'protocol table: none evaluated (the card has none; dendra train grid makes it); published ' + r.data.dataset + ' figures:', ...r.published.map((p) => publishedLine(p, false)));
  else out.push('', `protocol table: none evaluated (the card has none); no published anchor for ${r.data.dataset}`);
  if (r.ablation) {
    out.push('', 'graph ablation (from the card: float, test MSE, mean ± sample sd over seeds; beyond noise = more than 2 standard errors):', ...ablationTable(r.ablation).map((l) => `  ${l}`));
    if (r.ablation.lookback.length > 0) out.push('', `longer look-back beside the published ${r.data.dataset} figures at their own input lengths:`, ...lookbackTable(r.ablation, r.data.dataset).map((l) => `  ${l}`));
    if (r.ablation.mixing) out.push('', 'channel mixing after a channel-independent ridge trunk (from the card: float, test MSE; paired differences over the seeds ± standard error; beyond noise = more than 2 standard errors):', ...mixingTable(r.ablation.mixing, r.data.dataset).map((l) => `  ${l}`));
  }
  out.push('', `alerting on the ${r.alerting.split} split (rows ${r.alerting.rows.start}..${r.alerting.rows.end - 1}): alert = forecast > limit within 24 h`);
  out.push('  limit (degC)  source                                 model      prec   recall | onset prec recall | events det  median lead');
  for (const l of r.alerting.limits) {
    for (const [name, s] of [['int8', l.int8], ['last value', l.lastValue]] as const) {
      const lead = s.events.medianLeadH === null ? '-' : `${s.events.medianLeadH} h`;
      out.push(`  ${l.limitC.toFixed(2).padStart(8)}      ${l.limitSource.padEnd(38)} ${name.padEnd(10)} ${pct(s.all.precision)} ${pct(s.all.recall)} | ${pct(s.onset.precision)} ${pct(s.onset.recall)} | ${String(s.events.count).padStart(4)} ${String(s.events.detected).padStart(4)}  ${lead}`);
    }
  }
  out.push('', ...r.notes.map((n) => `note: ${n}`));
  return out;
}

/**
 * The grid model card (models/grid/grid.card.json): data and split, seed, training budget, float
 * vs int8 metrics, baselines, size, MACs per inference, the host's arena estimate and thresholds.
 */
import path from 'node:path';
import type { QModel, QTensor } from '@dendra/core/tflite/ir.ts';
import { CHANNELS, STANDARD_SPLITS, TARGET, type Splits } from './data.ts';
import { BOARD_CONFIG, configLabel } from './config.ts';
import type { ProtocolReport } from './protocol.ts';
import { datasetOf, publishedFor, publishedForDataset, type PublishedRow } from './published.ts';
import type { AlertingReport } from './alerts_eval.ts';
import { ablationFindings } from './ablation_format.ts';
import { mixingFindings } from './mixing_format.ts';
import type { BaselineMetrics, ErrorMetrics } from './metrics.ts';
import type { FloatModelFile, SplitMetrics } from './train.ts';
import { ARENA_NOTE, countMacs, estimateArenaBytes } from '@dendra/core/tflite/estimate.ts';

/** The model card. */
export interface GridCard {
  name: string;
  version: number;
  description: string;
  data: {
    file: string;
    source: string;
    license: string;
    channels: string[];
    target: string;
    window: number;
    horizon: number;
    split: Splits;
    splitNote: string;
    windows: { train: number; val: number; test: number };
    normalization: string;
  };
  seed: number;
  training: FloatModelFile['budget'] & { optimizer: string; loss: string; selection: string };
  quantization: { calibrationWindows: number; calibrationSeed: number; weights: string; activations: string; bias: string; adjacency: string; softmax: string };
  metrics: { units: string; float: SplitMetrics; int8: SplitMetrics };
  baselines: { val: BaselineMetrics; test: BaselineMetrics };
  bytes: number;
  macsPerInference: number;
  arena: { bytes: number; note: string };
  io: { input: { shape: number[]; scale: number; zeroPoint: number }; output: { shape: number[]; scale: number; zeroPoint: number } };
  thresholds: { otLimitC: number; otLimitSource: string; hysteresisC: number };
  /**
   * Alert precision/recall/median lead of the int8 model and the last-value baseline on the test
   * split (alerts_eval.ts); absent on cards written before it existed.
   */
  alerting?: AlertingReport;
  /** Which configuration the board runs and why (absent on older cards). */
  boardSetting?: string;
  /**
   * The ETTh1 protocol table (S, M, MS at 24/96) and the thermal-prior ablation, run by `dendra
   * train grid` (protocol.ts); absent when the card was made without it.
   */
  protocol?: ProtocolReport;
  /**
   * Published figures of the training dataset for the protocol's settings, with source and how each was checked
   * (published.ts); printed beside the protocol rows by `dendra eval grid`.
   */
  published?: readonly PublishedRow[];
  /** Plain statements of how the model compares with the naive baselines. */
  limitations: string[];
}

/** Inputs of {@link buildCard}. */
export interface CardInputs {
  model: QModel;
  bytes: number;
  floatModel: FloatModelFile;
  float: SplitMetrics;
  int8: SplitMetrics;
  windows: { train: number; val: number; test: number };
  calibration: { windows: number; seed: number; perChannel: boolean };
  thresholds: { otLimitC: number; otLimitSource: string; hysteresisC: number };
  version: number;
  /** Alerting evaluation on the test split (omitted from the card when not given). */
  alerting?: AlertingReport;
  /** Protocol table and thermal ablation (omitted when not given). */
  protocol?: ProtocolReport;
}

/** Rounds metrics to 6 significant digits for a readable card. */
function tidy(m: ErrorMetrics): ErrorMetrics {
  return { mse: Number(m.mse.toPrecision(6)), mae: Number(m.mae.toPrecision(6)), windows: m.windows };
}

/** Compares the int8 model with every baseline on each split, in words, with the relative difference. */
function limitations(int8: SplitMetrics, f: FloatModelFile): string[] {
  const out: string[] = [];
  const names: Record<string, string> = {
    lastValue: 'last value', seasonalNaive24h: 'seasonal naive 24 h', linearS: 'ridge linear on the OT window (S)', linearMS: 'ridge linear on all channels (MS)',
    linearM: 'ridge linear, channel-shared (M)',
  };
  for (const split of ['val', 'test'] as const) {
    const m = int8[split].mse;
    for (const [key, label] of Object.entries(names)) {
      const b = (f.baselines[split] as unknown as Record<string, ErrorMetrics | undefined>)[key];
      if (!b) continue;
      const pct = (100 * (m - b.mse)) / b.mse;
      out.push(`${split}: int8 MSE ${m.toFixed(4)} vs ${label} ${b.mse.toFixed(4)} (${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%): ${m < b.mse ? 'beats it' : 'does NOT beat it'}`);
    }
  }
  return [workLine(f), attributionLine(f), ...out];
}

/** The plain statement of which part of this model does the work (from its kept epoch). Never throws. */
export function workLine(f: FloatModelFile): string {
  const L = cfgOf(f).window;
  return f.budget.bestEpoch === 0
    ? `which part does the work: the look-back (L ${L}) through the ridge trunk; the graph adds nothing: training kept epoch 0 of ${f.budget.epochsRun} (the initialisation: the ridge fit on the OT window as the skip, graph head at zero), so this model is the ridge trunk in the board's int8 structure`
    : `which part does the work: training kept epoch ${f.budget.bestEpoch} of ${f.budget.epochsRun} (the graph head on top of the ridge skip); the ablation lines say whether the graph adds beyond noise`;
}

/**
 * What the board's alert attributions (exact Shapley values over the channels, CONTRACTS.md) can say
 * for this model, from its kept epoch: at epoch 0 the graph head is zero and only the ridge skip on
 * the OT window is live, so the model reads oil temperature only. Never throws.
 */
export function attributionLine(f: FloatModelFile): string {
  const others = CHANNELS.filter((_, i) => i !== TARGET).join(', ');
  return f.budget.bestEpoch === 0
    ? `attributions: this model reads only oil temperature (${CHANNELS[TARGET]}): its output does not depend on ${others} (the graph head that would mix them is zero), so the board's exact Shapley values give the whole forecast rise to ${CHANNELS[TARGET]} and exactly 0 to the six others, on every window (tests/attrib-parity.test.ts checks both on every daily test window); an alert's top inputs say what the model uses, not what heats the transformer: the channel-mixing lines say what the other channels add at L ${cfgOf(f).window}`
    : `attributions: exact Shapley values over the ${CHANNELS.length} channels, which the graph head mixes (tests/attrib-parity.test.ts: the board equals the host executor bit for bit)`;
}

const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`;

/**
 * The ablation verdict from the relative MSE changes (%) on validation and test: "helps" only when
 * both fall by at least 1%; changes under 1% on both splits are reported as no material effect
 * (one seed: the seed-to-seed spread is not measured).
 */
export function thermalVerdict(dValPct: number, dTestPct: number): string {
  if (Math.abs(dValPct) < 1 && Math.abs(dTestPct) < 1) return 'no material effect (both changes under 1%, one seed)';
  if (dValPct < 0 && dTestPct < 0) return 'helps';
  if (dValPct >= 0 && dTestPct >= 0) return 'does not help';
  return 'mixed (better on one split only)';
}

/**
 * Plain statements about the protocol table and the thermal ablation (test MSE, int8), with
 * verdicts only against figures published for `dataset` at the same input length. Never throws.
 */
export function protocolFindings(p: ProtocolReport, dataset: string): string[] {
  const out: string[] = [];
  for (const r of p.rows) {
    const b = r.baselines.test;
    const best = Math.min(b.lastValue.mse, b.seasonalNaive24h.mse, b.linear.mse, b.linearS?.mse ?? Infinity);
    const m = r.int8.test.mse;
    const pct = (100 * (m - best)) / best;
    out.push(`protocol ${r.label}: int8 test MSE ${m.toFixed(4)} vs best Dendra baseline ${best.toFixed(4)} (${signed(pct)}): ${m < best ? 'beats all baselines' : 'does NOT beat the best baseline'}; int8 vs float ${signed(r.int8VsFloatTestPct)}${Math.abs(r.int8VsFloatTestPct) <= 2 ? ' (within 2%)' : ' (NOT within 2%)'}`);
  }
  for (const t of p.thermal.rows) {
    const base = p.rows.find((r) => r.config.setting === t.config.setting && r.config.horizon === t.config.horizon);
    if (!base) continue;
    const dv = (100 * (t.float.val.mse - base.float.val.mse)) / base.float.val.mse;
    const dt = (100 * (t.float.test.mse - base.float.test.mse)) / base.float.test.mse;
    out.push(`thermal prior ${configLabel(base.config)}: float val MSE ${base.float.val.mse.toFixed(4)} -> ${t.float.val.mse.toFixed(4)} (${signed(dv)}), test ${base.float.test.mse.toFixed(4)} -> ${t.float.test.mse.toFixed(4)} (${signed(dt)}): ${thermalVerdict(dv, dt)}`);
  }
  for (const r of p.rows) {
    for (const x of publishedFor(dataset, r.config.setting, r.config.horizon).filter((q) => q.lookback === p.window)) {
      const d = (100 * (r.int8.test.mse - x.mse)) / x.mse;
      out.push(`protocol ${r.label} vs published ${x.model} ${x.setting}-${x.horizon} (same input length ${x.lookback}${r.config.setting === 'MS' ? '; theirs OT only in' : ''}): int8 test MSE ${r.int8.test.mse.toFixed(4)} vs ${x.mse.toFixed(3)} (${signed(d)}): ${d <= 0 ? 'matches or beats it' : 'does NOT match it'}`);
    }
  }
  return out;
}

/** Assembles the model card (pure: no I/O). */
export function buildCard(c: CardInputs): GridCard {
  const ioOf = (t: QTensor) => ({ shape: [...t.shape], scale: t.quant!.scale[0], zeroPoint: t.quant!.zeroPoint[0] });
  const f = c.floatModel;
  const split = (m: SplitMetrics) => ({ val: tidy(m.val), test: tidy(m.test) });
  const base = (b: BaselineMetrics) => ({
    lastValue: tidy(b.lastValue), seasonalNaive24h: tidy(b.seasonalNaive24h),
    ...(b.linearS ? { linearS: tidy(b.linearS) } : {}), ...(b.linearMS ? { linearMS: tidy(b.linearMS) } : {}),
  });
  const dataset = datasetOf(f.dataCsv);
  return {
    name: 'grid',
    version: c.version,
    description: `Forecast of transformer oil temperature (OT) 1..${cfgOf(f).horizon} h ahead from ${cfgOf(f).window} h of the 7 ETT channels (setting ${cfgOf(f).setting}): channel graph from training correlations, 3 node-wise FC layers with 2 message-passing (A.H) steps between them, attention pooling over nodes, linear head, plus a linear skip from the OT window (initialised with the ridge fit) added to the head; inputs and outputs relative to each channel's last hour.${f.budget.bestEpoch === 0 ? ` Training kept epoch 0 (graph head zero): the model reads only oil temperature (${CHANNELS[TARGET]}), and its alert attributions give everything to it.` : ''}${c.protocol?.ablation ? ' Which part does the work: the ablation lines of limitations (GNN vs the same GNN without edges vs the ridge skip alone, with the seed spread).' : ''}`,
    data: {
      file: path.basename(f.dataCsv),
      source: dataSource(dataset),
      license: ETT_FILES.has(dataset) ? 'CC BY-ND 4.0 (data used unmodified; not redistributed in the model)' : 'not recorded (user data; not redistributed in the model)',
      channels: ['HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL', 'OT'],
      target: 'OT', window: cfgOf(f).window, horizon: cfgOf(f).horizon,
      split: f.splits ?? STANDARD_SPLITS,
      splitNote: `standard ETT protocol split on ${dataset}, 12/4/4 months by rows; val/test start ${cfgOf(f).window} rows early (input length)`,
      windows: c.windows,
      normalization: 'per channel, mean and population std of the training rows (stored as f32 in the "dendra" metadata)',
    },
    seed: f.seed,
    training: { ...f.budget, optimizer: 'Adam', loss: 'MSE of normalized OT, 24 steps', selection: 'weights of the epoch with the best validation MSE' },
    quantization: {
      calibrationWindows: c.calibration.windows, calibrationSeed: c.calibration.seed,
      weights: c.calibration.perChannel ? 'int8 symmetric, per-channel (axis 0)' : 'int8 symmetric, per-tensor',
      activations: 'int8 asymmetric per-tensor from calibration min/max (0 included)',
      bias: 'int32, scale in_scale*w_scale, zero point 0',
      adjacency: 'constant int8 tensor, symmetric per-tensor',
      softmax: 'output scale 1/256, zero point -128',
    },
    metrics: { units: 'normalized OT (training std units), all 24 horizon steps, every window', float: split(c.float), int8: split(c.int8) },
    baselines: { val: base(f.baselines.val), test: base(f.baselines.test) },
    bytes: c.bytes,
    macsPerInference: countMacs(c.model),
    arena: { bytes: estimateArenaBytes(c.model), note: ARENA_NOTE },
    io: { input: ioOf(c.model.tensors[c.model.inputs[0]]), output: ioOf(c.model.tensors[c.model.outputs[0]]) },
    thresholds: c.thresholds,
    ...(c.alerting ? { alerting: c.alerting } : {}),
    boardSetting: `${configLabel(cfgOf(f))} (L ${cfgOf(f).window}): the firmware contract takes the 7 raw DMA channels in and one OT forecast out ([7, L] -> [1, H]), so M models (7 outputs) and the thermal node (a derived channel) stay host-only; H = 24 is the alert horizon of the site configuration`,
    ...(c.protocol ? { protocol: c.protocol, published: publishedForDataset(dataset) } : {}),
    limitations: [...limitations(c.int8, f), ...(c.protocol ? protocolFindings(c.protocol, dataset) : []), ...(c.protocol?.ablation ? ablationFindings(c.protocol.ablation) : []), ...(c.protocol?.ablation?.mixing ? mixingFindings(c.protocol.ablation.mixing) : [])],
  };
}

/** ETDataset files Dendra knows the source of; any other data is the user's own. */
const ETT_FILES = new Set(['ETTh1', 'ETTh2', 'ETTm1', 'ETTm2']);

/** The card's data source line for a dataset name (see {@link datasetOf}). Never throws. */
export function dataSource(dataset: string): string {
  return ETT_FILES.has(dataset)
    ? `ETDataset ${dataset} (Zhou et al., Informer, AAAI 2021), zhouhaoyi/ETDataset`
    : `${dataset}: user data in the ETT layout (source not recorded by Dendra)`;
}

/** The float model's configuration (files written before configs existed are the board's). */
function cfgOf(f: FloatModelFile) {
  return f.config ?? BOARD_CONFIG;
}

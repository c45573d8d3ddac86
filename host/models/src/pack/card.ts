/**
 * The pack model card (models/pack/pack.card.json): data generation and split, training budget,
 * float vs int8 metrics with bootstrap CIs, baselines, size, MACs, arena estimate, the simulator's
 * calibration targets and where the physics parameters come from. Pure (no I/O).
 */
import type { QModel, QTensor } from '@dendra/core/tflite/ir.ts';
import { countMacs, estimateArenaBytes, ARENA_NOTE } from '@dendra/core/tflite/estimate.ts';
import { CALIBRATION, SEED_TARGETS } from '../physics/impedance.ts';
import {
  CYCLE_CHANNELS, HELD_OUT, HORIZON, MAX_CELLS, MASK_LOGIT, N_FEATURES, SIM_CYCLES, STATIC_CHANNELS, WINDOW, type PackDataset,
} from './dataset.ts';
import type { RiskMetrics } from './metrics.ts';
import { LAYERS } from './model.ts';
import type { TrainedModel } from './train.ts';
import type { PackMetricsTable } from './pipeline.ts';

/** Inputs of {@link buildPackCard}. */
export interface PackCardInputs {
  model: QModel;
  bytes: number;
  table: PackMetricsTable;
  seed: number;
  dataset: PackDataset;
  gnn: TrainedModel;
  perCell: TrainedModel;
  seconds: number;
}

/** The card (JSON). */
export type PackCard = ReturnType<typeof buildPackCard>;

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

/** Rounds a metrics record for the card. */
function tidy(m: RiskMetrics) {
  const ci = (c: { value: number; lo: number; hi: number }) => ({ value: r4(c.value), ci95: [r4(c.lo), r4(c.hi)] });
  return {
    rocAuc: ci(m.auc), f1: ci(m.f1), medianLeadCycles: ci(m.medianLead), missedFraction: r4(m.missedFraction),
    threshold: r4(m.threshold), samples: m.samples, positives: m.positives,
  };
}

/** Plain statements of how the graph model compares with the baselines. */
function comparisons(t: PackMetricsTable): string[] {
  const g = t.gnnFloat.auc;
  const line = (name: string, b: RiskMetrics) => {
    const beats = g.value > b.auc.value;
    const overlap = g.lo <= b.auc.hi && b.auc.lo <= g.hi;
    return `test ROC-AUC: GNN ${g.value.toFixed(3)} vs ${name} ${b.auc.value.toFixed(3)}: the GNN ${beats ? 'beats' : 'does NOT beat'} it${overlap ? ' (bootstrap CIs overlap: not a clear win)' : ''}`;
  };
  return [
    line('per-cell model (A = identity)', t.perCellFloat),
    line('physics rule (iPeak / CCD)', t.physicsRule),
    `int8 vs float test ROC-AUC drop: ${t.int8AucDropPoints.toFixed(2)} points (${Math.abs(t.int8AucDropPoints) <= 1 ? 'within' : 'OUTSIDE'} the 1-point budget)`,
  ];
}

/** Data-set summary counts. */
function counts(ds: PackDataset) {
  const of = (s: PackDataset['train']) => {
    let valid = 0, pos = 0;
    for (let i = 0; i < s.wCell.length; i++) { valid += s.wCell[i]; pos += s.wCell[i] * s.yCell[i]; }
    return { packs: s.packs.length, samples: s.size, validCellLabels: valid, positiveCellLabels: pos };
  };
  return { train: of(ds.train), val: of(ds.val), test: of(ds.test) };
}

/** Assembles the card. */
export function buildPackCard(c: PackCardInputs) {
  const io = (t: QTensor) => ({ shape: [...t.shape], scale: t.quant!.scale[0], zeroPoint: t.quant!.zeroPoint[0] });
  const t = c.table;
  return {
    name: 'pack',
    version: 1,
    description: `Per-cell dendrite-initiation risk (initiation within the next ${HORIZON} cycles) and pack risk for solid-state packs of up to ${MAX_CELLS} cells: cell graph (parallel group + thermal neighbours), ${LAYERS} message-passing layers, attention pooling.`,
    data: {
      source: 'seeded pack simulator (host/models/src/pack/simulator.ts); synthetic, not measured cells',
      label: `cell initiates dendrites in cycles (t, t+${HORIZON}] given telemetry up to cycle t; only cells alive and not yet initiated, outcome not censored by the ${SIM_CYCLES}-cycle simulation`,
      window: WINDOW, horizon: HORIZON, features: { perCycle: [...CYCLE_CHANNELS], static: [...STATIC_CHANNELS], perNode: N_FEATURES },
      featureNotes: 'stress = iPeak / CCD(T_mean) with the preset CCD law; logCumStress = log1p(sum of (iRms/CCD)^2) over the history; all from telemetry + electrolyte datasheet values',
      split: `by pack configuration: test packs all have >= 1 held-out factor (electrolyte ${HELD_OUT.electrolyte}, duty ${HELD_OUT.duty}, topologies ${HELD_OUT.topologies.join(', ')}); train/val never contain them. Val (in-distribution configs, new packs) is used for early stopping and every threshold.`,
      counts: counts(c.dataset),
      normalization: 'per feature mean/std over live training nodes (stored in the "dendra" metadata, nChannels = features per node), z clipped to +-6; dead and padding nodes are all zero',
    },
    seed: c.seed,
    training: {
      optimizer: 'Adam lr 2e-3, batch 64', loss: 'class-weighted BCE (pos weight neg/pos) on cells + 0.5 x pack BCE', selection: 'best validation loss, patience 5',
      gnn: { epochsRun: c.gnn.epochsRun, bestEpoch: c.gnn.bestEpoch, bestValLoss: r4(c.gnn.bestValLoss) },
      perCell: { epochsRun: c.perCell.epochsRun, bestEpoch: c.perCell.bestEpoch, bestValLoss: r4(c.perCell.bestValLoss) },
      seconds: Math.round(c.seconds),
    },
    quantization: {
      calibration: '1024 training samples (seeded), min/max per activation',
      weights: 'int8 symmetric per-channel; adjacency, mask and output selectors int8 per-tensor constants',
      activations: 'int8 asymmetric per-tensor; LOGISTIC/SOFTMAX outputs 1/256, -128',
      deployment: `the .tflite bakes the ${MAX_CELLS}-cell 4s4p adjacency; other topologies are rebuilt from the same weights and ranges (only A and the padding mask (${MASK_LOGIT}) differ) and int8 test metrics use those rebuilds`,
      output: 'Y int8 [17,1]: rows 0..15 cell risk, row 16 pack risk, probability = (q + 128) / 256',
    },
    metrics: {
      split: 'test (held-out configurations)', bootstrap: '200 resamples of whole packs, seeded; 95 % percentile intervals',
      leadDefinition: 'cycles from the first window whose score >= threshold to the initiation cycle, initiating cells only; missedFraction = initiating cells never alerted',
      float: tidy(t.gnnFloat), int8: tidy(t.gnnInt8),
      packRocAuc: { float: r4(t.packAuc.float), int8: r4(t.packAuc.int8) },
      int8AucDropPoints: r4(t.int8AucDropPoints),
    },
    baselines: { perCellModel: tidy(t.perCellFloat), physicsRule: tidy(t.physicsRule) },
    comparisons: comparisons(t),
    bytes: c.bytes,
    macsPerInference: countMacs(c.model),
    arena: { bytes: estimateArenaBytes(c.model), note: ARENA_NOTE },
    io: { input: io(c.model.tensors[c.model.inputs[0]]), output: io(c.model.tensors[c.model.outputs[0]]) },
    simulatorCalibration: {
      source: 'host/models/src/pack/calibration.test.ts (64 symmetric cells per arm, tolerance 15 %); the test logs simulated values but does not export them, so only the targets are recorded here',
      targets: SEED_TARGETS, fittedConstants: CALIBRATION,
    },
    parameterSources: 'electrolyte presets with literature sources in host/models/src/physics/electrolytes.ts (conductivity, Ea, shear modulus, CCD, i0; "representative"/"assumed" marked there); CCD and initiation laws in host/models/src/physics/ccd.ts (phenomenological, assumed exponents); cell/thermal constants in host/models/src/pack/cell.ts (assumed)',
    limitations: [
      'trained and tested on simulator output only: the metrics measure how well the model recovers the simulator\'s own laws, not real cells',
      'per-cell hidden variation (initiation time scale, lognormal sigma 0.35) is not observable before initiation, which bounds every scorer',
    ],
  };
}

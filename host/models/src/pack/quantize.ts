/**
 * Int8 post-training quantization of the pack model into a single-input, single-output QModel
 * that uses only the firmware's ops. Graph (one pack configuration: A and the padding mask are
 * constants):
 *   X[16,F] -FC relu-> H0 ; 3 x { M = BATCH_MATMUL(A, H) ; U = FC(H) ; V = FC(M) ; H = ADD relu (U, V) }
 *   Zc = FC(H3) [16,1] -> LOGISTIC -> Pc ;  S = FC(H3) -> ADD mask -> RESHAPE [1,16] -> SOFTMAX -> P
 *   G = BATCH_MATMUL(P, H3) [1,h] -> FC -> Zp [1,1] -> LOGISTIC -> Pp
 *   Zl = FC(H3) [16,1] -> LOGISTIC -> Pl                 (the lead head)
 *   Y[33,1] = ADD(ADD(BATCH_MATMUL(Ec, Pc), BATCH_MATMUL(Ep, Pp)), BATCH_MATMUL(El, Pl))
 *             (constant 0/1 selectors: a concat)
 * Output: rows 0..15 per-cell initiation risk, row 16 pack risk, probability = (q + 128) / 256;
 * rows 17..32 per-cell predicted cycles to initiation = LEAD_MAX (q + 128) / 256 = q + 128.
 */
import * as tf from '@tensorflow/tfjs';
import type { QModel, QParams, QTensor } from '@dendra/core/tflite/ir.ts';
import { activationParams, quantizeBias, quantizeWeightsPerChannel, quantizeWeightsPerTensor, RangeObserver } from '../quant/ptq.ts';
import { runInt8 } from '../quant/executor.ts';
import { roundHalfAway } from '../quant/fixedpoint.ts';
import { MAX_CELLS, N_FEATURES, packAdjacency, packMask } from './dataset.ts';
import { disposeParams, forwardAll, HIDDEN, importWeights, LEAD_MAX, type PackActivations, type PackWeights } from './model.ts';
import { gatherBatch, type SplitTensors } from './train.ts';
import { mulberry32, shuffled } from '@dendra/core/random.ts';
import { initBackend } from '@dendra/core/tfjs.ts';

/** Activations whose ranges calibration records. */
export const CALIBRATED = ['X', 'H0', 'M1', 'U1', 'V1', 'H1', 'M2', 'U2', 'V2', 'H2', 'M3', 'U3', 'V3', 'H3', 'Zc', 'S', 'Sm', 'G', 'Zp', 'Zl'] as const;
/** One calibrated activation. */
export type CalibratedName = (typeof CALIBRATED)[number];
/** Observed [min, max] per activation. */
export type Ranges = Record<CalibratedName, { min: number; max: number }>;
/** Output rows: 16 cell risks, the pack risk, then 16 cell leads. */
export const OUT_ROWS = 2 * MAX_CELLS + 1;
/** First output row of the lead head. */
export const LEAD_ROW = MAX_CELLS + 1;

const PROB: QParams = { scale: [1 / 256], zeroPoint: [-128], axis: 0 };

/**
 * Records every activation's range over `count` seeded training samples (their own adjacency).
 *
 * @throws Error when the split is empty.
 */
export async function calibrate(w: PackWeights, st: SplitTensors, count = 1024, seed = 1, identity = false): Promise<Ranges> {
  if (st.split.size === 0) throw new Error('pack calibration: empty split');
  await initBackend();
  const idx = shuffled(Array.from({ length: st.split.size }, (_, i) => i), mulberry32(seed)).slice(0, count);
  const obs = Object.fromEntries(CALIBRATED.map((k) => [k, new RangeObserver()])) as Record<CalibratedName, RangeObserver>;
  const p = importWeights(w);
  try {
    for (let i = 0; i < idx.length; i += 256) {
      const t = gatherBatch(st, idx.slice(i, i + 256), identity);
      tf.tidy(() => {
        const acts: PackActivations = forwardAll(p, t.x, t.a, t.m);
        for (const k of CALIBRATED) obs[k].observe(acts[k].dataSync());
      });
      Object.values(t).forEach((v) => v.dispose());
    }
  } finally {
    disposeParams(p);
  }
  return Object.fromEntries(CALIBRATED.map((k) => [k, { min: obs[k].min, max: obs[k].max }])) as Ranges;
}

/** Options of {@link buildPackQModel}. */
export interface PackQOptions {
  series: number;
  parallel: number;
  /** Graph-free variant (A = identity). */
  identity?: boolean;
  /** The encoded "dendra" metadata buffer (empty when omitted). */
  metadata?: Uint8Array;
}

/** Tensor list with helpers for constants. */
class Tensors {
  readonly list: QTensor[] = [];
  add(t: QTensor): number { this.list.push(t); return this.list.length - 1; }
  act(name: string, shape: number[], q: QParams): number { return this.add({ name, type: 'int8', shape, quant: { ...q, scale: [...q.scale], zeroPoint: [...q.zeroPoint] } }); }
  constI8(name: string, shape: number[], values: ArrayLike<number>): number {
    const q = quantizeWeightsPerTensor(values);
    return this.add({ name, type: 'int8', shape, quant: q.quant, data: q.data });
  }
  /** FC weights (per-channel) and bias (zeros when `bias` is absent). */
  fc(name: string, w: { shape: number[]; data: number[] }, bias: number[] | undefined, inScale: number): [number, number] {
    const qw = quantizeWeightsPerChannel(w.data, w.shape[0]);
    const qb = quantizeBias(bias ?? new Array(w.shape[0]).fill(0), inScale, qw.quant.scale);
    return [
      this.add({ name: `${name}_w`, type: 'int8', shape: [...w.shape], quant: qw.quant, data: qw.data }),
      this.add({ name: `${name}_b`, type: 'int32', shape: [w.shape[0]], quant: qb.quant, data: qb.data }),
    ];
  }
}

/**
 * Builds the int8 model for one pack configuration from float weights and calibrated ranges.
 *
 * @throws Error when a range is not finite or a bias overflows int32; RangeError when the pack has
 *   more than {@link MAX_CELLS} cells.
 */
export function buildPackQModel(w: PackWeights, ranges: Ranges, o: PackQOptions): QModel {
  const q = Object.fromEntries(CALIBRATED.map((k) => [k, activationParams(ranges[k].min, ranges[k].max)])) as Record<CalibratedName, QParams>;
  const T = new Tensors();
  const ops: QModel['ops'] = [];
  const fcOp = (i: number, wb: [number, number], out: number, relu = false) =>
    ops.push({ op: 'FULLY_CONNECTED', inputs: [i, ...wb], outputs: [out], options: { activation: relu ? 'RELU' : 'NONE', keepNumDims: false } });
  const bmm = (a: number, b: number, out: number) => ops.push({ op: 'BATCH_MATMUL', inputs: [a, b], outputs: [out], options: { adjX: false, adjY: false } });
  const N = MAX_CELLS;
  const x = T.act('X', [N, N_FEATURES], q.X);
  const a = T.constI8('A', [N, N], packAdjacency(o.series, o.parallel, o.identity ?? false));
  let h = T.act('H0', [N, HIDDEN], q.H0);
  fcOp(x, T.fc('in', w.Win, w.bin.data, q.X.scale[0]), h, true);
  let hq = q.H0;
  for (const l of [1, 2, 3] as const) {
    const [mq, uq, vq, nq] = [q[`M${l}`], q[`U${l}`], q[`V${l}`], q[`H${l}`]];
    const m = T.act(`M${l}`, [N, HIDDEN], mq);
    bmm(a, h, m);
    const u = T.act(`U${l}`, [N, HIDDEN], uq);
    fcOp(h, T.fc(`s${l}`, w[`Ws${l}`], w[`bs${l}`].data, hq.scale[0]), u);
    const v = T.act(`V${l}`, [N, HIDDEN], vq);
    fcOp(m, T.fc(`n${l}`, w[`Wn${l}`], undefined, mq.scale[0]), v);
    const hn = T.act(`H${l}`, [N, HIDDEN], nq);
    ops.push({ op: 'ADD', inputs: [u, v], outputs: [hn], options: { activation: 'RELU' } });
    [h, hq] = [hn, nq];
  }
  const zc = T.act('Zc', [N, 1], q.Zc);
  fcOp(h, T.fc('cell', w.Wc, w.bc.data, hq.scale[0]), zc);
  const pc = T.act('Pc', [N, 1], PROB);
  ops.push({ op: 'LOGISTIC', inputs: [zc], outputs: [pc], options: {} });
  const s = T.act('S', [N, 1], q.S);
  fcOp(h, T.fc('gate', w.Wg, w.bg.data, hq.scale[0]), s);
  const sm = T.act('Sm', [N, 1], q.Sm);
  ops.push({ op: 'ADD', inputs: [s, T.constI8('mask', [N, 1], packMask(o.series, o.parallel))], outputs: [sm], options: { activation: 'NONE' } });
  const shape = T.add({ name: 'Sm_shape', type: 'int32', shape: [2], data: Int32Array.from([1, N]) });
  const sr = T.act('Sm_row', [1, N], q.Sm);
  ops.push({ op: 'RESHAPE', inputs: [sm, shape], outputs: [sr], options: { newShape: [1, N] } });
  const pa = T.act('P', [1, N], PROB);
  ops.push({ op: 'SOFTMAX', inputs: [sr], outputs: [pa], options: { beta: 1 } });
  const g = T.act('G', [1, HIDDEN], q.G);
  bmm(pa, h, g);
  const zp = T.act('Zp', [1, 1], q.Zp);
  fcOp(g, T.fc('pack', w.Wp, w.bp.data, q.G.scale[0]), zp);
  const pp = T.act('Pp', [1, 1], PROB);
  ops.push({ op: 'LOGISTIC', inputs: [zp], outputs: [pp], options: {} });
  const zl = T.act('Zl', [N, 1], q.Zl);
  fcOp(h, T.fc('lead', w.Wl, w.bl.data, hq.scale[0]), zl);
  const pl = T.act('Pl', [N, 1], PROB);
  ops.push({ op: 'LOGISTIC', inputs: [zl], outputs: [pl], options: {} });
  const ec = T.constI8('Ec', [OUT_ROWS, N], Array.from({ length: OUT_ROWS * N }, (_, i) => (Math.floor(i / N) === i % N ? 1 : 0)));
  const ep = T.constI8('Ep', [OUT_ROWS, 1], Array.from({ length: OUT_ROWS }, (_, i) => (i === N ? 1 : 0)));
  const el = T.constI8('El', [OUT_ROWS, N], Array.from({ length: OUT_ROWS * N }, (_, i) => (Math.floor(i / N) === LEAD_ROW + (i % N) ? 1 : 0)));
  const yc = T.act('Yc', [OUT_ROWS, 1], PROB);
  bmm(ec, pc, yc);
  const yp = T.act('Yp', [OUT_ROWS, 1], PROB);
  bmm(ep, pp, yp);
  const yl = T.act('Yl', [OUT_ROWS, 1], PROB);
  bmm(el, pl, yl);
  const yr = T.act('Yr', [OUT_ROWS, 1], PROB);
  ops.push({ op: 'ADD', inputs: [yc, yp], outputs: [yr], options: { activation: 'NONE' } });
  const y = T.act('Y', [OUT_ROWS, 1], PROB);
  ops.push({ op: 'ADD', inputs: [yr, yl], outputs: [y], options: { activation: 'NONE' } });
  return {
    description: `dendra pack model: ${o.series}x${o.parallel} cell graph, 3 message-passing layers, per-cell and attention-pooled pack dendrite-initiation risk, per-cell cycles to initiation`,
    tensors: T.list, ops, inputs: [x], outputs: [y], metadata: o.metadata ? { dendra: o.metadata } : {},
  };
}

/** Quantizes one sample's normalized features [16*F] with the model's input parameters. */
export function quantizeInput(m: QModel, x: ArrayLike<number>): Int8Array {
  const q = m.tensors[m.inputs[0]].quant!;
  return Int8Array.from(x, (v) => Math.max(-128, Math.min(127, roundHalfAway(v / q.scale[0]) + q.zeroPoint[0])));
}

/**
 * Runs the int8 models over a split: one QModel per pack configuration (cached by topology), built
 * by `build`. Returns per-cell [S, 16] and pack [S] probabilities and the per-cell lead in cycles
 * [S, 16] (as the board reads it: q + 128).
 */
export function predictInt8(st: SplitTensors, build: (series: number, parallel: number) => QModel): { cell: Float32Array; pack: Float32Array; lead: Float32Array } {
  const cache = new Map<string, QModel>();
  const nodeF = MAX_CELLS * N_FEATURES;
  const cell = new Float32Array(st.split.size * MAX_CELLS);
  const pack = new Float32Array(st.split.size);
  const lead = new Float32Array(st.split.size * MAX_CELLS);
  for (let s = 0; s < st.split.size; s++) {
    const spec = st.split.packs[st.split.pack[s]];
    const key = `${spec.series}x${spec.parallel}`;
    const m = cache.get(key) ?? cache.set(key, build(spec.series, spec.parallel)).get(key)!;
    const y = runInt8(m, quantizeInput(m, st.x.subarray(s * nodeF, (s + 1) * nodeF)));
    for (let k = 0; k < MAX_CELLS; k++) {
      cell[s * MAX_CELLS + k] = (y[k] + 128) / 256;
      lead[s * MAX_CELLS + k] = (LEAD_MAX * (y[LEAD_ROW + k] + 128)) / 256;
    }
    pack[s] = (y[MAX_CELLS] + 128) / 256;
  }
  return { cell, pack, lead };
}

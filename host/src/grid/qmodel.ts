/**
 * Calibration of the float grid model and its int8 QModel, tensor for tensor and op for op the
 * graph of CONTRACTS.md "The grid model".
 */
import * as tf from '@tensorflow/tfjs';
import type { QModel, QParams, QTensor } from '../tflite/ir.ts';
import {
  activationParams, quantizeBias, quantizeWeightsPerChannel, quantizeWeightsPerTensor, RangeObserver, type QuantizedWeights,
} from '../quant/ptq.ts';
import { HORIZON, N_CHANNELS, TARGET, WINDOW } from './data.ts';
import type { Matrix } from './graph.ts';
import { forwardAll, HIDDEN, type GridParams, type GridWeights } from './model.ts';
import { gatherWindows } from './window.ts';

/** Activations whose ranges calibration observes (P is fixed by TFLite: 1/256, -128). */
export const CALIBRATED = ['X', 'H0', 'M1', 'H1', 'M2', 'H2', 'S', 'G', 'Yh', 'Yl', 'Y'] as const;
/** One calibrated activation. */
export type CalibratedName = (typeof CALIBRATED)[number];
/** Observed [min, max] per activation. */
export type Ranges = Record<CalibratedName, { min: number; max: number }>;

/** Fixed softmax output quantization of TFLite int8 (scale 1/256, zero point -128). */
export const SOFTMAX_OUT: QParams = { scale: [1 / 256], zeroPoint: [-128], axis: 0 };

/**
 * Runs the float model over the calibration windows and records each activation's min/max.
 *
 * @param z Normalized time-major rows (see normalizeRows).
 * @param starts Start rows of the calibration windows.
 * @throws Error when `starts` is empty.
 */
export function calibrate(p: GridParams, adjacency: Matrix, z: Float32Array, starts: readonly number[], batch = 256): Ranges {
  if (starts.length === 0) throw new Error('calibration needs at least one window');
  const obs = Object.fromEntries(CALIBRATED.map((k) => [k, new RangeObserver()])) as Record<CalibratedName, RangeObserver>;
  const a = tf.tensor2d(adjacency);
  for (let i = 0; i < starts.length; i += batch) {
    const b = gatherWindows(z, starts.slice(i, i + batch));
    tf.tidy(() => {
      const acts = forwardAll(p, a, tf.tensor3d(b.x, [b.size, N_CHANNELS, WINDOW]));
      for (const k of CALIBRATED) obs[k].observe(acts[k].dataSync());
    });
  }
  a.dispose();
  return Object.fromEntries(CALIBRATED.map((k) => [k, { min: obs[k].min, max: obs[k].max }])) as Ranges;
}

/** Options of {@link buildGridQModel}. */
export interface BuildOptions {
  /** Per-channel weights on axis 0 (default true); false = per-tensor. */
  perChannel?: boolean;
  /** The encoded "dendra" metadata buffer. */
  metadata: Uint8Array;
  /** TFLite description string. */
  description?: string;
}

/** Appends tensors and returns their indices. */
class TensorList {
  readonly tensors: QTensor[] = [];
  add(t: QTensor): number {
    this.tensors.push(t);
    return this.tensors.length - 1;
  }
}

/** Adds one FULLY_CONNECTED layer's weight and bias tensors; returns their indices. */
function addFcParams(
  list: TensorList, w: GridWeights, layer: 0 | 1 | 2 | 'g' | 'h' | 'l', inScale: number, perChannel: boolean,
): [number, number] {
  const W = w[`W${layer}`];
  const b = w[`b${layer}`];
  const qw: QuantizedWeights = perChannel ? quantizeWeightsPerChannel(W.data, W.shape[0]) : quantizeWeightsPerTensor(W.data);
  const qb = quantizeBias(b.data, inScale, qw.quant.scale);
  return [
    list.add({ name: `W${layer}`, type: 'int8', shape: [...W.shape], quant: qw.quant, data: qw.data }),
    list.add({ name: `b${layer}`, type: 'int32', shape: [...b.shape], quant: qb.quant, data: qb.data }),
  ];
}

/** An int8 activation tensor with its calibrated parameters. */
function act(name: string, shape: number[], quant: QParams): QTensor {
  return { name, type: 'int8', shape, quant };
}

/**
 * Builds the int8 QModel: tensors X, W0, b0, H0, A, M1, W1, b1, H1, M2, W2, b2, H2, Wg, bg, S,
 * shape, S', P, G, Wh, bh, Yh, SEL, Xot, Wl, bl, Yl, Y and the thirteen ops of the contract's
 * table, in that order. The OT node's window is selected by a BATCH_MATMUL with a constant one-hot
 * row (value 127 at scale 1/127) whose output keeps X's quantization, so it is X's row exactly.
 *
 * @throws Error when a range is not finite or a bias overflows int32.
 */
export function buildGridQModel(w: GridWeights, adjacency: Matrix, ranges: Ranges, opts: BuildOptions): QModel {
  const perChannel = opts.perChannel ?? true;
  const q = Object.fromEntries(CALIBRATED.map((k) => [k, activationParams(ranges[k].min, ranges[k].max)])) as Record<CalibratedName, QParams>;
  const L = new TensorList();
  const fcOpt = (relu: boolean) => ({ activation: relu ? 'RELU' as const : 'NONE' as const, keepNumDims: false });
  const x = L.add(act('X', [N_CHANNELS, WINDOW], q.X));
  const [w0, b0] = addFcParams(L, w, 0, q.X.scale[0], perChannel);
  const h0 = L.add(act('H0', [N_CHANNELS, HIDDEN], q.H0));
  const qa = quantizeWeightsPerTensor(adjacency.flat());
  const a = L.add({ name: 'A', type: 'int8', shape: [N_CHANNELS, N_CHANNELS], quant: qa.quant, data: qa.data });
  const m1 = L.add(act('M1', [N_CHANNELS, HIDDEN], q.M1));
  const [w1, b1] = addFcParams(L, w, 1, q.M1.scale[0], perChannel);
  const h1 = L.add(act('H1', [N_CHANNELS, HIDDEN], q.H1));
  const m2 = L.add(act('M2', [N_CHANNELS, HIDDEN], q.M2));
  const [w2, b2] = addFcParams(L, w, 2, q.M2.scale[0], perChannel);
  const h2 = L.add(act('H2', [N_CHANNELS, HIDDEN], q.H2));
  const [wg, bg] = addFcParams(L, w, 'g', q.H2.scale[0], perChannel);
  const s = L.add(act('S', [N_CHANNELS, 1], q.S));
  const shape = L.add({ name: 'S_shape', type: 'int32', shape: [2], data: Int32Array.from([1, N_CHANNELS]) });
  const s2 = L.add(act('S_row', [1, N_CHANNELS], { ...q.S, scale: [...q.S.scale], zeroPoint: [...q.S.zeroPoint] }));
  const p = L.add(act('P', [1, N_CHANNELS], { scale: [...SOFTMAX_OUT.scale], zeroPoint: [...SOFTMAX_OUT.zeroPoint], axis: 0 }));
  const g = L.add(act('G', [1, HIDDEN], q.G));
  const [wh, bh] = addFcParams(L, w, 'h', q.G.scale[0], perChannel);
  const yh = L.add(act('Yh', [1, HORIZON], q.Yh));
  const sel = L.add({
    name: 'SEL', type: 'int8', shape: [1, N_CHANNELS], quant: { scale: [1 / 127], zeroPoint: [0], axis: 0 },
    data: Int8Array.from({ length: N_CHANNELS }, (_, c) => (c === TARGET ? 127 : 0)),
  });
  const xot = L.add(act('Xot', [1, WINDOW], { ...q.X, scale: [...q.X.scale], zeroPoint: [...q.X.zeroPoint] }));
  const [wl, bl] = addFcParams(L, w, 'l', q.X.scale[0], perChannel);
  const yl = L.add(act('Yl', [1, HORIZON], q.Yl));
  const y = L.add(act('Y', [1, HORIZON], q.Y));
  const bmm = { adjX: false, adjY: false };
  return {
    description: opts.description ?? 'dendra grid model: channel-graph message passing, attention pooling, 24 h OT forecast',
    tensors: L.tensors,
    ops: [
      { op: 'FULLY_CONNECTED', inputs: [x, w0, b0], outputs: [h0], options: fcOpt(true) },
      { op: 'BATCH_MATMUL', inputs: [a, h0], outputs: [m1], options: bmm },
      { op: 'FULLY_CONNECTED', inputs: [m1, w1, b1], outputs: [h1], options: fcOpt(true) },
      { op: 'BATCH_MATMUL', inputs: [a, h1], outputs: [m2], options: bmm },
      { op: 'FULLY_CONNECTED', inputs: [m2, w2, b2], outputs: [h2], options: fcOpt(true) },
      { op: 'FULLY_CONNECTED', inputs: [h2, wg, bg], outputs: [s], options: fcOpt(false) },
      { op: 'RESHAPE', inputs: [s, shape], outputs: [s2], options: { newShape: [1, N_CHANNELS] } },
      { op: 'SOFTMAX', inputs: [s2], outputs: [p], options: { beta: 1 } },
      { op: 'BATCH_MATMUL', inputs: [p, h2], outputs: [g], options: bmm },
      { op: 'FULLY_CONNECTED', inputs: [g, wh, bh], outputs: [yh], options: fcOpt(false) },
      { op: 'BATCH_MATMUL', inputs: [sel, x], outputs: [xot], options: bmm },
      { op: 'FULLY_CONNECTED', inputs: [xot, wl, bl], outputs: [yl], options: fcOpt(false) },
      { op: 'ADD', inputs: [yh, yl], outputs: [y], options: { activation: 'NONE' } },
    ],
    inputs: [x],
    outputs: [y],
    metadata: { dendra: opts.metadata },
  };
}

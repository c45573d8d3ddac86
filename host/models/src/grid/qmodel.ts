/**
 * Calibration of the float grid model and its int8 QModel, tensor for tensor and op for op the
 * graph of CONTRACTS.md "The grid model".
 */
import * as tf from '@tensorflow/tfjs';
import type { QModel, QParams, QTensor } from '@dendra/core/tflite/ir.ts';
import {
  activationParams, quantizeBias, quantizeWeightsPerChannel, quantizeWeightsPerTensor, RangeObserver, type QuantizedWeights,
} from '../quant/ptq.ts';
import { BOARD_LAYOUT, type Layout } from './config.ts';
import type { Matrix } from './graph.ts';
import { forwardAll, HIDDEN, type GridParams, type GridWeights } from './model.ts';
import { gatherWindows } from './window.ts';

/** Activations whose ranges calibration observes (P is fixed by TFLite: 1/256, -128; Z only in setting M). */
export const CALIBRATED = ['X', 'H0', 'M1', 'H1', 'M2', 'H2', 'S', 'G', 'Z', 'Yh', 'Yl', 'Y'] as const;
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
export function calibrate(p: GridParams, adjacency: Matrix, z: Float32Array, starts: readonly number[], batch = 256, lay: Layout = BOARD_LAYOUT): Ranges {
  if (starts.length === 0) throw new Error('calibration needs at least one window');
  const obs = Object.fromEntries(CALIBRATED.map((k) => [k, new RangeObserver()])) as Record<CalibratedName, RangeObserver>;
  const a = tf.tensor2d(adjacency);
  for (let i = 0; i < starts.length; i += batch) {
    const b = gatherWindows(z, starts.slice(i, i + batch), lay);
    tf.tidy(() => {
      const acts = forwardAll(p, a, tf.tensor3d(b.x, [b.size, lay.inputs.length, lay.cfg.window]), lay);
      for (const k of CALIBRATED) {
        const t = acts[k];
        if (t) obs[k].observe(t.dataSync());
      }
    });
  }
  a.dispose();
  // Z exists only in setting M; elsewhere it gets the (unused) range [0, 0].
  return Object.fromEntries(CALIBRATED.map((k) => [k, { min: Math.min(obs[k].min, 0), max: Math.max(obs[k].max, 0) }])) as Ranges;
}

/** Options of {@link buildGridQModel}. */
export interface BuildOptions {
  /** Per-channel weights on axis 0 (default true); false = per-tensor. */
  perChannel?: boolean;
  /** The encoded "dendra" metadata buffer. */
  metadata: Uint8Array;
  /** TFLite description string. */
  description?: string;
  /** Sizes and setting (default: the board's). */
  layout?: Layout;
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
 * Setting M (host-only: the firmware takes [1, H] outputs) ends instead with ADD(H2, G) -> Z
 * (broadcast over nodes), FC(Z) -> Yh [n, H], FC(X) -> Yl [n, H] (shared skip), ADD -> Y [n, H].
 *
 * @throws Error when a range is not finite or a bias overflows int32.
 */
export function buildGridQModel(w: GridWeights, adjacency: Matrix, ranges: Ranges, opts: BuildOptions): QModel {
  const lay = opts.layout ?? BOARD_LAYOUT;
  const n = lay.inputs.length;
  const L = lay.cfg.window;
  const H = lay.cfg.horizon;
  const perNode = lay.cfg.setting === 'M';
  const perChannel = opts.perChannel ?? true;
  const q = Object.fromEntries(CALIBRATED.map((k) => [k, activationParams(ranges[k].min, ranges[k].max)])) as Record<CalibratedName, QParams>;
  const L_ = new TensorList();
  const fcOpt = (relu: boolean) => ({ activation: relu ? 'RELU' as const : 'NONE' as const, keepNumDims: false });
  const x = L_.add(act('X', [n, L], q.X));
  const [w0, b0] = addFcParams(L_, w, 0, q.X.scale[0], perChannel);
  const h0 = L_.add(act('H0', [n, HIDDEN], q.H0));
  const qa = quantizeWeightsPerTensor(adjacency.flat());
  const a = L_.add({ name: 'A', type: 'int8', shape: [n, n], quant: qa.quant, data: qa.data });
  const m1 = L_.add(act('M1', [n, HIDDEN], q.M1));
  const [w1, b1] = addFcParams(L_, w, 1, q.M1.scale[0], perChannel);
  const h1 = L_.add(act('H1', [n, HIDDEN], q.H1));
  const m2 = L_.add(act('M2', [n, HIDDEN], q.M2));
  const [w2, b2] = addFcParams(L_, w, 2, q.M2.scale[0], perChannel);
  const h2 = L_.add(act('H2', [n, HIDDEN], q.H2));
  const [wg, bg] = addFcParams(L_, w, 'g', q.H2.scale[0], perChannel);
  const s = L_.add(act('S', [n, 1], q.S));
  const shape = L_.add({ name: 'S_shape', type: 'int32', shape: [2], data: Int32Array.from([1, n]) });
  const s2 = L_.add(act('S_row', [1, n], { ...q.S, scale: [...q.S.scale], zeroPoint: [...q.S.zeroPoint] }));
  const p = L_.add(act('P', [1, n], { scale: [...SOFTMAX_OUT.scale], zeroPoint: [...SOFTMAX_OUT.zeroPoint], axis: 0 }));
  const g = L_.add(act('G', [1, HIDDEN], q.G));
  const bmm = { adjX: false, adjY: false };
  const trunk: QModel['ops'] = [
    { op: 'FULLY_CONNECTED', inputs: [x, w0, b0], outputs: [h0], options: fcOpt(true) },
    { op: 'BATCH_MATMUL', inputs: [a, h0], outputs: [m1], options: bmm },
    { op: 'FULLY_CONNECTED', inputs: [m1, w1, b1], outputs: [h1], options: fcOpt(true) },
    { op: 'BATCH_MATMUL', inputs: [a, h1], outputs: [m2], options: bmm },
    { op: 'FULLY_CONNECTED', inputs: [m2, w2, b2], outputs: [h2], options: fcOpt(true) },
    { op: 'FULLY_CONNECTED', inputs: [h2, wg, bg], outputs: [s], options: fcOpt(false) },
    { op: 'RESHAPE', inputs: [s, shape], outputs: [s2], options: { newShape: [1, n] } },
    { op: 'SOFTMAX', inputs: [s2], outputs: [p], options: { beta: 1 } },
    { op: 'BATCH_MATMUL', inputs: [p, h2], outputs: [g], options: bmm },
  ];
  const head = perNode ? perNodeHead(L_, w, q, { x, h2, g, n, H, perChannel }) : pooledHead(L_, w, q, { x, g, n, L, H, target: lay.targetNode, perChannel });
  return {
    description: opts.description ?? `dendra grid model: channel-graph message passing, attention pooling, ${H} h ${perNode ? 'forecast of every channel' : 'OT forecast'}`,
    tensors: L_.tensors,
    ops: [...trunk, ...head.ops],
    inputs: [x],
    outputs: [head.y],
    metadata: { dendra: opts.metadata },
  };
}

/** S/MS head: FC(G) -> Yh [1,H]; SEL.X -> Xot; FC(Xot) -> Yl; ADD -> Y [1,H]. */
function pooledHead(
  L_: TensorList, w: GridWeights, q: Record<CalibratedName, QParams>,
  t: { x: number; g: number; n: number; L: number; H: number; target: number; perChannel: boolean },
): { ops: QModel['ops']; y: number } {
  const fcNone = { activation: 'NONE' as const, keepNumDims: false };
  const [wh, bh] = addFcParams(L_, w, 'h', q.G.scale[0], t.perChannel);
  const yh = L_.add(act('Yh', [1, t.H], q.Yh));
  const sel = L_.add({
    name: 'SEL', type: 'int8', shape: [1, t.n], quant: { scale: [1 / 127], zeroPoint: [0], axis: 0 },
    data: Int8Array.from({ length: t.n }, (_, c) => (c === t.target ? 127 : 0)),
  });
  const xot = L_.add(act('Xot', [1, t.L], { ...q.X, scale: [...q.X.scale], zeroPoint: [...q.X.zeroPoint] }));
  const [wl, bl] = addFcParams(L_, w, 'l', q.X.scale[0], t.perChannel);
  const yl = L_.add(act('Yl', [1, t.H], q.Yl));
  const y = L_.add(act('Y', [1, t.H], q.Y));
  return {
    y,
    ops: [
      { op: 'FULLY_CONNECTED', inputs: [t.g, wh, bh], outputs: [yh], options: fcNone },
      { op: 'BATCH_MATMUL', inputs: [sel, t.x], outputs: [xot], options: { adjX: false, adjY: false } },
      { op: 'FULLY_CONNECTED', inputs: [xot, wl, bl], outputs: [yl], options: fcNone },
      { op: 'ADD', inputs: [yh, yl], outputs: [y], options: { activation: 'NONE' } },
    ],
  };
}

/** M head: ADD(H2, G) -> Z [n,16]; FC(Z) -> Yh [n,H]; FC(X) -> Yl [n,H]; ADD -> Y [n,H]. */
function perNodeHead(
  L_: TensorList, w: GridWeights, q: Record<CalibratedName, QParams>,
  t: { x: number; h2: number; g: number; n: number; H: number; perChannel: boolean },
): { ops: QModel['ops']; y: number } {
  const fcNone = { activation: 'NONE' as const, keepNumDims: false };
  const z = L_.add(act('Z', [t.n, HIDDEN], q.Z));
  const [wh, bh] = addFcParams(L_, w, 'h', q.Z.scale[0], t.perChannel);
  const yh = L_.add(act('Yh', [t.n, t.H], q.Yh));
  const [wl, bl] = addFcParams(L_, w, 'l', q.X.scale[0], t.perChannel);
  const yl = L_.add(act('Yl', [t.n, t.H], q.Yl));
  const y = L_.add(act('Y', [t.n, t.H], q.Y));
  return {
    y,
    ops: [
      { op: 'ADD', inputs: [t.h2, t.g], outputs: [z], options: { activation: 'NONE' } },
      { op: 'FULLY_CONNECTED', inputs: [z, wh, bh], outputs: [yh], options: fcNone },
      { op: 'FULLY_CONNECTED', inputs: [t.x, wl, bl], outputs: [yl], options: fcNone },
      { op: 'ADD', inputs: [yh, yl], outputs: [y], options: { activation: 'NONE' } },
    ],
  };
}

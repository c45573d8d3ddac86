/**
 * Small deterministic int8 QModels for tests (codec round trips, executor, oracle): a grid-like
 * graph with all four of Dendra's ops, and a single FULLY_CONNECTED layer.
 */
import type { QModel, QParams, QTensor } from './ir.ts';

/** Deterministic xorshift32 generator in [0, 2^32). */
export function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

/** n int8 values drawn from the generator in [lo, hi]. */
export function randomInt8(rnd: () => number, n: number, lo = -128, hi = 127): Int8Array {
  const a = new Int8Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (rnd() % (hi - lo + 1));
  return a;
}

function pt(scale: number, zp: number): QParams {
  return { scale: [Math.fround(scale)], zeroPoint: [zp], axis: 0 };
}

/** Weights + bias of an FC layer: per-channel (axis 0) or per-tensor symmetric int8. */
function fcParams(rnd: () => number, name: string, outC: number, inC: number, inScale: number, perChannel: boolean): QTensor[] {
  const wScale = Array.from({ length: perChannel ? outC : 1 }, (_, c) => Math.fround(0.004 + 0.001 * ((c * 7) % 5)));
  const w: QTensor = {
    name: `W${name}`, type: 'int8', shape: [outC, inC], data: randomInt8(rnd, outC * inC, -127, 127),
    quant: { scale: wScale, zeroPoint: wScale.map(() => 0), axis: 0 },
  };
  const bScale = Array.from({ length: outC }, (_, c) => Math.fround(inScale * wScale[perChannel ? c : 0]));
  const bias = Int32Array.from({ length: outC }, () => (rnd() % 2001) - 1000);
  const b: QTensor = {
    name: `b${name}`, type: 'int32', shape: [outC], data: bias,
    quant: { scale: perChannel ? bScale : [bScale[0]], zeroPoint: (perChannel ? bScale : [0]).map(() => 0), axis: 0 },
  };
  return [w, b];
}

/**
 * Grid-like model (N nodes, window L, hidden F, horizon H): FC(RELU) -> BMM(A) -> FC(none) -> RESHAPE
 * -> SOFTMAX -> BMM(P, H) -> FC(none). Input X [N,L], output Y [1,H].
 */
export function miniGridModel(opts: { perChannel: boolean; n?: number; l?: number; f?: number; h?: number; seed?: number }): QModel {
  const { n = 4, l = 8, f = 6, h = 3 } = opts;
  const rnd = xorshift(opts.seed ?? 7);
  const t: QTensor[] = [];
  const add = (x: QTensor) => t.push(x) - 1;
  const X = add({ name: 'X', type: 'int8', shape: [n, l], quant: pt(0.05, -3) });
  const [w0, b0] = fcParams(rnd, '0', f, l, t[X].quant!.scale[0], opts.perChannel).map(add);
  const H0 = add({ name: 'H0', type: 'int8', shape: [n, f], quant: pt(0.03, -128) });
  const A = add({ name: 'A', type: 'int8', shape: [n, n], quant: pt(1 / 127, 0), data: randomInt8(rnd, n * n, 0, 127) });
  const M1 = add({ name: 'M1', type: 'int8', shape: [n, f], quant: pt(0.04, -100) });
  const [wg, bg] = fcParams(rnd, 'g', 1, f, t[M1].quant!.scale[0], opts.perChannel).map(add);
  const S = add({ name: 'S', type: 'int8', shape: [n, 1], quant: pt(0.02, 5) });
  const shape = add({ name: 'S_shape', type: 'int32', shape: [2], data: Int32Array.from([1, n]) });
  const S2 = add({ name: 'S_row', type: 'int8', shape: [1, n], quant: pt(0.02, 5) });
  const P = add({ name: 'P', type: 'int8', shape: [1, n], quant: pt(1 / 256, -128) });
  const G = add({ name: 'G', type: 'int8', shape: [1, f], quant: pt(0.03, -90) });
  const [wh, bh] = fcParams(rnd, 'h', h, f, t[G].quant!.scale[0], opts.perChannel).map(add);
  const Y = add({ name: 'Y', type: 'int8', shape: [1, h], quant: pt(0.01, 2) });
  const bmm = { adjX: false, adjY: false };
  return {
    description: 'dendra test model',
    tensors: t,
    ops: [
      { op: 'FULLY_CONNECTED', inputs: [X, w0, b0], outputs: [H0], options: { activation: 'RELU', keepNumDims: false } },
      { op: 'BATCH_MATMUL', inputs: [A, H0], outputs: [M1], options: bmm },
      { op: 'FULLY_CONNECTED', inputs: [M1, wg, bg], outputs: [S], options: { activation: 'NONE', keepNumDims: false } },
      { op: 'RESHAPE', inputs: [S, shape], outputs: [S2], options: { newShape: [1, n] } },
      { op: 'SOFTMAX', inputs: [S2], outputs: [P], options: { beta: 1 } },
      { op: 'BATCH_MATMUL', inputs: [P, M1], outputs: [G], options: bmm },
      { op: 'FULLY_CONNECTED', inputs: [G, wh, bh], outputs: [Y], options: { activation: 'NONE', keepNumDims: false } },
    ],
    inputs: [X],
    outputs: [Y],
    metadata: { dendra: Uint8Array.from([1, 2, 3]) },
  };
}

/** One FULLY_CONNECTED layer [batch,inC] -> [batch,outC] with the given activation. */
export function fcModel(opts: { perChannel: boolean; batch: number; inC: number; outC: number; activation?: 'NONE' | 'RELU' | 'RELU6'; seed?: number }): QModel {
  const rnd = xorshift(opts.seed ?? 11);
  const t: QTensor[] = [];
  const add = (x: QTensor) => t.push(x) - 1;
  const X = add({ name: 'X', type: 'int8', shape: [opts.batch, opts.inC], quant: pt(0.05, 7) });
  const [w, b] = fcParams(rnd, '', opts.outC, opts.inC, t[X].quant!.scale[0], opts.perChannel).map(add);
  const Y = add({ name: 'Y', type: 'int8', shape: [opts.batch, opts.outC], quant: pt(opts.activation === 'RELU6' ? 6 / 255 : 0.06, opts.activation === 'RELU6' ? -128 : -10) });
  return {
    description: 'fc test model',
    tensors: t,
    ops: [{ op: 'FULLY_CONNECTED', inputs: [X, w, b], outputs: [Y], options: { activation: opts.activation ?? 'NONE', keepNumDims: false } }],
    inputs: [X],
    outputs: [Y],
    metadata: {},
  };
}

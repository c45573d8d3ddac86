// Pack model metadata (app/packmeta.ts) and the pack alert's attribution (app/packattrib.ts) on a
// tiny "pack model": 2 cells x F = 12 features (window W = 1: 6 per-cycle + 6 static channels),
// input int8 [1, 24] (scale 1, zp 0) -> FULLY_CONNECTED -> output [1, 3] (cell 0, cell 1, pack).
// Cell 0's risk is its vSpread (feature 2), cell 1's its ccd (feature 6 + 2), the pack risk 0.
import { ModelSpec, TensorSpec, OpSpec, buildModel, i8Bytes, loadBytes, runInt8 } from "../../../tests/testing";
import { modelInputPtr } from "../../interp/interpreter";
import { metaParse } from "../meta";
import * as P from "./packmeta";
import { txt } from "../../../tests/texts";
import { packAttribCompute, packAttribCount, packAttribName, packAttribDelta } from "./packattrib";
import * as S from "../../status";
import * as T from "../../tflite/schema";

const F = 12;

function f32le(v: f32, out: i32[]): void {
  const u = reinterpret<u32>(v);
  for (let i = 0; i < 4; i++) out.push(<i32>((u >> (8 * i)) & 0xff));
}

/** The "dendra" v2 buffer of kind `kind`: F features, window `w`, horizon 20, 2 cells, threshold, hysteresis. */
function metaBytes(kind: i32, w: i32, thr: f32, hyst: f32, stdAll: f32 = 1): Uint8Array {
  const b: i32[] = [0x44, 0x4d, 0x44, 0x31, 2, 0, F, 0, w, 0, 20, 0, 2, 0, kind, 0];
  for (let c = 0; c < F; c++) f32le(0, b);
  for (let c = 0; c < F; c++) f32le(stdAll, b);
  f32le(thr, b);
  f32le(hyst, b);
  b.push(7); b.push(0); b.push(0); b.push(0);
  b.push(4); b.push(0x70); b.push(0x61); b.push(0x63); b.push(0x6b);
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = <u8>b[i];
  return out;
}

function packModel(meta: Uint8Array): Uint8Array {
  const wts: i32[] = [];
  for (let i = 0; i < 3 * 2 * F; i++) wts.push(0);
  wts[2] = 1; // row 0 (cell 0 risk) <- cell 0 feature 2 (vSpread)
  wts[2 * F + F + 8] = 1; // row 1 (cell 1 risk) <- cell 1 feature 8 (ccd)
  const m = new ModelSpec();
  m.opcodes = [T.OP_FULLY_CONNECTED];
  m.buffers.push(i8Bytes(wts));
  m.buffers.push(meta);
  m.tensors = [
    new TensorSpec([1, 2 * F], T.TYPE_INT8, 0, [1.0], [0]),
    new TensorSpec([3, 2 * F], T.TYPE_INT8, 1, [1.0], [0], 0),
    new TensorSpec([1, 3], T.TYPE_INT8, 0, [1.0], [0]),
  ];
  const op = new OpSpec(0, [0, 1, -1], [2]);
  op.optType = T.OPTS_FULLY_CONNECTED;
  m.ops = [op];
  m.inputs = [0];
  m.outputs = [2];
  m.metaName = "dendra";
  m.metaBuffer = 2;
  return buildModel(m);
}

/** Input with cell 0 vSpread = a and cell 1 ccd = b, every other feature 0. */
function input(a: i32, b: i32): i32[] {
  const x: i32[] = [];
  for (let i = 0; i < 2 * F; i++) x.push(0);
  x[2] = a;
  x[F + 8] = b;
  return x;
}

describe("pack metadata", () => {
  test("a pack model parses: features, window, horizon, cells, threshold, hysteresis, version", () => {
    expect(loadBytes(packModel(metaBytes(1, 1, 0.75, 0.05)))).toBe(S.OK);
    expect(P.packMetaParse()).toBe(S.OK);
    expect(P.packFeatures).toBe(<u32>F);
    expect(P.packWindow).toBe(1);
    expect(P.packHorizon).toBe(20);
    expect(P.packCells).toBe(2);
    expect(P.packThreshold).toBe(<f64>(<f32>0.75));
    expect(P.packHysteresis).toBe(<f64>(<f32>0.05));
    expect(P.packVersion).toBe(7);
    expect(metaParse()).toBe(S.E_METADATA); // the grid app refuses a pack model
  });

  test("refused: grid kind, a layout that is not W x 6 + 6, threshold outside (0,1), hysteresis >= threshold, std 0", () => {
    expect(loadBytes(packModel(metaBytes(0, 1, 0.75, 0.05)))).toBe(S.OK);
    expect(P.packMetaParse()).toBe(S.E_METADATA);
    expect(P.packCells).toBe(0);
    expect(loadBytes(packModel(metaBytes(1, 2, 0.75, 0.05)))).toBe(S.OK);
    expect(P.packMetaParse()).toBe(S.E_METADATA);
    expect(loadBytes(packModel(metaBytes(1, 1, 1.0, 0.05)))).toBe(S.OK);
    expect(P.packMetaParse()).toBe(S.E_METADATA);
    expect(loadBytes(packModel(metaBytes(1, 1, 0.5, 0.5)))).toBe(S.OK);
    expect(P.packMetaParse()).toBe(S.E_METADATA);
    expect(loadBytes(packModel(metaBytes(1, 1, 0.5, 0.1, 0)))).toBe(S.OK);
    expect(P.packMetaParse()).toBe(S.E_METADATA);
  });
});

describe("pack attribution by occlusion", () => {
  test("one alerted cell: its driving group first, zero deltas after in group order, input restored", () => {
    expect(loadBytes(packModel(metaBytes(1, 1, 0.75, 0.05)))).toBe(S.OK);
    expect(P.packMetaParse()).toBe(S.OK);
    const x = input(5, 7);
    const y = runInt8(x);
    expect(y[0]).toBe(5);
    expect(y[1]).toBe(7);
    const cells = memory.data(2);
    const alive = memory.data(2);
    store<u8>(cells, 1); store<u8>(cells + 1, 0);
    store<u8>(alive, 1); store<u8>(alive + 1, 1);
    expect(packAttribCompute(cells, alive)).toBe(S.OK);
    expect(packAttribCount()).toBe(3);
    expect(txt(packAttribName(0))).toBe("vSpread");
    expect(packAttribDelta(0)).toBe(5.0);
    expect(txt(packAttribName(1))).toBe("iPeak"); // ties at 0: lower group first
    expect(packAttribDelta(1)).toBe(0.0);
    const p = modelInputPtr();
    for (let i = 0; i < 2 * F; i++) expect(<i32>load<i8>(p + i)).toBe(x[i]);
  });

  test("two alerted cells: mean drop per group, ranked by |delta|; a dead cell's features are not occluded", () => {
    expect(loadBytes(packModel(metaBytes(1, 1, 0.75, 0.05)))).toBe(S.OK);
    expect(P.packMetaParse()).toBe(S.OK);
    runInt8(input(5, 7));
    const cells = memory.data(2);
    const alive = memory.data(2);
    store<u8>(cells, 1); store<u8>(cells + 1, 1);
    store<u8>(alive, 1); store<u8>(alive + 1, 1);
    expect(packAttribCompute(cells, alive)).toBe(S.OK);
    expect(txt(packAttribName(0))).toBe("ccd");
    expect(packAttribDelta(0)).toBe(3.5);
    expect(txt(packAttribName(1))).toBe("vSpread");
    expect(packAttribDelta(1)).toBe(2.5);
    runInt8(input(5, 7));
    store<u8>(alive + 1, 0); // cell 1 dead: its ccd stays, so no group lowers its risk
    expect(packAttribCompute(cells, alive)).toBe(S.OK);
    expect(txt(packAttribName(0))).toBe("vSpread");
    expect(packAttribDelta(0)).toBe(2.5);
    expect(packAttribDelta(1)).toBe(0.0);
  });
});

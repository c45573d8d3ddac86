// Pack model metadata (app/packmeta.ts) and the pack alert's attribution (app/packattrib.ts) on a
// tiny "pack model": 2 cells x F = 12 features (window W = 1: 6 per-cycle + 6 static channels),
// input int8 [1, 24] (scale 1, zp 0) -> FULLY_CONNECTED -> output [1, 3] (cell 0, cell 1, pack).
// Cell 0's risk is its vSpread + ccd (features 2 and 6 + 2), cell 1's its logSigma + logShearRatio
// (features 6 and 7: the `electrolyte` group), the pack risk 0; the int8 output saturates at 127.
import { ModelSpec, TensorSpec, OpSpec, buildModel, i8Bytes, loadBytes, runInt8 } from "../../../tests/testing";
import { modelInputPtr } from "../../interp/interpreter";
import { metaParse } from "../meta";
import * as P from "./packmeta";
import { txt } from "../../../tests/texts";
import { packAttribCompute, packAttribCount, packAttribName, packAttribDelta } from "./packattrib";
import { alive, atRisk } from "./state";
import { shapPhi } from "../shapley";
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

function packModel(meta: Uint8Array, rows: i32 = 3): Uint8Array {
  const wts: i32[] = [];
  for (let i = 0; i < rows * 2 * F; i++) wts.push(0);
  wts[2] = 1; // row 0 (cell 0 risk) <- cell 0 feature 2 (vSpread)
  wts[8] = 1; // row 0 <- cell 0 feature 8 (ccd)
  wts[2 * F + F + 6] = 1; // row 1 (cell 1 risk) <- cell 1 feature 6 (logSigma)
  wts[2 * F + F + 7] = 1; // row 1 <- cell 1 feature 7 (logShearRatio)
  const m = new ModelSpec();
  m.opcodes = [T.OP_FULLY_CONNECTED];
  m.buffers.push(i8Bytes(wts));
  m.buffers.push(meta);
  m.tensors = [
    new TensorSpec([1, 2 * F], T.TYPE_INT8, 0, [1.0], [0]),
    new TensorSpec([rows, 2 * F], T.TYPE_INT8, 1, [1.0], [0], 0),
    new TensorSpec([1, rows], T.TYPE_INT8, 0, [1.0], [0]),
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

/** Input with cell 0 vSpread = a, ccd = c and cell 1 logSigma = b, logShearRatio = 1, every other feature 0. */
function input(a: i32, c: i32, b: i32): i32[] {
  const x: i32[] = [];
  for (let i = 0; i < 2 * F; i++) x.push(0);
  x[2] = a;
  x[8] = c;
  x[F + 6] = b;
  x[F + 7] = 1;
  return x;
}

/** Sets the alerted and alive flags of cells 0 and 1 (app/pack/state.ts). */
function flags(alert0: u8, alert1: u8, alive1: u8): void {
  store<u8>(atRisk, alert0); store<u8>(atRisk + 1, alert1);
  store<u8>(alive, 1); store<u8>(alive + 1, alive1);
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

  test("output rows: cells + 1 (no lead), 2 cells + 1 (lead rows after the pack row); any other count refused", () => {
    expect(loadBytes(packModel(metaBytes(1, 1, 0.75, 0.05)))).toBe(S.OK);
    expect(P.packMetaParse()).toBe(S.OK);
    expect(P.packHasLead).toBe(false);
    expect(loadBytes(packModel(metaBytes(1, 1, 0.75, 0.05), 5))).toBe(S.OK);
    expect(P.packMetaParse()).toBe(S.OK);
    expect(P.packHasLead).toBe(true);
    expect(loadBytes(packModel(metaBytes(1, 1, 0.75, 0.05), 4))).toBe(S.OK);
    expect(P.packMetaParse()).toBe(S.E_METADATA);
    expect(P.packCells).toBe(0);
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

describe("pack attribution by exact Shapley values", () => {
  test("a saturating cell: the two groups share the interaction (Shapley, not occlusion); input restored", () => {
    expect(loadBytes(packModel(metaBytes(1, 1, 0.75, 0.05)))).toBe(S.OK);
    expect(P.packMetaParse()).toBe(S.OK);
    // cell 0: 100 + 100 saturates at 127; one group occluded leaves 100, both 0. Occlusion would
    // give each 127 - 100 = 27; Shapley gives each (100 - 0) / 2 + (127 - 100) / 2 = 63.5.
    const x = input(100, 100, 3);
    const y = runInt8(x);
    expect(y[0]).toBe(127);
    flags(1, 0, 1);
    expect(packAttribCompute()).toBe(S.OK);
    expect(packAttribCount()).toBe(3);
    expect(txt(packAttribName(0))).toBe("vSpread");
    expect(packAttribDelta(0)).toBeCloseTo(63.5);
    expect(txt(packAttribName(1))).toBe("ccd");
    expect(packAttribDelta(1)).toBeCloseTo(63.5);
    expect(txt(packAttribName(2))).toBe("iPeak"); // ties at 0: lower group first
    expect(packAttribDelta(2)).toBeCloseTo(0.0);
    let sum: f64 = 0;
    for (let g = 0; g < 9; g++) sum += shapPhi(g);
    expect(sum).toBeCloseTo(127.0); // efficiency: v(all) - v(none)
    const p = modelInputPtr();
    for (let i = 0; i < 2 * F; i++) expect(<i32>load<i8>(p + i)).toBe(x[i]);
  });

  test("two alerted cells: the mean risk; both static features of `electrolyte` are one player; a dead cell is not occluded", () => {
    expect(loadBytes(packModel(metaBytes(1, 1, 0.75, 0.05)))).toBe(S.OK);
    expect(P.packMetaParse()).toBe(S.OK);
    runInt8(input(5, 0, 6));
    flags(1, 1, 1);
    expect(packAttribCompute()).toBe(S.OK);
    // cell 1: logSigma 6 + logShearRatio 1 = 7, all of it `electrolyte`; mean over 2 cells.
    expect(txt(packAttribName(0))).toBe("electrolyte");
    expect(packAttribDelta(0)).toBeCloseTo(3.5);
    expect(txt(packAttribName(1))).toBe("vSpread");
    expect(packAttribDelta(1)).toBeCloseTo(2.5);
    runInt8(input(5, 0, 6));
    flags(1, 1, 0); // cell 1 dead: its features stay, so no group lowers its risk
    expect(packAttribCompute()).toBe(S.OK);
    expect(txt(packAttribName(0))).toBe("vSpread");
    expect(packAttribDelta(0)).toBeCloseTo(2.5);
    expect(packAttribDelta(1)).toBeCloseTo(0.0);
  });
});

// Alert attribution by exact Shapley values (app/grid/attrib.ts, app/shapley.ts) on a tiny model with Dendra metadata:
// X int8 [3,2] (zero point -3) -> FULLY_CONNECTED with W = [1, 2] -> Y [3,1], read as a 3-hour
// forecast of channel 0 (std 1, out scale 1, out zp 0), so each channel owns one forecast hour and
// an occluded channel's hour is 0: the peak is a max game, whose Shapley values differ from the
// occlusion deltas (an additive game would not tell them apart).
import { ModelSpec, TensorSpec, OpSpec, buildModel, i8Bytes, loadBytes, runInt8 } from "../../../tests/testing";
import { modelInputPtr } from "../../interp/interpreter";
import { metaParse } from "../meta";
import { txt } from "../../../tests/texts";
import { attribCompute, attribCount, attribChannel, attribDelta, attribName } from "./attrib";
import { shapley, shapCount } from "../shapley";
import * as S from "../../status";
import * as T from "../../tflite/schema";

function f32le(v: f32, out: i32[]): void {
  const u = reinterpret<u32>(v);
  for (let i = 0; i < 4; i++) out.push(<i32>((u >> (8 * i)) & 0xff));
}

/** The "dendra" v2 buffer: 3 channels, window 2, horizon 3, target 0, std 1, limit 5. */
function metaBytes(): Uint8Array {
  const b: i32[] = [0x44, 0x4d, 0x44, 0x31, 2, 0, 3, 0, 2, 0, 3, 0, 0, 0, 0, 0];
  for (let c = 0; c < 3; c++) f32le(0, b);
  for (let c = 0; c < 3; c++) f32le(1, b);
  f32le(5, b);
  f32le(1, b);
  b.push(1); b.push(0); b.push(0); b.push(0);
  b.push(1); b.push(0x67);
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = <u8>b[i];
  return out;
}

function tinyModel(): Uint8Array {
  const m = new ModelSpec();
  m.opcodes = [T.OP_FULLY_CONNECTED];
  m.buffers.push(i8Bytes([1, 2]));
  m.buffers.push(metaBytes());
  m.tensors = [
    new TensorSpec([3, 2], T.TYPE_INT8, 0, [1.0], [-3]),
    new TensorSpec([1, 2], T.TYPE_INT8, 1, [1.0], [0], 0),
    new TensorSpec([3, 1], T.TYPE_INT8, 0, [1.0], [0]),
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

function noop(p: i32): void {}
function zero(): f64 { return 0; }

describe("attribution by exact Shapley values", () => {
  test("a max game: values, ranking (|value| then index), names, efficiency, and the input restored", () => {
    expect(loadBytes(tinyModel())).toBe(S.OK);
    expect(metaParse()).toBe(S.OK);
    // real rows (q + 3): [4,0] [1,1] [0,3] -> y = [4, 3, 6]; v(S) = max of S's hours (0 for S empty).
    // Shapley of a max game (sorted 3, 4, 6): 3/3 = 1; 1 + (4 - 3)/2 = 1.5; 1.5 - 0.5 + (6 - 4) = 3.5.
    // (Occlusion would give 0, 0, 2: only the peak hour's channel moves the peak alone.)
    const x: i32[] = [1, -3, -2, -2, -3, 0];
    const y = runInt8(x);
    expect(y[2]).toBe(6);
    expect(attribCompute()).toBe(S.OK);
    expect(attribCount()).toBe(3);
    expect(attribChannel(0)).toBe(2);
    expect(attribDelta(0)).toBeCloseTo(3.5);
    expect(attribChannel(1)).toBe(0);
    expect(attribDelta(1)).toBeCloseTo(1.5);
    expect(attribChannel(2)).toBe(1);
    expect(attribDelta(2)).toBeCloseTo(1.0);
    expect(attribDelta(0) + attribDelta(1) + attribDelta(2)).toBeCloseTo(6.0); // v(all) - v(none)
    expect(txt(attribName(0))).toBe("ch2");
    const p = modelInputPtr();
    for (let i = 0; i < 6; i++) expect(<i32>load<i8>(p + i)).toBe(x[i]);
  });

  test("forecasts all below zero: only the grand coalition keeps the peak at -1, so each channel gets -1/3", () => {
    expect(loadBytes(tinyModel())).toBe(S.OK);
    expect(metaParse()).toBe(S.OK);
    // real rows: [-4,0] [-1,0] [-2,0] -> y = [-4, -1, -2], peak -1; any occluded hour lifts it to 0.
    const y = runInt8([-7, -3, -4, -3, -5, -3]);
    expect(y[1]).toBe(-1);
    expect(attribCompute()).toBe(S.OK);
    for (let i = 0; i < 3; i++) {
      expect(attribChannel(i)).toBe(<u32>i); // ties: index order
      expect(attribDelta(i)).toBeCloseTo(-1.0 / 3.0);
    }
  });

  test("refused games: no players, more than 10 players, an input over the save buffer; count 0 after", () => {
    expect(loadBytes(tinyModel())).toBe(S.OK);
    expect(metaParse()).toBe(S.OK);
    runInt8([1, -3, -2, -2, -3, 0]);
    expect(attribCompute()).toBe(S.OK);
    expect(shapley(0, 6, noop, zero)).toBe(S.E_TOO_MANY);
    expect(shapCount()).toBe(0);
    expect(shapley(11, 6, noop, zero)).toBe(S.E_TOO_MANY);
    expect(shapley(3, 12481, noop, zero)).toBe(S.E_TOO_MANY);
    expect(attribCount()).toBe(0);
  });
});

// Alert attribution by occlusion (app/attrib.ts) on a tiny model with Dendra metadata:
// X int8 [3,2] (zero point -3) -> FULLY_CONNECTED with W = [1, 2] -> Y [3,1], read as a 3-hour
// forecast of channel 0 (std 1, out scale 1, out zp 0), so each channel owns one forecast hour.
import { ModelSpec, TensorSpec, OpSpec, buildModel, i8Bytes, loadBytes, runInt8 } from "../../../tests/testing";
import { modelInputPtr } from "../../interp/interpreter";
import { metaParse } from "../meta";
import { txt } from "../../../tests/texts";
import { attribCompute, attribCount, attribChannel, attribDelta, attribName } from "./attrib";
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

describe("attribution by occlusion", () => {
  test("deltas, ranking (|delta| then index), names, and the input restored", () => {
    expect(loadBytes(tinyModel())).toBe(S.OK);
    expect(metaParse()).toBe(S.OK);
    // real rows (q + 3): [4,0] [1,1] [0,3] -> y = [4, 3, 6]; occluding a row zeroes its hour.
    const x: i32[] = [1, -3, -2, -2, -3, 0];
    const y = runInt8(x);
    expect(y[2]).toBe(6);
    expect(attribCompute(6.0, 0.0)).toBe(S.OK);
    expect(attribCount()).toBe(3);
    // channel 2 occluded -> peak 4 (delta 2); channels 0 and 1 leave the peak at 6 (delta 0).
    expect(attribChannel(0)).toBe(2);
    expect(attribDelta(0)).toBe(2.0);
    expect(attribChannel(1)).toBe(0);
    expect(attribChannel(2)).toBe(1);
    expect(attribDelta(2)).toBe(0.0);
    expect(txt(attribName(0))).toBe("ch2");
    const p = modelInputPtr();
    for (let i = 0; i < 6; i++) expect(<i32>load<i8>(p + i)).toBe(x[i]);
  });

  test("forecasts all below zero: each occlusion lifts the peak to 0, negative deltas tie, index order", () => {
    expect(loadBytes(tinyModel())).toBe(S.OK);
    expect(metaParse()).toBe(S.OK);
    // real rows: [-4,0] [-1,0] [-2,0] -> y = [-4, -1, -2], peak -1; any occluded hour becomes 0.
    const y = runInt8([-7, -3, -4, -3, -5, -3]);
    expect(y[1]).toBe(-1);
    expect(attribCompute(-1.0, 0.0)).toBe(S.OK);
    for (let i = 0; i < 3; i++) {
      expect(attribChannel(i)).toBe(<u32>i);
      expect(attribDelta(i)).toBe(-1.0);
    }
  });
});

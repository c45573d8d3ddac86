// Interpreter: arena planning (reuse of dead tensors, refusal when too small), graph checks,
// metadata, opcode resolution, RESHAPE, and a model with the grid network's ten operators
// (docs/CONTRACTS.md) run with the reference and the SIMD loops.
import {
  ModelSpec, TensorSpec, OpSpec, buildModel, i8Bytes, i32Bytes, loadBytes, runInt8, lastStatus,
} from "../../tests/testing";
import {
  modelArenaBytes, modelInvoke, modelUnload, modelInputPtr, modelOutputPtr, modelInputBytes,
  modelOutputBytes, modelInputScale, modelInputZeroPoint, modelOutputScale, modelOutputZeroPoint,
  modelMetadataPtr, modelMetadataLen, modelLoad,
} from "./interpreter";
import { planOffset } from "./planner";
import { dotUseSimd } from "../kernels/dot";
import * as S from "../status";
import * as T from "../tflite/schema";

let seed: u32 = 7;
function rnd(lo: i32, hi: i32): i32 {
  seed = seed * 1664525 + 1013904223;
  return lo + <i32>((seed >> 8) % <u32>(hi - lo + 1));
}
function rndArr(n: i32, lo: i32, hi: i32): i32[] {
  const a: i32[] = [];
  for (let i = 0; i < n; i++) a.push(rnd(lo, hi));
  return a;
}
function act(shape: i32[], s: f32, z: i64): TensorSpec {
  return new TensorSpec(shape, T.TYPE_INT8, 0, [s], [z]);
}
function fcOp(opc: i32, ins: i32[], out: i32, a: u8): OpSpec {
  const op = new OpSpec(opc, ins, [out]);
  op.optType = T.OPTS_FULLY_CONNECTED;
  op.act = a;
  return op;
}

/** x[1,64] -> FC -> h1 -> FC -> h2 -> FC -> h3 -> FC -> y, all [1,64], one shared weight. */
function chainModel(swap: bool): Uint8Array {
  const m = new ModelSpec();
  m.opcodes = [T.OP_FULLY_CONNECTED];
  m.buffers.push(i8Bytes(rndArr(64 * 64, -127, 127)));
  m.tensors = [act([1, 64], 0.1, 0), act([1, 64], 0.1, 0), act([1, 64], 0.1, 0), act([1, 64], 0.1, 0),
    act([1, 64], 0.1, 0), new TensorSpec([64, 64], T.TYPE_INT8, 1, [0.01], [0])];
  const ops = [fcOp(0, [0, 5, -1], 1, 1), fcOp(0, [1, 5, -1], 2, 1), fcOp(0, [2, 5, -1], 3, 1), fcOp(0, [3, 5, -1], 4, 0)];
  if (swap) {
    const t = ops[1];
    ops[1] = ops[2];
    ops[2] = t;
  }
  m.ops = ops;
  m.inputs = [0];
  m.outputs = [4];
  return buildModel(m);
}

describe("arena planner", () => {
  test("4-op chain of [1,64] tensors needs 192 bytes, not 320: h3 reuses dead h1's slot", () => {
    expect(loadBytes(chainModel(false))).toBe(S.OK);
    expect(modelArenaBytes()).toBe(192);
    expect(planOffset(3)).toBe(planOffset(1));
    expect(planOffset(5)).toBe(-1); // the constant weight stays in the model
    expect(modelInputPtr() != modelOutputPtr()).toBe(true);
  });
  test("an arena of 191 bytes is refused with E_ARENA, and modelArenaBytes reports the need", () => {
    expect(loadBytes(chainModel(false), 191)).toBe(S.E_ARENA);
    expect(modelArenaBytes()).toBe(192);
    expect(modelInvoke()).toBe(S.E_NO_MODEL);
    expect(loadBytes(chainModel(false), 192)).toBe(S.OK);
  });
  test("an arena overlapping the model bytes is refused with E_BOUNDS", () => {
    const b = chainModel(false);
    expect(modelLoad(b.dataStart, <u32>b.length, b.dataStart + 64, 4096)).toBe(S.E_BOUNDS);
  });
  test("input survives invoke: two invokes give the same output", () => {
    expect(loadBytes(chainModel(false))).toBe(S.OK);
    const a = runInt8(rndArr(64, -128, 127));
    expect(modelInvoke()).toBe(S.OK);
    const b: i32[] = [];
    for (let i = 0; i < 64; i++) b.push(<i32>load<i8>(modelOutputPtr() + i));
    expect(b).toStrictEqual(a);
  });
});

describe("graph checks", () => {
  test("an op reading a tensor produced by a later op -> E_GRAPH", () => {
    expect(loadBytes(chainModel(true))).toBe(S.E_GRAPH);
  });
  test("more than 64 tensors -> E_TOO_MANY", () => {
    const m = new ModelSpec();
    m.opcodes = [T.OP_RESHAPE];
    for (let i = 0; i < 65; i++) m.tensors.push(act([1], 1.0, 0));
    m.ops = [new OpSpec(0, [0], [1])];
    m.inputs = [0];
    m.outputs = [1];
    expect(loadBytes(buildModel(m))).toBe(S.E_TOO_MANY);
  });
  test("more than 32 ops -> E_TOO_MANY", () => {
    const m = new ModelSpec();
    m.opcodes = [T.OP_RESHAPE];
    for (let i = 0; i < 34; i++) m.tensors.push(act([1], 1.0, 0));
    for (let i = 0; i < 33; i++) m.ops.push(new OpSpec(0, [i], [i + 1]));
    m.inputs = [0];
    m.outputs = [33];
    expect(loadBytes(buildModel(m))).toBe(S.E_TOO_MANY);
  });
  test("graph output never produced -> E_GRAPH; two graph inputs -> E_GRAPH", () => {
    const m = new ModelSpec();
    m.opcodes = [T.OP_RESHAPE];
    m.tensors = [act([2], 1.0, 0), act([2], 1.0, 0), act([2], 1.0, 0)];
    m.ops = [new OpSpec(0, [0], [1])];
    m.inputs = [0];
    m.outputs = [2];
    expect(loadBytes(buildModel(m))).toBe(S.E_GRAPH);
    m.outputs = [1];
    m.inputs = [0, 2];
    expect(loadBytes(buildModel(m))).toBe(S.E_GRAPH);
  });
  test("unsupported builtin (CONV_2D = 3) -> E_UNSUPPORTED_OP", () => {
    const m = new ModelSpec();
    m.opcodes = [3];
    m.tensors = [act([2], 1.0, 0), act([2], 1.0, 0)];
    m.ops = [new OpSpec(0, [0], [1])];
    m.inputs = [0];
    m.outputs = [1];
    expect(loadBytes(buildModel(m))).toBe(S.E_UNSUPPORTED_OP);
  });
});

describe("opcodes, RESHAPE, metadata, accessors", () => {
  test("builtin = max(deprecated_builtin_code, builtin_code): (dep 22, builtin 0) is RESHAPE; (dep 127, builtin 22) is 127, refused", () => {
    const m = new ModelSpec();
    m.opcodes = [0];
    m.deprecatedCodes = [T.OP_RESHAPE];
    m.tensors = [act([2, 3], 0.5, 3), act([3, 2], 0.5, 3)];
    m.ops = [new OpSpec(0, [0], [1])];
    m.inputs = [0];
    m.outputs = [1];
    expect(loadBytes(buildModel(m))).toBe(S.OK);
    m.opcodes = [T.OP_RESHAPE];
    m.deprecatedCodes = [127];
    expect(loadBytes(buildModel(m))).toBe(S.E_UNSUPPORTED_OP); // 127 > 22: PLACEHOLDER, unknown
  });
  test("RESHAPE [2,3] -> [3,2] copies the bytes; with a shape input [3,2] int32 constant", () => {
    const m = new ModelSpec();
    m.opcodes = [T.OP_RESHAPE];
    m.buffers.push(i32Bytes([3, 2]));
    m.tensors = [act([2, 3], 0.5, 3), act([3, 2], 0.5, 3), new TensorSpec([2], T.TYPE_INT32, 1)];
    m.ops = [new OpSpec(0, [0, 2], [1])];
    m.inputs = [0];
    m.outputs = [1];
    expect(loadBytes(buildModel(m))).toBe(S.OK);
    expect(runInt8([1, -2, 3, -4, 5, -128])).toStrictEqual([1, -2, 3, -4, 5, -128]);
    expect(lastStatus).toBe(S.OK);
    expect(modelInputBytes()).toBe(6);
    expect(modelInputScale()).toBe(0.5);
    expect(modelInputZeroPoint()).toBe(3);
  });
  test("RESHAPE element count mismatch [2,3] -> [4] -> E_SHAPE", () => {
    const m = new ModelSpec();
    m.opcodes = [T.OP_RESHAPE];
    m.tensors = [act([2, 3], 0.5, 3), act([4], 0.5, 3)];
    m.ops = [new OpSpec(0, [0], [1])];
    m.inputs = [0];
    m.outputs = [1];
    expect(loadBytes(buildModel(m))).toBe(S.E_SHAPE);
  });
  test("metadata entry \"dendra\" is exposed in place; another name gives 0; unload clears", () => {
    const m = new ModelSpec();
    m.opcodes = [T.OP_RESHAPE];
    m.buffers.push(i8Bytes([0x44, 0x4d, 0x44, 0x31, 1, 0, 7, 0]));
    m.tensors = [act([2], 1.0, 0), act([2], 1.0, 0)];
    m.ops = [new OpSpec(0, [0], [1])];
    m.inputs = [0];
    m.outputs = [1];
    m.metaName = "dendra";
    m.metaBuffer = 1;
    const bytes = buildModel(m);
    expect(loadBytes(bytes)).toBe(S.OK);
    expect(modelMetadataLen()).toBe(8);
    expect(load<u32>(modelMetadataPtr())).toBe(0x31444d44);
    const p = modelMetadataPtr();
    expect(p >= bytes.dataStart && p < bytes.dataStart + bytes.length).toBe(true);
    m.metaName = "other";
    expect(loadBytes(buildModel(m))).toBe(S.OK);
    expect(modelMetadataLen()).toBe(0);
    expect(modelMetadataPtr()).toBe(0);
    modelUnload();
    expect(modelInputPtr()).toBe(0);
    expect(modelInvoke()).toBe(S.E_NO_MODEL);
  });
});

/** The grid network of docs/CONTRACTS.md with pseudo-random weights (per-channel FC weights). */
function gridModel(): Uint8Array {
  const m = new ModelSpec();
  m.opcodes = [T.OP_FULLY_CONNECTED, T.OP_BATCH_MATMUL, T.OP_RESHAPE, T.OP_SOFTMAX];
  const wsc = (n: i32): f32[] => { const s: f32[] = []; for (let i = 0; i < n; i++) s.push(<f32>(0.004 + 0.0005 * <f32>i)); return s; };
  const zeros = (n: i32): i64[] => { const z: i64[] = []; for (let i = 0; i < n; i++) z.push(0); return z; };
  // buffers 1..: W0 b0 A W1 b1 W2 b2 Wg bg Wh bh shape
  m.buffers.push(i8Bytes(rndArr(16 * 96, -127, 127)));   // 1 W0
  m.buffers.push(i32Bytes(rndArr(16, -2000, 2000)));      // 2 b0
  m.buffers.push(i8Bytes(rndArr(49, 0, 127)));            // 3 A
  m.buffers.push(i8Bytes(rndArr(256, -127, 127)));        // 4 W1
  m.buffers.push(i32Bytes(rndArr(16, -2000, 2000)));      // 5 b1
  m.buffers.push(i8Bytes(rndArr(256, -127, 127)));        // 6 W2
  m.buffers.push(i32Bytes(rndArr(16, -2000, 2000)));      // 7 b2
  m.buffers.push(i8Bytes(rndArr(16, -127, 127)));         // 8 Wg
  m.buffers.push(i32Bytes(rndArr(1, -2000, 2000)));       // 9 bg
  m.buffers.push(i8Bytes(rndArr(24 * 16, -127, 127)));    // 10 Wh
  m.buffers.push(i32Bytes(rndArr(24, -2000, 2000)));      // 11 bh
  m.buffers.push(i32Bytes([1, 7]));                       // 12 shape
  m.tensors = [
    act([7, 96], 0.05, -3),                                              // 0 X
    new TensorSpec([16, 96], T.TYPE_INT8, 1, wsc(16), zeros(16)),        // 1 W0
    new TensorSpec([16], T.TYPE_INT32, 2, [0.0002], [0]),                // 2 b0
    act([7, 16], 0.08, -128),                                            // 3 H0
    new TensorSpec([7, 7], T.TYPE_INT8, 3, [0.0078], [0]),               // 4 A
    act([7, 16], 0.09, -5),                                              // 5 M1
    new TensorSpec([16, 16], T.TYPE_INT8, 4, wsc(16), zeros(16)),        // 6 W1
    new TensorSpec([16], T.TYPE_INT32, 5, [0.0004], [0]),                // 7 b1
    act([7, 16], 0.07, -128),                                            // 8 H1
    act([7, 16], 0.06, 2),                                               // 9 M2
    new TensorSpec([16, 16], T.TYPE_INT8, 6, wsc(16), zeros(16)),        // 10 W2
    new TensorSpec([16], T.TYPE_INT32, 7, [0.0003], [0]),                // 11 b2
    act([7, 16], 0.05, -128),                                            // 12 H2
    new TensorSpec([1, 16], T.TYPE_INT8, 8, [0.01], [0]),                // 13 Wg
    new TensorSpec([1], T.TYPE_INT32, 9, [0.0005], [0]),                 // 14 bg
    act([7, 1], 0.1, 4),                                                 // 15 S
    new TensorSpec([2], T.TYPE_INT32, 12),                               // 16 shape
    act([1, 7], 0.1, 4),                                                 // 17 S'
    act([1, 7], 1.0 / 256.0, -128),                                      // 18 P
    act([1, 16], 0.04, -20),                                             // 19 G
    new TensorSpec([24, 16], T.TYPE_INT8, 10, wsc(24), zeros(24)),       // 20 Wh
    new TensorSpec([24], T.TYPE_INT32, 11, [0.0002], [0]),               // 21 bh
    act([1, 24], 0.03, 1),                                               // 22 Y
  ];
  const sm = new OpSpec(3, [17], [18]);
  sm.optType = T.OPTS_SOFTMAX;
  m.ops = [
    fcOp(0, [0, 1, 2], 3, 1), new OpSpec(1, [4, 3], [5]), fcOp(0, [5, 6, 7], 8, 1), new OpSpec(1, [4, 8], [9]),
    fcOp(0, [9, 10, 11], 12, 1), fcOp(0, [12, 13, 14], 15, 0), new OpSpec(2, [15, 16], [17]), sm,
    new OpSpec(1, [18, 12], [19]), fcOp(0, [19, 20, 21], 22, 0),
  ];
  m.inputs = [0];
  m.outputs = [22];
  return buildModel(m);
}

describe("grid-shaped model (10 ops: FC, BMM, FC, BMM, FC, FC, RESHAPE, SOFTMAX, BMM, FC)", () => {
  test("loads, reports I/O, and reference == SIMD on 20 random [7,96] inputs", () => {
    expect(loadBytes(gridModel())).toBe(S.OK);
    expect(modelInputBytes()).toBe(672);
    expect(modelOutputBytes()).toBe(24);
    expect(modelOutputScale()).toBe(<f32>0.03);
    expect(modelOutputZeroPoint()).toBe(1);
    // tensors, then 8 bytes per output channel of the per-channel FCs (W0, W1, W2: 16 each; Wh: 24)
    expect(modelArenaBytes() <= 672 + 3 * 112 + 64 + 8 * (16 + 16 + 16 + 24)).toBe(true);
    let mismatches = 0;
    let distinct = 0;
    let prev: i32[] = [];
    for (let r = 0; r < 20; r++) {
      const x = rndArr(672, -128, 127);
      dotUseSimd(false);
      const ref = runInt8(x);
      expect(lastStatus).toBe(S.OK);
      dotUseSimd(true);
      const simd = runInt8(x);
      for (let i = 0; i < 24; i++) if (ref[i] != simd[i]) mismatches++;
      if (r > 0) for (let i = 0; i < 24; i++) if (ref[i] != prev[i]) { distinct++; break; }
      prev = ref;
    }
    expect(mismatches).toBe(0);
    expect(distinct > 10).toBe(true); // the outputs depend on the inputs
  });
});

// The in-place reader's refusals: truncated files, bad magic, offsets out of range, bad
// vtables, wrong versions; and a byte-corruption sweep that must never trap.
import { fcModel, loadBytes, runInt8, lastStatus, ModelSpec, TensorSpec, OpSpec, buildModel, i8Bytes } from "../../tests/testing";
import { modelParse, nTensors, nOps, gInput, gOutput, tCount, tConst, oCode } from "./model";
import { fbOpen, fbRoot, fbTable, fbField, fbVector } from "./flatbuffer";
import * as S from "../status";
import * as T from "./schema";

const W: i32[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

function validModel(): Uint8Array {
  return fcModel([2, 10], 1.0, -1, [3, 10], W, [1.0], [0], [1, 2, 3], [2, 3], 0.5, -1, 0);
}

function parse(b: Uint8Array, len: i32 = -1): i32 {
  return modelParse(b.dataStart, <u32>(len < 0 ? b.length : len));
}

describe("flatbuffer reader: valid model", () => {
  test("parses tensors, ops, graph I/O and points constants into the model bytes", () => {
    const b = validModel();
    expect(parse(b)).toBe(S.OK);
    expect(nTensors).toBe(4);
    expect(nOps).toBe(1);
    expect(gInput).toBe(0);
    expect(gOutput).toBe(3);
    expect(unchecked(tCount[1])).toBe(30);
    expect(unchecked(oCode[0])).toBe(T.OP_FULLY_CONNECTED);
    const w = unchecked(tConst[1]);
    expect(w >= b.dataStart && w + 30 <= b.dataStart + b.length).toBe(true); // in place, no copy
    expect(load<i8>(w + 9)).toBe(10);
    expect(unchecked(tConst[0])).toBe(0);
  });
});

describe("flatbuffer reader refusals", () => {
  test("every truncation of a valid model is refused (never OK, never a trap)", () => {
    const b = validModel();
    let accepted = 0;
    for (let n = 0; n < b.length; n++) {
      if (parse(b, n) == S.OK) accepted++;
    }
    expect(accepted).toBe(0);
  });
  test("shorter than 8 bytes -> E_BOUNDS; wrong identifier -> E_BAD_MAGIC", () => {
    const b = validModel();
    expect(parse(b, 7)).toBe(S.E_BOUNDS);
    b[4] = 0x58; // "XFL3"
    expect(parse(b)).toBe(S.E_BAD_MAGIC);
  });
  test("root offset past the end -> E_BOUNDS", () => {
    const b = validModel();
    store<u32>(b.dataStart, <u32>b.length);
    expect(parse(b)).toBe(S.E_BOUNDS);
    store<u32>(b.dataStart, 0xfffffff0);
    expect(parse(b)).toBe(S.E_BOUNDS);
  });
  test("root table soffset pointing outside the buffer -> E_BOUNDS", () => {
    const b = validModel();
    const root = load<u32>(b.dataStart);
    store<i32>(b.dataStart + root, -0x10000);
    expect(parse(b)).toBe(S.E_BOUNDS);
    store<i32>(b.dataStart + root, 0x7fffffff);
    expect(parse(b)).toBe(S.E_BOUNDS);
  });
  test("a vector length larger than the file -> E_BOUNDS", () => {
    const b = validModel();
    fbOpen(b.dataStart, <u32>b.length);
    const root = fbRoot(T.TFL3_IDENT);
    const bufs = fbVector(root, T.MODEL_BUFFERS, 4);
    expect(bufs > 0).toBe(true);
    store<u32>(b.dataStart + bufs, 0x40000000);
    expect(parse(b)).toBe(S.E_BOUNDS);
  });
  test("field offsets beyond the table size are refused by fbField", () => {
    const b = validModel();
    fbOpen(b.dataStart, <u32>b.length);
    const root = fbRoot(T.TFL3_IDENT);
    expect(fbTable(root)).toBe(root);
    const vt = root - load<i32>(b.dataStart + root);
    store<u16>(b.dataStart + vt + 2, 4); // table size 4: every field now lies outside it
    expect(fbField(root, T.MODEL_VERSION, 4)).toBe(S.E_BOUNDS);
    expect(parse(b)).toBe(S.E_BOUNDS);
  });
  test("schema version 2 -> E_VERSION", () => {
    const m = new ModelSpec();
    m.version = 2;
    m.opcodes = [T.OP_RESHAPE];
    m.tensors = [new TensorSpec([2], T.TYPE_INT8, 0, [1.0], [0]), new TensorSpec([2], T.TYPE_INT8, 0, [1.0], [0])];
    m.ops = [new OpSpec(0, [0], [1])];
    m.inputs = [0];
    m.outputs = [1];
    expect(parse(buildModel(m))).toBe(S.E_VERSION);
  });
  test("a tensor's buffer index past the buffers vector -> E_BOUNDS", () => {
    const m = new ModelSpec();
    m.opcodes = [T.OP_RESHAPE];
    m.tensors = [new TensorSpec([2], T.TYPE_INT8, 0, [1.0], [0]), new TensorSpec([2], T.TYPE_INT8, 5, [1.0], [0])];
    m.ops = [new OpSpec(0, [0], [1])];
    m.inputs = [0];
    m.outputs = [1];
    expect(parse(buildModel(m))).toBe(S.E_BOUNDS);
  });
  test("constant buffer size != shape product -> E_SHAPE", () => {
    const m = new ModelSpec();
    m.opcodes = [T.OP_RESHAPE];
    m.buffers.push(i8Bytes([1, 2, 3]));
    m.tensors = [new TensorSpec([2], T.TYPE_INT8, 1, [1.0], [0]), new TensorSpec([2], T.TYPE_INT8, 0, [1.0], [0])];
    m.ops = [new OpSpec(0, [0], [1])];
    m.inputs = [0];
    m.outputs = [1];
    expect(parse(buildModel(m))).toBe(S.E_SHAPE);
  });
  test("float16 tensor -> E_UNSUPPORTED_TYPE (float32 parses); dimension 0 -> E_SHAPE; rank 5 -> E_SHAPE", () => {
    const m = new ModelSpec();
    m.opcodes = [T.OP_RESHAPE];
    m.tensors = [new TensorSpec([2], 1, 0), new TensorSpec([2], T.TYPE_INT8, 0, [1.0], [0])];
    m.ops = [new OpSpec(0, [0], [1])];
    m.inputs = [0];
    m.outputs = [1];
    expect(parse(buildModel(m))).toBe(S.E_UNSUPPORTED_TYPE);
    m.tensors[0] = new TensorSpec([2], T.TYPE_FLOAT32, 0);
    expect(parse(buildModel(m))).toBe(S.OK);
    m.tensors[0] = new TensorSpec([2, 0], T.TYPE_INT8, 0, [1.0], [0]);
    expect(parse(buildModel(m))).toBe(S.E_SHAPE);
    m.tensors[0] = new TensorSpec([1, 1, 1, 1, 2], T.TYPE_INT8, 0, [1.0], [0]);
    expect(parse(buildModel(m))).toBe(S.E_SHAPE);
  });
  test("op input index past the tensors -> E_GRAPH; opcode index past operator_codes -> E_GRAPH", () => {
    const m = new ModelSpec();
    m.opcodes = [T.OP_RESHAPE];
    m.tensors = [new TensorSpec([2], T.TYPE_INT8, 0, [1.0], [0]), new TensorSpec([2], T.TYPE_INT8, 0, [1.0], [0])];
    m.ops = [new OpSpec(0, [7], [1])];
    m.inputs = [0];
    m.outputs = [1];
    expect(parse(buildModel(m))).toBe(S.E_GRAPH);
    m.ops = [new OpSpec(3, [0], [1])];
    expect(parse(buildModel(m))).toBe(S.E_GRAPH);
  });
  test("byte corruption sweep: 2000 single-byte flips never trap (load, and invoke when accepted)", () => {
    const b = validModel();
    const copy = b.slice(0);
    let seed: u32 = 99;
    let ok = 0;
    for (let i = 0; i < 2000; i++) {
      seed = seed * 1664525 + 1013904223;
      const pos = <i32>((seed >> 8) % <u32>b.length);
      const old = b[pos];
      b[pos] = <u8>(seed >> 24) ^ 0xa5;
      if (loadBytes(b) == S.OK) {
        ok++;
        runInt8([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
        expect(lastStatus).toBe(S.OK);
      }
      b[pos] = old;
    }
    expect(ok < 2000).toBe(true); // some flips hit weights and still load; many must not
    for (let i = 0; i < b.length; i++) expect(b[i]).toBe(copy[i]);
  });
});

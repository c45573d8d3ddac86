// TEST-ONLY helper (imported by *.spec.ts, never by the firmware): a minimal FlatBuffers builder
// and a TFLite model writer, so tests can lay out tiny .tflite files byte by byte.
//
// Layout written (the standard FlatBuffers back-to-front scheme): the buffer grows downwards;
// children (vectors, strings, sub-tables) are written before their parents, so every uoffset
// points forward. A table is [i32 soffset = distance back to its vtable][fields]; its vtable is
// written immediately before it: [u16 vtable size][u16 table size][u16 offset per field id].
// The file starts with [u32 root offset]["TFL3"]. Sizes are padded so the final length is a
// multiple of 16 and each scalar, vector and buffer is aligned to its natural size (16 for
// buffer data).

import * as T from "../assembly/tflite/schema";

/** Back-to-front FlatBuffers builder. Offsets returned are "bytes from the end". */
export class FbBuilder {
  buf: Uint8Array;
  head: i32;
  private fields: i32[] = [];     // pairs: id, position from end
  private tableEnd: i32 = 0;

  constructor(cap: i32 = 1 << 16) {
    this.buf = new Uint8Array(cap);
    this.head = cap;
  }

  size(): i32 { return this.buf.length - this.head; }

  /** Pads with zeros so that after `extra` more bytes the size is a multiple of `a`. */
  align(a: i32, extra: i32): void {
    while (((this.size() + extra) % a) != 0) this.u8(0);
  }

  u8(v: u8): void { this.head -= 1; this.buf[this.head] = v; }
  u16(v: u16): void { this.head -= 2; store<u16>(this.buf.dataStart + this.head, v); }
  i32(v: i32): void { this.head -= 4; store<i32>(this.buf.dataStart + this.head, v); }
  i64(v: i64): void { this.head -= 8; store<i64>(this.buf.dataStart + this.head, v); }
  f32(v: f32): void { this.head -= 4; store<f32>(this.buf.dataStart + this.head, v); }

  /** uoffset to a child written earlier (at `off` from the end). */
  uoffset(off: i32): void { this.align(4, 4); this.i32(this.size() + 4 - off); }

  vecI32(v: i32[]): i32 {
    this.align(4, 4 * v.length + 4);
    for (let i = v.length - 1; i >= 0; i--) this.i32(v[i]);
    this.i32(v.length);
    return this.size();
  }
  vecF32(v: f32[]): i32 {
    this.align(4, 4 * v.length + 4);
    for (let i = v.length - 1; i >= 0; i--) this.f32(v[i]);
    this.i32(v.length);
    return this.size();
  }
  vecI64(v: i64[]): i32 {
    this.align(8, 8 * v.length);
    for (let i = v.length - 1; i >= 0; i--) this.i64(v[i]);
    this.i32(v.length);
    return this.size();
  }
  /** Byte vector whose data starts 16-aligned. */
  vecU8(v: Uint8Array): i32 {
    this.align(16, v.length);
    for (let i = v.length - 1; i >= 0; i--) this.u8(v[i]);
    this.i32(v.length);
    return this.size();
  }
  str(s: string): i32 {
    this.align(4, s.length + 1 + 4);
    this.u8(0);
    for (let i = s.length - 1; i >= 0; i--) this.u8(<u8>s.charCodeAt(i));
    this.i32(s.length);
    return this.size();
  }
  vecOffsets(offs: i32[]): i32 {
    this.align(4, 4 * offs.length + 4);
    for (let i = offs.length - 1; i >= 0; i--) this.i32(this.size() + 4 - offs[i]);
    this.i32(offs.length);
    return this.size();
  }

  startTable(): void { this.fields = []; this.tableEnd = this.size(); }
  private mark(id: i32): void { this.fields.push(id); this.fields.push(this.size()); }
  addU8(id: i32, v: u8): void { this.u8(v); this.mark(id); }
  addI32(id: i32, v: i32): void { this.align(4, 4); this.i32(v); this.mark(id); }
  addF32(id: i32, v: f32): void { this.align(4, 4); this.f32(v); this.mark(id); }
  addI64(id: i32, v: i64): void { this.align(8, 8); this.i64(v); this.mark(id); }
  addOffset(id: i32, off: i32): void { this.uoffset(off); this.mark(id); }

  endTable(): i32 {
    let maxId = -1;
    for (let i = 0; i < this.fields.length; i += 2) if (this.fields[i] > maxId) maxId = this.fields[i];
    const vtSize = 4 + 2 * (maxId + 1);
    this.align(4, 4);
    this.i32(vtSize); // soffset: the vtable sits right before the table
    const tablePos = this.size();
    for (let id = maxId; id >= 0; id--) {
      let off = 0;
      for (let i = 0; i < this.fields.length; i += 2) {
        if (this.fields[i] == id) off = tablePos - this.fields[i + 1];
      }
      this.u16(<u16>off);
    }
    this.u16(<u16>(tablePos - this.tableEnd));
    this.u16(<u16>vtSize);
    return tablePos;
  }

  /** Writes the header (root offset + identifier) and returns the finished bytes. */
  finish(root: i32, ident: string): Uint8Array {
    this.align(16, 8);
    for (let i = 3; i >= 0; i--) this.u8(<u8>ident.charCodeAt(i));
    this.i32(this.size() + 4 - root);
    return this.buf.slice(this.head);
  }
}

/** One tensor of a test model. */
export class TensorSpec {
  constructor(
    public shape: i32[], public type: u8, public buffer: i32,
    public scales: f32[] = [], public zps: i64[] = [], public qdim: i32 = 0,
  ) {}
}

/** One operator of a test model; options by kind (fields unused by the kind are ignored). */
export class OpSpec {
  optType: u8 = 0;
  act: u8 = 0;
  beta: f32 = 1;
  adjX: bool = false;
  adjY: bool = false;
  axis: i32 = 0;        // GATHER / CONCATENATION
  batchDims: i32 = 0;   // GATHER
  keepDims: bool = false; // REDUCER (SUM, MEAN)
  constructor(public opcodeIndex: i32, public inputs: i32[], public outputs: i32[]) {}
}

/** A whole single-subgraph test model. */
export class ModelSpec {
  version: i32 = 3;
  opcodes: i32[] = [];           // builtin codes
  deprecatedCodes: i32[] = [];   // optional deprecated_builtin_code per opcode
  tensors: TensorSpec[] = [];
  ops: OpSpec[] = [];
  inputs: i32[] = [];
  outputs: i32[] = [];
  buffers: Uint8Array[] = [new Uint8Array(0)]; // buffer 0 is empty, as TFLite writes it
  metaName: string = "";
  metaBuffer: i32 = -1;
}

function writeOptions(b: FbBuilder, op: OpSpec): i32 {
  b.startTable();
  if (op.optType == T.OPTS_FULLY_CONNECTED) b.addU8(T.FC_OPT_ACTIVATION, op.act);
  else if (op.optType == T.OPTS_SOFTMAX) b.addF32(T.SOFTMAX_OPT_BETA, op.beta);
  else if (op.optType == T.OPTS_ADD || op.optType == T.OPTS_SUB || op.optType == T.OPTS_MUL) {
    b.addU8(T.ARITH_OPT_ACTIVATION, op.act);
  }
  else if (op.optType == T.OPTS_BATCH_MATMUL) {
    b.addU8(T.BMM_OPT_ADJ_X, op.adjX ? 1 : 0);
    b.addU8(T.BMM_OPT_ADJ_Y, op.adjY ? 1 : 0);
  }
  else if (op.optType == T.OPTS_GATHER) {
    b.addI32(T.GATHER_OPT_AXIS, op.axis);
    b.addI32(T.GATHER_OPT_BATCH_DIMS, op.batchDims);
  }
  else if (op.optType == T.OPTS_CONCATENATION) {
    b.addI32(T.CONCAT_OPT_AXIS, op.axis);
    b.addU8(T.CONCAT_OPT_ACTIVATION, op.act);
  }
  else if (op.optType == T.OPTS_REDUCER) b.addU8(T.REDUCER_OPT_KEEP_DIMS, op.keepDims ? 1 : 0);
  return b.endTable();
}

function writeTensor(b: FbBuilder, t: TensorSpec): i32 {
  const shape = b.vecI32(t.shape);
  let q = 0;
  if (t.scales.length > 0) {
    const sc = b.vecF32(t.scales);
    const zp = b.vecI64(t.zps);
    b.startTable();
    b.addOffset(T.QUANT_SCALE, sc);
    b.addOffset(T.QUANT_ZERO_POINT, zp);
    if (t.qdim != 0) b.addI32(T.QUANT_DIMENSION, t.qdim);
    q = b.endTable();
  }
  b.startTable();
  b.addOffset(T.TENSOR_SHAPE, shape);
  b.addU8(T.TENSOR_TYPE, t.type);
  b.addI32(T.TENSOR_BUFFER, t.buffer);
  if (q != 0) b.addOffset(T.TENSOR_QUANTIZATION, q);
  return b.endTable();
}

function writeOp(b: FbBuilder, op: OpSpec): i32 {
  const ins = b.vecI32(op.inputs);
  const outs = b.vecI32(op.outputs);
  const opt = op.optType != 0 ? writeOptions(b, op) : 0;
  b.startTable();
  b.addI32(T.OP_OPCODE_INDEX, op.opcodeIndex);
  b.addOffset(T.OP_INPUTS, ins);
  b.addOffset(T.OP_OUTPUTS, outs);
  if (opt != 0) {
    b.addU8(T.OP_OPTIONS_TYPE, op.optType);
    b.addOffset(T.OP_OPTIONS, opt);
  }
  return b.endTable();
}

function writeSubgraph(b: FbBuilder, m: ModelSpec): i32 {
  const tensors: i32[] = [];
  for (let i = 0; i < m.tensors.length; i++) tensors.push(writeTensor(b, m.tensors[i]));
  const ops: i32[] = [];
  for (let i = 0; i < m.ops.length; i++) ops.push(writeOp(b, m.ops[i]));
  const tv = b.vecOffsets(tensors);
  const ov = b.vecOffsets(ops);
  const iv = b.vecI32(m.inputs);
  const outv = b.vecI32(m.outputs);
  b.startTable();
  b.addOffset(T.SUBGRAPH_TENSORS, tv);
  b.addOffset(T.SUBGRAPH_INPUTS, iv);
  b.addOffset(T.SUBGRAPH_OUTPUTS, outv);
  b.addOffset(T.SUBGRAPH_OPERATORS, ov);
  return b.endTable();
}

function writeBuffers(b: FbBuilder, m: ModelSpec): i32 {
  const bufs: i32[] = [];
  for (let i = 0; i < m.buffers.length; i++) {
    const d = m.buffers[i].length > 0 ? b.vecU8(m.buffers[i]) : 0;
    b.startTable();
    if (d != 0) b.addOffset(T.BUFFER_DATA, d);
    bufs.push(b.endTable());
  }
  return b.vecOffsets(bufs);
}

function writeOpcodes(b: FbBuilder, m: ModelSpec): i32 {
  const codes: i32[] = [];
  for (let i = 0; i < m.opcodes.length; i++) {
    b.startTable();
    const dep = i < m.deprecatedCodes.length ? m.deprecatedCodes[i] : (m.opcodes[i] < 127 ? m.opcodes[i] : 127);
    b.addU8(T.OPCODE_DEPRECATED_BUILTIN, <u8>dep);
    b.addI32(2, 1); // version
    b.addI32(T.OPCODE_BUILTIN, m.opcodes[i]);
    codes.push(b.endTable());
  }
  return b.vecOffsets(codes);
}

/** Serializes `m` as a .tflite flatbuffer. */
export function buildModel(m: ModelSpec): Uint8Array {
  const b = new FbBuilder();
  const buffers = writeBuffers(b, m);
  const sg = writeSubgraph(b, m);
  const sgv = b.vecOffsets([sg]);
  const opc = writeOpcodes(b, m);
  let meta = 0;
  if (m.metaBuffer >= 0) {
    const name = b.str(m.metaName);
    b.startTable();
    b.addOffset(T.METADATA_NAME, name);
    b.addI32(T.METADATA_BUFFER, m.metaBuffer);
    meta = b.vecOffsets([b.endTable()]);
  }
  b.startTable();
  b.addI32(T.MODEL_VERSION, m.version);
  b.addOffset(T.MODEL_OPERATOR_CODES, opc);
  b.addOffset(T.MODEL_SUBGRAPHS, sgv);
  b.addOffset(T.MODEL_BUFFERS, buffers);
  if (meta != 0) b.addOffset(T.MODEL_METADATA, meta);
  return b.finish(b.endTable(), "TFL3");
}

/** Bytes of an int8 array. */
export function i8Bytes(v: i32[]): Uint8Array {
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = <u8>(<i8>v[i]);
  return out;
}

/** Bytes of an int32 array (little-endian). */
export function i32Bytes(v: i32[]): Uint8Array {
  const out = new Uint8Array(v.length * 4);
  for (let i = 0; i < v.length; i++) store<i32>(out.dataStart + (<usize>i << 2), v[i]);
  return out;
}

// ---- Running test models through the interpreter ----
import {
  modelLoad, modelInvoke, modelInputPtr, modelInputBytes, modelOutputPtr, modelOutputBytes,
} from "../assembly/interp/interpreter";

let keepModel: Uint8Array = new Uint8Array(0);
let keepArena: Uint8Array = new Uint8Array(0);

/** Loads `bytes` with an arena of `cap` bytes (both kept alive until the next call). */
export function loadBytes(bytes: Uint8Array, cap: i32 = 1 << 16): i32 {
  keepModel = bytes;
  keepArena = new Uint8Array(cap + 16);
  const arena = (keepArena.dataStart + 15) & ~(<usize>15);
  return modelLoad(bytes.dataStart, <u32>bytes.length, arena, <u32>cap);
}

/** Writes `input` (int8 values), invokes, and returns the int8 output; status in lastStatus. */
export let lastStatus: i32 = 0;
export function runInt8(input: i32[]): i32[] {
  const n = <i32>modelInputBytes();
  const ip = modelInputPtr();
  for (let i = 0; i < n && i < input.length; i++) store<i8>(ip + <usize>i, <i8>input[i]);
  lastStatus = modelInvoke();
  const out: i32[] = [];
  const op = modelOutputPtr();
  for (let i = 0; i < <i32>modelOutputBytes(); i++) out.push(<i32>load<i8>(op + <usize>i));
  return out;
}

/** A one-op FULLY_CONNECTED model: t0 input, t1 weights (buffer 1), t2 bias (buffer 2, or none), t3 output. */
export function fcModel(
  inShape: i32[], inScale: f32, inZp: i64,
  wShape: i32[], w: i32[], wScales: f32[], wZp: i64[],
  bias: i32[], outShape: i32[], outScale: f32, outZp: i64, act: i32,
): Uint8Array {
  const m = new ModelSpec();
  m.opcodes = [T.OP_FULLY_CONNECTED];
  m.buffers.push(i8Bytes(w));
  m.buffers.push(i32Bytes(bias));
  const bScales: f32[] = [];
  for (let i = 0; i < wScales.length; i++) bScales.push(inScale * wScales[i]);
  m.tensors = [
    new TensorSpec(inShape, T.TYPE_INT8, 0, [inScale], [inZp]),
    new TensorSpec(wShape, T.TYPE_INT8, 1, wScales, wZp, 0),
    new TensorSpec([wShape[0]], T.TYPE_INT32, 2, bScales, []),
    new TensorSpec(outShape, T.TYPE_INT8, 0, [outScale], [outZp]),
  ];
  const op = new OpSpec(0, bias.length > 0 ? [0, 1, 2] : [0, 1, -1], [3]);
  op.optType = T.OPTS_FULLY_CONNECTED;
  op.act = <u8>act;
  m.ops = [op];
  m.inputs = [0];
  m.outputs = [3];
  return buildModel(m);
}

/**
 * TFLite Micro's test quantization (FloatToQuantizedType): round(v / scale) (f32 division,
 * half away from zero) + zp, clamped to int8.
 */
export function quantizeI8(v: f32[], scale: f32, zp: i32): i32[] {
  const out: i32[] = [];
  for (let i = 0; i < v.length; i++) {
    const q = v[i] / scale;
    const t = trunc(q);
    const r = q - t >= <f32>0.5 ? t + 1 : q - t <= <f32>-0.5 ? t - 1 : t;
    const x = <i32>r + zp;
    out.push(x < -128 ? -128 : x > 127 ? 127 : x);
  }
  return out;
}

/**
 * A one-op binary model (ADD/SUB/MUL): t0 graph input (shape1), t1 constant second operand
 * (shape2, int8 values `in2`, buffer 1), t2 output; options of type `optType` with activation `act`.
 */
export function binaryModel(
  code: i32, optType: u8, act: i32,
  shape1: i32[], s1: f32, z1: i64, shape2: i32[], in2: i32[], s2: f32, z2: i64,
  outShape: i32[], so: f32, zo: i64,
): Uint8Array {
  const m = new ModelSpec();
  m.opcodes = [code];
  m.buffers.push(i8Bytes(in2));
  m.tensors = [
    new TensorSpec(shape1, T.TYPE_INT8, 0, [s1], [z1]),
    new TensorSpec(shape2, T.TYPE_INT8, 1, [s2], [z2]),
    new TensorSpec(outShape, T.TYPE_INT8, 0, [so], [zo]),
  ];
  const op = new OpSpec(0, [0, 1], [2]);
  op.optType = optType;
  op.act = <u8>act;
  m.ops = [op];
  m.inputs = [0];
  m.outputs = [2];
  return buildModel(m);
}

/** A one-op unary model (RELU, RELU6, LOGISTIC, TANH): t0 input -> t1 output, same shape, no options. */
export function unaryModel(code: i32, shape: i32[], si: f32, zi: i64, so: f32, zo: i64): Uint8Array {
  const m = new ModelSpec();
  m.opcodes = [code];
  m.tensors = [
    new TensorSpec(shape, T.TYPE_INT8, 0, [si], [zi]),
    new TensorSpec(shape, T.TYPE_INT8, 0, [so], [zo]),
  ];
  m.ops = [new OpSpec(0, [0], [1])];
  m.inputs = [0];
  m.outputs = [1];
  return buildModel(m);
}

/** Largest |a[i] - b[i]| (2^30 when the lengths differ). */
export function maxAbsDiff(a: i32[], b: i32[]): i32 {
  if (a.length != b.length) return 1 << 30;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = max(d, abs(a[i] - b[i]));
  return d;
}

/**
 * A one-op model over `tensors`: op 0 with opcode `code` reads `inputs` (tensor indices; -1 =
 * absent) and writes `output`; the graph input is tensor 0 and the output is `output`. Tensors
 * whose `buffer` is > 0 take their data from `buffers[buffer - 1]`. `op` carries the options
 * (optType and its fields); its opcodeIndex must be 0, its inputs/outputs are overwritten.
 */
export function oneOpModel(code: i32, tensors: TensorSpec[], buffers: Uint8Array[], inputs: i32[], output: i32, op: OpSpec): Uint8Array {
  const m = new ModelSpec();
  m.opcodes = [code];
  for (let i = 0; i < buffers.length; i++) m.buffers.push(buffers[i]);
  m.tensors = tensors;
  op.inputs = inputs;
  op.outputs = [output];
  m.ops = [op];
  m.inputs = [0];
  m.outputs = [output];
  return buildModel(m);
}

/** Writes f32 `input`, invokes, and returns the int8 output; status in lastStatus. */
export function runF32ToInt8(input: f32[]): i32[] {
  const ip = modelInputPtr();
  const n = <i32>modelInputBytes() >> 2;
  for (let i = 0; i < n && i < input.length; i++) store<f32>(ip + (<usize>i << 2), input[i]);
  lastStatus = modelInvoke();
  const out: i32[] = [];
  const op = modelOutputPtr();
  for (let i = 0; i < <i32>modelOutputBytes(); i++) out.push(<i32>load<i8>(op + <usize>i));
  return out;
}

/** Writes int8 `input`, invokes, and returns the f32 output; status in lastStatus. */
export function runInt8ToF32(input: i32[]): f32[] {
  const ip = modelInputPtr();
  const n = <i32>modelInputBytes();
  for (let i = 0; i < n && i < input.length; i++) store<i8>(ip + <usize>i, <i8>input[i]);
  lastStatus = modelInvoke();
  const out: f32[] = [];
  const op = modelOutputPtr();
  for (let i = 0; i < (<i32>modelOutputBytes() >> 2); i++) out.push(load<f32>(op + (<usize>i << 2)));
  return out;
}

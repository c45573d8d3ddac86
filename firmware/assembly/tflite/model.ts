// TFLite model tables, read in place from the flatbuffer: subgraph 0's tensors and operators,
// the graph input/output and the "dendra" metadata buffer. Constant tensors point into the
// model bytes (no copies). The tables are static (no allocation): at most MAX_TENSORS tensors,
// MAX_OPS operators, MAX_RANK dimensions and MAX_OP_INPUTS inputs per operator.

import * as S from "../status";
import * as T from "./schema";
import {
  fbOpen, fbRoot, fbTable, fbU32, fbVector, fbVecLen, fbVecI32, fbVecTable, fbVecData,
  fbIndirect, fbStringEquals, fbFits, fbBasePtr, fbField,
} from "./flatbuffer";
import { Table } from "../table";

export const MAX_TENSORS: i32 = 64;
export const MAX_OPS: i32 = 32;
export const MAX_RANK: i32 = 4;
export const MAX_OP_INPUTS: i32 = 8;
/** Largest tensor accepted, in elements (keeps every size computation inside i32). */
export const MAX_ELEMS: i64 = 0x1000000;

// Tensor tables (index = tensor index in subgraph 0).
export const tType = changetype<Table<u8>>(memory.data(MAX_TENSORS * <i32>sizeof<u8>(), 8));
export const tRank = changetype<Table<i32>>(memory.data(MAX_TENSORS * <i32>sizeof<i32>(), 8));
export const tDims = changetype<Table<i32>>(memory.data((MAX_TENSORS * MAX_RANK) * <i32>sizeof<i32>(), 8));
export const tCount = changetype<Table<i32>>(memory.data(MAX_TENSORS * <i32>sizeof<i32>(), 8));     // elements
export const tBytes = changetype<Table<i32>>(memory.data(MAX_TENSORS * <i32>sizeof<i32>(), 8));     // bytes
export const tConst = changetype<Table<usize>>(memory.data(MAX_TENSORS * <i32>sizeof<usize>(), 8));   // data in the model, 0 if none
export const tPtr = changetype<Table<usize>>(memory.data(MAX_TENSORS * <i32>sizeof<usize>(), 8));     // data address once planned
export const tNScale = changetype<Table<i32>>(memory.data(MAX_TENSORS * <i32>sizeof<i32>(), 8));    // number of scales (0 = none)
export const tScales = changetype<Table<usize>>(memory.data(MAX_TENSORS * <i32>sizeof<usize>(), 8));  // f32[tNScale] in the model
export const tNZp = changetype<Table<i32>>(memory.data(MAX_TENSORS * <i32>sizeof<i32>(), 8));       // number of zero points
export const tZps = changetype<Table<usize>>(memory.data(MAX_TENSORS * <i32>sizeof<usize>(), 8));     // i64[tNZp] in the model
export const tQDim = changetype<Table<i32>>(memory.data(MAX_TENSORS * <i32>sizeof<i32>(), 8));      // quantized_dimension

// Operator tables (index = execution order).
export const oCode = changetype<Table<i32>>(memory.data(MAX_OPS * <i32>sizeof<i32>(), 8));          // builtin operator
export const oNIn = changetype<Table<i32>>(memory.data(MAX_OPS * <i32>sizeof<i32>(), 8));
export const oIn = changetype<Table<i32>>(memory.data((MAX_OPS * MAX_OP_INPUTS) * <i32>sizeof<i32>(), 8)); // -1 = optional, absent
export const oOut = changetype<Table<i32>>(memory.data(MAX_OPS * <i32>sizeof<i32>(), 8));           // the single output tensor
export const oOptType = changetype<Table<u8>>(memory.data(MAX_OPS * <i32>sizeof<u8>(), 8));
export const oOpt = changetype<Table<i32>>(memory.data(MAX_OPS * <i32>sizeof<i32>(), 8));           // options table position, 0 absent

/** Parsed model summary. */
export let nTensors: i32 = 0;
export let nOps: i32 = 0;
export let gInput: i32 = -1;
export let gOutput: i32 = -1;
export let metaPtr: usize = 0;
export let metaLen: u32 = 0;

let buffersVec: i32 = 0;
let opcodesVec: i32 = 0;
// Result of bufferData().
let bufPtr: usize = 0;
let bufLen: i32 = 0;

/** Dimension `d` of tensor `t` (caller checks d < tRank[t]). */
export function dim(t: i32, d: i32): i32 {
  return unchecked(tDims[t * MAX_RANK + d]);
}

/** Scale 0 of tensor `t` (0 when it has none). */
export function scale0(t: i32): f32 {
  return unchecked(tNScale[t]) > 0 ? load<f32>(unchecked(tScales[t])) : 0;
}

/** Scale `c` of tensor `t` (caller checks c < tNScale[t]). */
export function scaleAt(t: i32, c: i32): f32 {
  return load<f32>(unchecked(tScales[t]) + (<usize>c << 2));
}

/** Zero point `c` of tensor `t`, 0 when it has none (caller checks c < tNZp[t]). */
export function zpAt(t: i32, c: i32): i64 {
  return unchecked(tNZp[t]) > c ? load<i64>(unchecked(tZps[t]) + (<usize>c << 3)) : 0;
}

/** Operator `o`'s input `k` (-1 when absent or k >= its input count). */
export function opInput(o: i32, k: i32): i32 {
  return k < unchecked(oNIn[o]) ? unchecked(oIn[o * MAX_OP_INPUTS + k]) : -1;
}

/** Forgets the parsed model (tables are overwritten by the next modelParse). */
export function modelClear(): void {
  nTensors = 0;
  nOps = 0;
  gInput = -1;
  gOutput = -1;
  metaPtr = 0;
  metaLen = 0;
}

/**
 * Parses the .tflite at [base, base + len) into the tables. Validates the structure only
 * (bounds, counts, types, buffer sizes); op semantics are checked by the kernels' prepare.
 * Returns OK or E_BOUNDS, E_BAD_MAGIC, E_VERSION, E_TOO_MANY, E_UNSUPPORTED_TYPE, E_SHAPE,
 * E_QUANT, E_UNSUPPORTED_OP, E_GRAPH; on failure the tables are cleared.
 */
export function modelParse(base: usize, len: u32): i32 {
  modelClear();
  const st = parseAll(base, len);
  if (st != S.OK) modelClear();
  return st;
}

function parseAll(base: usize, len: u32): i32 {
  let st = fbOpen(base, len);
  if (st != S.OK) return st;
  const root = fbRoot(T.TFL3_IDENT);
  if (root < 0) return root;
  const ver = fbU32(root, T.MODEL_VERSION, 4, 0);
  if (ver < 0) return S.E_BOUNDS;
  if (<u32>ver != T.SCHEMA_VERSION) return S.E_VERSION;
  buffersVec = fbVector(root, T.MODEL_BUFFERS, 4);
  if (buffersVec < 0) return buffersVec;
  opcodesVec = fbVector(root, T.MODEL_OPERATOR_CODES, 4);
  if (opcodesVec < 0) return opcodesVec;
  const subs = fbVector(root, T.MODEL_SUBGRAPHS, 4);
  if (subs < 0) return subs;
  if (fbVecLen(subs) < 1) return S.E_GRAPH;
  const sg = fbVecTable(subs, 0);
  if (sg < 0) return sg;
  st = parseTensors(sg);
  if (st != S.OK) return st;
  st = parseGraphIo(sg);
  if (st != S.OK) return st;
  st = parseOps(sg);
  if (st != S.OK) return st;
  return parseMetadata(root);
}

/** Sets bufPtr/bufLen to buffer `b`'s data (bufLen 0 when empty). */
function bufferData(b: i64): i32 {
  bufPtr = 0;
  bufLen = 0;
  if (b < 0 || b >= <i64>fbVecLen(buffersVec)) return S.E_BOUNDS;
  const bt = fbVecTable(buffersVec, <i32>b);
  if (bt < 0) return bt;
  const off = fbField(bt, T.BUFFER_OFFSET, 8);
  if (off < 0) return off;
  if (off > 0 && load<u64>(fbBasePtr() + <usize>off) > 1) {
    // Data stored after the flatbuffer (models > 2 GB): offset from the file start.
    const o = load<u64>(fbBasePtr() + <usize>off);
    const sz = fbField(bt, T.BUFFER_SIZE, 8);
    if (sz <= 0) return S.E_BOUNDS;
    const n = load<u64>(fbBasePtr() + <usize>sz);
    if (o > 0x7fffffff || n > 0x7fffffff || !fbFits(<i64>o, <i64>n)) return S.E_BOUNDS;
    bufPtr = fbBasePtr() + <usize>o;
    bufLen = <i32>n;
    return S.OK;
  }
  const v = fbVector(bt, T.BUFFER_DATA, 1);
  if (v < 0) return v;
  bufLen = fbVecLen(v);
  bufPtr = bufLen > 0 ? fbVecData(v) : 0;
  return S.OK;
}

function parseTensors(sg: i32): i32 {
  const tv = fbVector(sg, T.SUBGRAPH_TENSORS, 4);
  if (tv < 0) return tv;
  const n = fbVecLen(tv);
  if (n > MAX_TENSORS) return S.E_TOO_MANY;
  for (let i = 0; i < n; i++) {
    const t = fbVecTable(tv, i);
    if (t < 0) return t;
    const st = parseTensor(i, t);
    if (st != S.OK) return st;
  }
  nTensors = n;
  return S.OK;
}

function parseTensor(i: i32, t: i32): i32 {
  const ty = fbU32(t, T.TENSOR_TYPE, 1, 0);
  if (ty < 0) return S.E_BOUNDS;
  if (<u8>ty != T.TYPE_INT8 && <u8>ty != T.TYPE_INT32 && <u8>ty != T.TYPE_FLOAT32) return S.E_UNSUPPORTED_TYPE;
  if (fbIndirect(t, T.TENSOR_SPARSITY) != 0) return S.E_UNSUPPORTED_TYPE;
  unchecked(tType[i] = <u8>ty);
  const shape = fbVector(t, T.TENSOR_SHAPE, 4);
  if (shape < 0) return shape;
  const rank = fbVecLen(shape);
  if (rank > MAX_RANK) return S.E_SHAPE;
  let count: i64 = 1;
  for (let d = 0; d < rank; d++) {
    const v = fbVecI32(shape, d);
    if (v < 1) return S.E_SHAPE;
    count *= <i64>v;
    if (count > MAX_ELEMS) return S.E_SHAPE;
    unchecked(tDims[i * MAX_RANK + d] = v);
  }
  unchecked(tRank[i] = rank);
  unchecked(tCount[i] = <i32>count);
  const bytes = <i32>count * (<u8>ty == T.TYPE_INT8 ? 1 : 4);
  unchecked(tBytes[i] = bytes);
  unchecked(tPtr[i] = 0);
  const b = fbU32(t, T.TENSOR_BUFFER, 4, 0);
  if (b < 0) return S.E_BOUNDS;
  const st = bufferData(b);
  if (st != S.OK) return st;
  if (bufLen != 0 && bufLen != bytes) return S.E_SHAPE;
  unchecked(tConst[i] = bufPtr);
  return parseQuant(i, t);
}

function parseQuant(i: i32, t: i32): i32 {
  unchecked(tNScale[i] = 0);
  unchecked(tNZp[i] = 0);
  unchecked(tQDim[i] = 0);
  const q = fbIndirect(t, T.TENSOR_QUANTIZATION);
  if (q < 0) return q;
  if (q == 0) return S.OK;
  if (fbTable(q) < 0) return S.E_BOUNDS;
  const sv = fbVector(q, T.QUANT_SCALE, 4);
  if (sv < 0) return sv;
  const zv = fbVector(q, T.QUANT_ZERO_POINT, 8);
  if (zv < 0) return zv;
  const qd = fbU32(q, T.QUANT_DIMENSION, 4, 0);
  if (qd < 0) return S.E_BOUNDS;
  const ns = fbVecLen(sv);
  const nz = fbVecLen(zv);
  if (nz != 0 && nz != ns) return S.E_QUANT;
  unchecked(tNScale[i] = ns);
  unchecked(tScales[i] = ns > 0 ? fbVecData(sv) : 0);
  unchecked(tNZp[i] = nz);
  unchecked(tZps[i] = nz > 0 ? fbVecData(zv) : 0);
  unchecked(tQDim[i] = <i32>qd);
  return S.OK;
}

function parseGraphIo(sg: i32): i32 {
  const iv = fbVector(sg, T.SUBGRAPH_INPUTS, 4);
  if (iv < 0) return iv;
  const ov = fbVector(sg, T.SUBGRAPH_OUTPUTS, 4);
  if (ov < 0) return ov;
  if (fbVecLen(iv) != 1 || fbVecLen(ov) != 1) return S.E_GRAPH;
  const gi = fbVecI32(iv, 0);
  const go = fbVecI32(ov, 0);
  if (gi < 0 || gi >= nTensors || go < 0 || go >= nTensors) return S.E_GRAPH;
  gInput = gi;
  gOutput = go;
  return S.OK;
}

/**
 * Builtin code of operator_codes[idx]: max(deprecated_builtin_code, builtin_code); E_GRAPH for an
 * index out of range, E_BOUNDS for a bad table, E_UNSUPPORTED_OP when the code is negative.
 */
function opcodeOf(idx: i64): i32 {
  if (idx < 0 || idx >= <i64>fbVecLen(opcodesVec)) return S.E_GRAPH;
  const oc = fbVecTable(opcodesVec, <i32>idx);
  if (oc < 0) return oc;
  const dep = fbU32(oc, T.OPCODE_DEPRECATED_BUILTIN, 1, 0);
  const code = fbU32(oc, T.OPCODE_BUILTIN, 4, 0);
  if (dep < 0 || code < 0) return S.E_BOUNDS;
  const d = <i32><i8>(<u8>dep);
  const c = <i32>(<u32>code);
  const r = d > c ? d : c;
  // A negative code is no operator, and must not be mistaken for a status code by the caller.
  return r < 0 ? S.E_UNSUPPORTED_OP : r;
}

function parseOps(sg: i32): i32 {
  const ov = fbVector(sg, T.SUBGRAPH_OPERATORS, 4);
  if (ov < 0) return ov;
  const n = fbVecLen(ov);
  if (n > MAX_OPS) return S.E_TOO_MANY;
  for (let o = 0; o < n; o++) {
    const op = fbVecTable(ov, o);
    if (op < 0) return op;
    const st = parseOp(o, op);
    if (st != S.OK) return st;
  }
  nOps = n;
  return S.OK;
}

function parseOp(o: i32, op: i32): i32 {
  const idx = fbU32(op, T.OP_OPCODE_INDEX, 4, 0);
  if (idx < 0) return S.E_BOUNDS;
  const code = opcodeOf(idx);
  if (code < 0) return code;
  unchecked(oCode[o] = code);
  const iv = fbVector(op, T.OP_INPUTS, 4);
  if (iv < 0) return iv;
  const ov = fbVector(op, T.OP_OUTPUTS, 4);
  if (ov < 0) return ov;
  const ni = fbVecLen(iv);
  if (ni > MAX_OP_INPUTS) return S.E_TOO_MANY;
  if (fbVecLen(ov) != 1) return S.E_GRAPH;
  for (let k = 0; k < ni; k++) {
    const t = fbVecI32(iv, k);
    if (t < -1 || t >= nTensors) return S.E_GRAPH;
    unchecked(oIn[o * MAX_OP_INPUTS + k] = t);
  }
  unchecked(oNIn[o] = ni);
  const out = fbVecI32(ov, 0);
  if (out < 0 || out >= nTensors) return S.E_GRAPH;
  unchecked(oOut[o] = out);
  const ot = fbU32(op, T.OP_OPTIONS_TYPE, 1, 0);
  if (ot < 0) return S.E_BOUNDS;
  unchecked(oOptType[o] = <u8>ot);
  let opt = fbIndirect(op, T.OP_OPTIONS);
  if (opt > 0) opt = fbTable(opt);
  if (opt < 0) return opt;
  unchecked(oOpt[o] = opt);
  return S.OK;
}

/** Finds Model.metadata entry "dendra" and records its buffer (metaPtr/metaLen stay 0 if none). */
function parseMetadata(root: i32): i32 {
  const mv = fbVector(root, T.MODEL_METADATA, 4);
  if (mv < 0) return mv;
  const n = fbVecLen(mv);
  for (let i = 0; i < n; i++) {
    const m = fbVecTable(mv, i);
    if (m < 0) return m;
    if (!fbStringEquals(m, T.METADATA_NAME, "dendra")) continue;
    const b = fbU32(m, T.METADATA_BUFFER, 4, 0);
    if (b < 0) return S.E_BOUNDS;
    const st = bufferData(b);
    if (st != S.OK) return st;
    metaPtr = bufPtr;
    metaLen = <u32>bufLen;
    return S.OK;
  }
  return S.OK;
}

/**
 * QModel -> .tflite flatbuffer, built table by table with the `flatbuffers` Builder (no flatc
 * generated code): one subgraph, buffer 0 empty, constant data little-endian and 16-byte aligned,
 * Dendra metadata as named Model.metadata buffers.
 */
import { Builder } from 'flatbuffers';
import { InputError } from '../errors.ts';
import type { QModel, QOp, QOpCode, QParams, QTensor } from './ir.ts';
import {
  ActivationCode, AddSubOptionsF, BatchMatMulOptionsF, BufferF, BuiltinOperator, BuiltinOptionsType, FILE_IDENTIFIER,
  ConcatenationOptionsF, GatherOptionsF, ReducerOptionsF,
  FullyConnectedOptionsF, MetadataF, ModelF, MulOptionsF, OP_VERSION, OperatorCodeF, OperatorF,
  PLACEHOLDER_FOR_GREATER_OP_CODES, QuantF, ReshapeOptionsF, SCHEMA_VERSION, SoftmaxOptionsF, SubGraphF,
  TENSOR_TYPE_CODE, TensorF, elementBytes,
} from './schema.ts';

type Offset = number;

/** Little-endian bytes of a constant tensor's data. */
export function tensorBytes(t: QTensor): Uint8Array {
  const d = t.data!;
  const out = new Uint8Array(d.length * elementBytes(t.type));
  const v = new DataView(out.buffer);
  for (let i = 0; i < d.length; i++) {
    if (t.type === 'int8') v.setInt8(i, d[i]);
    else if (t.type === 'int32') v.setInt32(i * 4, d[i], true);
    else v.setFloat32(i * 4, d[i], true);
  }
  return out;
}

/** A [ubyte] vector aligned to 16 bytes (schema: Buffer.data force_align 16). */
function alignedBytes(b: Builder, bytes: Uint8Array): Offset {
  b.startVector(1, bytes.length, 16);
  for (let i = bytes.length - 1; i >= 0; i--) b.addInt8(bytes[i]);
  return b.endVector();
}

function int32Vector(b: Builder, xs: readonly number[]): Offset {
  b.startVector(4, xs.length, 4);
  for (let i = xs.length - 1; i >= 0; i--) b.addInt32(xs[i]);
  return b.endVector();
}

function offsetVector(b: Builder, xs: readonly Offset[]): Offset {
  b.startVector(4, xs.length, 4);
  for (let i = xs.length - 1; i >= 0; i--) b.addOffset(xs[i]);
  return b.endVector();
}

function buffer(b: Builder, bytes?: Uint8Array): Offset {
  const data = bytes && bytes.length > 0 ? alignedBytes(b, bytes) : 0;
  b.startObject(BufferF.count);
  if (data) b.addFieldOffset(BufferF.data, data, 0);
  return b.endObject();
}

function quantization(b: Builder, q: QParams): Offset {
  b.startVector(4, q.scale.length, 4);
  for (let i = q.scale.length - 1; i >= 0; i--) b.addFloat32(q.scale[i]);
  const scale = b.endVector();
  b.startVector(8, q.zeroPoint.length, 8);
  for (let i = q.zeroPoint.length - 1; i >= 0; i--) b.addInt64(BigInt(q.zeroPoint[i]));
  const zp = b.endVector();
  b.startObject(QuantF.count);
  b.addFieldOffset(QuantF.scale, scale, 0);
  b.addFieldOffset(QuantF.zero_point, zp, 0);
  b.addFieldInt32(QuantF.quantized_dimension, q.axis, 0);
  return b.endObject();
}

function tensor(b: Builder, t: QTensor, bufferIndex: number): Offset {
  const shape = int32Vector(b, t.shape);
  const name = b.createString(t.name);
  const quant = t.quant ? quantization(b, t.quant) : 0;
  b.startObject(TensorF.count);
  b.addFieldOffset(TensorF.shape, shape, 0);
  b.addFieldInt8(TensorF.type, TENSOR_TYPE_CODE[t.type], 0);
  b.addFieldInt32(TensorF.buffer, bufferIndex, 0);
  b.addFieldOffset(TensorF.name, name, 0);
  if (quant) b.addFieldOffset(TensorF.quantization, quant, 0);
  return b.endObject();
}

/** The builtin options table of one op; 0 for ops without options (RELU, RELU6, LOGISTIC, TANH, QUANTIZE, DEQUANTIZE). */
function builtinOptions(b: Builder, op: QOp): Offset {
  const o = op.options;
  switch (op.op) {
    case 'ADD':
    case 'SUB':
      b.startObject(AddSubOptionsF.count);
      b.addFieldInt8(AddSubOptionsF.fused_activation_function, ActivationCode[o.activation ?? 'NONE'], 0);
      return b.endObject();
    case 'MUL':
      b.startObject(MulOptionsF.count);
      b.addFieldInt8(MulOptionsF.fused_activation_function, ActivationCode[o.activation ?? 'NONE'], 0);
      return b.endObject();
    case 'RELU':
    case 'RELU6':
    case 'LOGISTIC':
    case 'TANH':
    case 'QUANTIZE':
    case 'DEQUANTIZE':
      return 0;
    case 'CONCATENATION':
      b.startObject(ConcatenationOptionsF.count);
      b.addFieldInt32(ConcatenationOptionsF.axis, o.axis ?? 0, 0);
      return b.endObject();
    case 'GATHER':
      b.startObject(GatherOptionsF.count);
      b.addFieldInt32(GatherOptionsF.axis, o.axis ?? 0, 0);
      b.addFieldInt32(GatherOptionsF.batch_dims, o.batchDims ?? 0, 0);
      return b.endObject();
    case 'SUM':
    case 'MEAN':
      b.startObject(ReducerOptionsF.count);
      b.addFieldInt8(ReducerOptionsF.keep_dims, o.keepDims ? 1 : 0, 0);
      return b.endObject();
    case 'FULLY_CONNECTED':
      b.startObject(FullyConnectedOptionsF.count);
      b.addFieldInt8(FullyConnectedOptionsF.fused_activation_function, ActivationCode[o.activation ?? 'NONE'], 0);
      b.addFieldInt8(FullyConnectedOptionsF.keep_num_dims, o.keepNumDims ? 1 : 0, 0);
      return b.endObject();
    case 'SOFTMAX':
      b.startObject(SoftmaxOptionsF.count);
      b.addFieldFloat32(SoftmaxOptionsF.beta, o.beta ?? 1, 0);
      return b.endObject();
    case 'RESHAPE': {
      const ns = o.newShape ? int32Vector(b, o.newShape) : 0;
      b.startObject(ReshapeOptionsF.count);
      if (ns) b.addFieldOffset(ReshapeOptionsF.new_shape, ns, 0);
      return b.endObject();
    }
    case 'BATCH_MATMUL':
      b.startObject(BatchMatMulOptionsF.count);
      b.addFieldInt8(BatchMatMulOptionsF.adj_x, o.adjX ? 1 : 0, 0);
      b.addFieldInt8(BatchMatMulOptionsF.adj_y, o.adjY ? 1 : 0, 0);
      return b.endObject();
  }
}

function operatorCode(b: Builder, code: QOpCode, keepNumDims: boolean): Offset {
  const builtin = BuiltinOperator[code];
  const version = code === 'FULLY_CONNECTED' && keepNumDims ? 5 : OP_VERSION[code];
  b.startObject(OperatorCodeF.count);
  b.addFieldInt8(OperatorCodeF.deprecated_builtin_code, Math.min(builtin, PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
  b.addFieldInt32(OperatorCodeF.version, version, 1);
  b.addFieldInt32(OperatorCodeF.builtin_code, builtin, 0);
  return b.endObject();
}

function operator(b: Builder, op: QOp, opcodeIndex: number): Offset {
  const inputs = int32Vector(b, op.inputs);
  const outputs = int32Vector(b, op.outputs);
  const opts = builtinOptions(b, op);
  b.startObject(OperatorF.count);
  b.addFieldInt32(OperatorF.opcode_index, opcodeIndex, 0);
  b.addFieldOffset(OperatorF.inputs, inputs, 0);
  b.addFieldOffset(OperatorF.outputs, outputs, 0);
  if (opts) {
    b.addFieldInt8(OperatorF.builtin_options_type, BuiltinOptionsType[op.op], 0);
    b.addFieldOffset(OperatorF.builtin_options, opts, 0);
  }
  return b.endObject();
}

/** Checks what the writer relies on; the reader/executor validate the rest. */
function checkWritable(m: QModel): void {
  const n = m.tensors.length;
  const idx = (i: number, what: string) => {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new InputError('E_MODEL', `${what} refers to tensor ${i}, model has ${n}`);
  };
  m.inputs.forEach((i) => idx(i, 'subgraph input'));
  m.outputs.forEach((i) => idx(i, 'subgraph output'));
  m.ops.forEach((op, k) => [...op.inputs, ...op.outputs].forEach((i) => idx(i, `op ${k} (${op.op})`)));
  for (const t of m.tensors) {
    const q = t.quant;
    if (q && q.scale.length !== q.zeroPoint.length) throw new InputError('E_MODEL', `tensor ${t.name}: ${q.scale.length} scales but ${q.zeroPoint.length} zero points`);
    if (t.data && t.data.length !== t.shape.reduce((a, x) => a * x, 1)) throw new InputError('E_MODEL', `tensor ${t.name}: ${t.data.length} values for shape [${t.shape}]`);
  }
}

function subgraph(b: Builder, m: QModel, opcodeIndex: Map<string, number>): Offset {
  let nextBuffer = 1;
  const tensors = m.tensors.map((t) => tensor(b, t, t.data ? nextBuffer++ : 0));
  const ops = m.ops.map((op) => operator(b, op, opcodeIndex.get(opKey(op))!));
  const tv = offsetVector(b, tensors);
  const inputs = int32Vector(b, m.inputs);
  const outputs = int32Vector(b, m.outputs);
  const ov = offsetVector(b, ops);
  const name = b.createString('main');
  b.startObject(SubGraphF.count);
  b.addFieldOffset(SubGraphF.tensors, tv, 0);
  b.addFieldOffset(SubGraphF.inputs, inputs, 0);
  b.addFieldOffset(SubGraphF.outputs, outputs, 0);
  b.addFieldOffset(SubGraphF.operators, ov, 0);
  b.addFieldOffset(SubGraphF.name, name, 0);
  return b.endObject();
}

function opKey(op: QOp): string {
  return op.op === 'FULLY_CONNECTED' && op.options.keepNumDims ? 'FULLY_CONNECTED/5' : op.op;
}

/**
 * Serializes a QModel as a TFLite flatbuffer (file identifier "TFL3", schema version 3).
 *
 * Buffer 0 is the empty sentinel; each constant tensor (with `data`) gets its own buffer in tensor
 * order, then one buffer per metadata entry in key order. Operator codes are deduplicated in order
 * of first use and carry both deprecated_builtin_code (min(code, 127)) and builtin_code.
 *
 * @throws InputError (code `E_MODEL`) when an op or subgraph index names no tensor, a tensor's data
 *   length does not match its shape, or a tensor has different numbers of scales and zero points.
 */
export function writeTflite(m: QModel): Uint8Array {
  checkWritable(m);
  const b = new Builder(4096);
  const codes: QOp[] = [];
  const opcodeIndex = new Map<string, number>();
  for (const op of m.ops) {
    if (!opcodeIndex.has(opKey(op))) {
      opcodeIndex.set(opKey(op), codes.length);
      codes.push(op);
    }
  }
  const metaNames = Object.keys(m.metadata);
  const bufferBytes: (Uint8Array | undefined)[] = [undefined];
  for (const t of m.tensors) if (t.data) bufferBytes.push(tensorBytes(t));
  const metaStart = bufferBytes.length;
  for (const k of metaNames) bufferBytes.push(m.metadata[k]);

  const buffers = offsetVector(b, bufferBytes.map((x) => buffer(b, x)));
  const opCodes = offsetVector(b, codes.map((op) => operatorCode(b, op.op, !!op.options.keepNumDims)));
  const sg = offsetVector(b, [subgraph(b, m, opcodeIndex)]);
  const description = b.createString(m.description);
  const meta = offsetVector(b, metaNames.map((k, i) => {
    const name = b.createString(k);
    b.startObject(MetadataF.count);
    b.addFieldOffset(MetadataF.name, name, 0);
    b.addFieldInt32(MetadataF.buffer, metaStart + i, 0);
    return b.endObject();
  }));
  b.startObject(ModelF.count);
  b.addFieldInt32(ModelF.version, SCHEMA_VERSION, 0);
  b.addFieldOffset(ModelF.operator_codes, opCodes, 0);
  b.addFieldOffset(ModelF.subgraphs, sg, 0);
  b.addFieldOffset(ModelF.description, description, 0);
  b.addFieldOffset(ModelF.buffers, buffers, 0);
  if (metaNames.length) b.addFieldOffset(ModelF.metadata, meta, 0);
  b.finish(b.endObject(), FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}

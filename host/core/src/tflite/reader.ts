/**
 * .tflite flatbuffer -> QModel, validating every offset, length and index on the way (see
 * fbview.ts). Only what Dendra's executor can run is accepted: one subgraph, int8/int32/float32
 * tensors, and the builtin ops FULLY_CONNECTED, RESHAPE, SOFTMAX, BATCH_MATMUL, ADD, SUB, MUL, RELU,
 * RELU6, LOGISTIC, TANH, GATHER, CONCATENATION, SUM, MEAN, QUANTIZE, DEQUANTIZE.
 */
import type { QActivation, QModel, QOp, QOpCode, QOpOptions, QParams, QTensor, QType } from './ir.ts';
import { FbTable, FbView, modelError } from './fbview.ts';
import {
  ActivationCode, AddSubOptionsF, BatchMatMulOptionsF, BufferF, BuiltinOperator, BuiltinOptionsType, FILE_IDENTIFIER,
  ConcatenationOptionsF, EMPTY_OPTIONS_TYPE, GatherOptionsF, ReducerOptionsF,
  FullyConnectedOptionsF, MetadataF, ModelF, MulOptionsF, OperatorCodeF, OperatorF, QuantF, ReshapeOptionsF,
  SCHEMA_VERSION, SoftmaxOptionsF, SubGraphF, TENSOR_TYPE_CODE, TensorF, elementBytes,
} from './schema.ts';

/** Largest tensor Dendra accepts (elements); far above any board's arena. */
export const MAX_ELEMENTS = 1 << 24;

const OP_BY_CODE = new Map<number, QOpCode>(Object.entries(BuiltinOperator).map(([k, v]) => [v, k as QOpCode]));
const TYPE_BY_CODE = new Map<number, QType>(Object.entries(TENSOR_TYPE_CODE).map(([k, v]) => [v, k as QType]));
const ACT_BY_CODE = new Map<number, QActivation>(Object.entries(ActivationCode).map(([k, v]) => [v, k as QActivation]));

/** Buffer i's bytes (a copy), empty when the buffer has no data. */
function readBuffers(model: FbTable): Uint8Array[] {
  return model.tables(ModelF.buffers, 'buffers').map((b, i) => {
    if (b.u64(BufferF.offset) > 1n) modelError(`buffer ${i} is stored outside the flatbuffer (>2 GB models are not supported)`);
    const v = b.vector(BufferF.data, 1, `buffer ${i} data`);
    return model.view.bytes.slice(v.start, v.start + v.length);
  });
}

/** builtin code of operator_codes[i] (TFLite: max of deprecated_builtin_code and builtin_code). */
function readOpCodes(model: FbTable): QOpCode[] {
  return model.tables(ModelF.operator_codes, 'operator_codes').map((c, i) => {
    const code = Math.max(c.i8(OperatorCodeF.deprecated_builtin_code, 0), c.i32(OperatorCodeF.builtin_code, 0));
    const op = OP_BY_CODE.get(code);
    if (!op) {
      const custom = c.string(OperatorCodeF.custom_code, `operator_codes[${i}].custom_code`);
      modelError(`operator code ${i} is ${custom ? `custom op "${custom}"` : `builtin ${code}`}, which Dendra does not support`);
    }
    return op;
  });
}

function readQuant(t: FbTable, name: string, shape: number[]): QParams | undefined {
  const q = t.table(TensorF.quantization, `tensor ${name} quantization`);
  if (!q) return undefined;
  const sv = q.vector(QuantF.scale, 4, `tensor ${name} scale`);
  const zv = q.vector(QuantF.zero_point, 8, `tensor ${name} zero_point`);
  if (sv.length === 0 && zv.length === 0) return undefined;
  if (q.u8(QuantF.details_type, 0) !== 0) modelError(`tensor ${name} uses custom quantization details`);
  if (sv.length !== zv.length) modelError(`tensor ${name} has ${sv.length} scales but ${zv.length} zero points`);
  const scale: number[] = [];
  const zeroPoint: number[] = [];
  for (let i = 0; i < sv.length; i++) {
    const s = q.view.f32(sv.start + 4 * i, 'scale');
    const z = q.view.i64(zv.start + 8 * i, 'zero_point');
    if (!(s > 0) || !Number.isFinite(s)) modelError(`tensor ${name} scale[${i}] = ${s} is not finite and positive`);
    if (z < -2147483648n || z > 2147483647n) modelError(`tensor ${name} zero_point[${i}] = ${z} does not fit in int32`);
    scale.push(s);
    zeroPoint.push(Number(z));
  }
  const axis = q.i32(QuantF.quantized_dimension, 0);
  if (scale.length > 1 && (axis < 0 || axis >= shape.length || shape[axis] !== scale.length)) {
    modelError(`tensor ${name} has ${scale.length} scales on axis ${axis} of shape [${shape}]`);
  }
  return { scale, zeroPoint, axis };
}

function decodeData(type: QType, b: Uint8Array): Int8Array | Int32Array | Float32Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = b.length / elementBytes(type);
  if (type === 'int8') return new Int8Array(b.buffer, b.byteOffset, b.byteLength).slice();
  const out = type === 'int32' ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = type === 'int32' ? dv.getInt32(4 * i, true) : dv.getFloat32(4 * i, true);
  return out;
}

function readTensor(t: FbTable, i: number, buffers: Uint8Array[]): QTensor {
  const name = t.string(TensorF.name, `tensor ${i} name`) || `#${i}`;
  const code = t.i8(TensorF.type, 0);
  const type = TYPE_BY_CODE.get(code);
  if (!type) modelError(`tensor ${name} has type ${code}; Dendra supports int8, int32 and float32`);
  if (t.field(TensorF.sparsity, 4)) modelError(`tensor ${name} is sparse, which Dendra does not support`);
  const shape = t.ints(TensorF.shape, `tensor ${name} shape`);
  if (shape.some((d) => d < 0)) modelError(`tensor ${name} has a dynamic or negative dimension in [${shape}]`);
  const count = shape.reduce((a, d) => a * d, 1);
  if (count > MAX_ELEMENTS) modelError(`tensor ${name} [${shape}] has ${count} elements (max ${MAX_ELEMENTS})`);
  const buf = t.u32(TensorF.buffer, 0);
  if (buf >= buffers.length) modelError(`tensor ${name} refers to buffer ${buf}, model has ${buffers.length}`);
  const tensor: QTensor = { name, type, shape };
  const quant = readQuant(t, name, shape);
  if (quant) tensor.quant = quant;
  const bytes = buffers[buf];
  if (bytes.length > 0) {
    if (bytes.length !== count * elementBytes(type)) {
      modelError(`tensor ${name} [${shape}] ${type} needs ${count * elementBytes(type)} bytes, buffer ${buf} has ${bytes.length}`);
    }
    tensor.data = decodeData(type, bytes);
  }
  return tensor;
}

function readOptions(op: QOpCode, o: FbTable, k: number): QOpOptions {
  const what = `op ${k} (${op}) options`;
  const opts = o.table(OperatorF.builtin_options, what);
  const type = o.u8(OperatorF.builtin_options_type, 0);
  if (type !== 0 && type !== BuiltinOptionsType[op] && type !== EMPTY_OPTIONS_TYPE[op]) {
    modelError(`${what} have union type ${type}, want ${BuiltinOptionsType[op]}`);
  }
  if (!opts || type === 0) return op === 'SOFTMAX' ? { beta: 1 } : {};
  switch (op) {
    case 'FULLY_CONNECTED': {
      const a = opts.i8(FullyConnectedOptionsF.fused_activation_function, 0);
      const activation = ACT_BY_CODE.get(a);
      if (!activation) modelError(`op ${k} (FULLY_CONNECTED) has fused activation ${a}; Dendra supports NONE, RELU, RELU_N1_TO_1, RELU6`);
      if (opts.i8(FullyConnectedOptionsF.weights_format, 0) !== 0) modelError(`op ${k} (FULLY_CONNECTED) uses shuffled weights`);
      return { activation, keepNumDims: opts.u8(FullyConnectedOptionsF.keep_num_dims, 0) !== 0 };
    }
    case 'SOFTMAX':
      return { beta: opts.f32(SoftmaxOptionsF.beta, 0) };
    case 'RESHAPE': {
      const ns = opts.ints(ReshapeOptionsF.new_shape, what);
      return ns.length ? { newShape: ns } : {};
    }
    case 'BATCH_MATMUL':
      return { adjX: opts.u8(BatchMatMulOptionsF.adj_x, 0) !== 0, adjY: opts.u8(BatchMatMulOptionsF.adj_y, 0) !== 0 };
    case 'ADD':
    case 'SUB':
    case 'MUL': {
      const slot = op === 'MUL' ? MulOptionsF.fused_activation_function : AddSubOptionsF.fused_activation_function;
      const a = opts.i8(slot, 0);
      const activation = ACT_BY_CODE.get(a);
      if (!activation) modelError(`op ${k} (${op}) has fused activation ${a}; Dendra supports NONE, RELU, RELU_N1_TO_1, RELU6`);
      return { activation };
    }
    case 'CONCATENATION': {
      const a = opts.i8(ConcatenationOptionsF.fused_activation_function, 0);
      if (a !== 0) modelError(`op ${k} (CONCATENATION) has fused activation ${a}; TFLite int8 supports NONE only`);
      return { axis: opts.i32(ConcatenationOptionsF.axis, 0) };
    }
    case 'GATHER':
      return { axis: opts.i32(GatherOptionsF.axis, 0), batchDims: opts.i32(GatherOptionsF.batch_dims, 0) };
    case 'SUM':
    case 'MEAN':
      return { keepDims: opts.u8(ReducerOptionsF.keep_dims, 0) !== 0 };
    case 'RELU':
    case 'RELU6':
    case 'LOGISTIC':
    case 'TANH':
    case 'QUANTIZE':
    case 'DEQUANTIZE':
      return {};
  }
}

function readOperator(o: FbTable, k: number, codes: QOpCode[], nTensors: number): QOp {
  const ci = o.u32(OperatorF.opcode_index, 0);
  if (ci >= codes.length) modelError(`op ${k} has opcode index ${ci}, model has ${codes.length} operator codes`);
  const op = codes[ci];
  const inputs = o.ints(OperatorF.inputs, `op ${k} inputs`);
  const outputs = o.ints(OperatorF.outputs, `op ${k} outputs`);
  for (const i of inputs) if (i < -1 || i >= nTensors) modelError(`op ${k} (${op}) input ${i} is not a tensor (model has ${nTensors})`);
  for (const i of outputs) if (i < 0 || i >= nTensors) modelError(`op ${k} (${op}) output ${i} is not a tensor (model has ${nTensors})`);
  return { op, inputs, outputs, options: readOptions(op, o, k) };
}

function readMetadata(model: FbTable, buffers: Uint8Array[]): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  model.tables(ModelF.metadata, 'metadata').forEach((m, i) => {
    const name = m.string(MetadataF.name, `metadata ${i} name`);
    const b = m.u32(MetadataF.buffer, 0);
    if (b >= buffers.length) modelError(`metadata "${name}" refers to buffer ${b}, model has ${buffers.length}`);
    out[name] = buffers[b];
  });
  return out;
}

/**
 * Parses and validates a .tflite model.
 *
 * @param bytes The whole file.
 * @returns The model; constant tensors carry decoded copies of their data, metadata entries copies
 *   of their buffers.
 * @throws InputError (code `E_MODEL`, message naming the problem) when the file is too short, lacks
 *   the "TFL3" identifier, has a schema version other than 3, not exactly one subgraph, any offset,
 *   vtable, vector or string outside the file, an unsupported tensor type, op or activation, a
 *   tensor/buffer/opcode index out of range, a tensor above {@link MAX_ELEMENTS} elements, a buffer whose size does not match its tensor, or
 *   inconsistent quantization parameters.
 */
export function readTflite(bytes: Uint8Array): QModel {
  if (!(bytes instanceof Uint8Array) || bytes.length < 8) modelError(`file is ${bytes?.length ?? 0} bytes, too short for a flatbuffer`);
  const ident = String.fromCharCode(...bytes.subarray(4, 8));
  if (ident !== FILE_IDENTIFIER) modelError(`file identifier is ${JSON.stringify(ident)}, want "${FILE_IDENTIFIER}"`);
  const view = new FbView(bytes);
  const model = view.root('model');
  const version = model.u32(ModelF.version, 0);
  if (version !== SCHEMA_VERSION) modelError(`schema version ${version}, want ${SCHEMA_VERSION}`);
  const buffers = readBuffers(model);
  const codes = readOpCodes(model);
  const subgraphs = model.tables(ModelF.subgraphs, 'subgraphs');
  if (subgraphs.length !== 1) modelError(`model has ${subgraphs.length} subgraphs, Dendra needs exactly 1`);
  const sg = subgraphs[0];
  const tensors = sg.tables(SubGraphF.tensors, 'tensors').map((t, i) => readTensor(t, i, buffers));
  const ops = sg.tables(SubGraphF.operators, 'operators').map((o, k) => readOperator(o, k, codes, tensors.length));
  const io = (slot: number, what: string) => sg.ints(slot, what).map((i) => {
    if (i < 0 || i >= tensors.length) modelError(`subgraph ${what} ${i} is not a tensor (model has ${tensors.length})`);
    return i;
  });
  return {
    description: model.string(ModelF.description, 'description'),
    tensors, ops, inputs: io(SubGraphF.inputs, 'input'), outputs: io(SubGraphF.outputs, 'output'),
    metadata: readMetadata(model, buffers),
  };
}

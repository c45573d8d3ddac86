/**
 * Host int8 reference executor: runs a QModel op by op with TFLite reference-kernel semantics
 * (kernels/*.ts). Bit-exact with TFLite's reference kernels and TFLite Micro, and so with the
 * firmware's interpreter, on Dendra's op set.
 */
import { InputError } from '@dendra/core/errors.ts';
import type { QModel, QOpCode } from '@dendra/core/tflite/ir.ts';
import { prepareBatchMatMul } from './kernels/batch_matmul.ts';
import { elementCount, type OpSite, type PreparedOp, type Values } from './kernels/common.ts';
import { prepareFullyConnected } from './kernels/fully_connected.ts';
import { prepareReshape } from './kernels/reshape.ts';
import { prepareSoftmax } from './kernels/softmax.ts';
import { prepareAdd } from './kernels/add.ts';
import { prepareSub } from './kernels/sub.ts';
import { prepareMul } from './kernels/mul.ts';
import { prepareRelu, prepareRelu6 } from './kernels/relu.ts';
import { prepareLogistic } from './kernels/logistic.ts';
import { prepareTanh } from './kernels/tanh.ts';
import { prepareGather } from './kernels/gather.ts';
import { prepareConcatenation } from './kernels/concatenation.ts';
import { prepareMean, prepareSum } from './kernels/reduce.ts';
import { prepareDequantize, prepareQuantize } from './kernels/quantize.ts';

const PREPARE: Record<QOpCode, (site: OpSite) => PreparedOp> = {
  FULLY_CONNECTED: prepareFullyConnected,
  BATCH_MATMUL: prepareBatchMatMul,
  RESHAPE: prepareReshape,
  SOFTMAX: prepareSoftmax,
  ADD: prepareAdd,
  SUB: prepareSub,
  MUL: prepareMul,
  RELU: prepareRelu,
  RELU6: prepareRelu6,
  LOGISTIC: prepareLogistic,
  TANH: prepareTanh,
  GATHER: prepareGather,
  CONCATENATION: prepareConcatenation,
  SUM: prepareSum,
  MEAN: prepareMean,
  QUANTIZE: prepareQuantize,
  DEQUANTIZE: prepareDequantize,
};

/** A model prepared for repeated int8 inference. */
export interface Int8Program {
  /** Element count of the input. */
  readonly inputSize: number;
  /** Runs one inference; returns a fresh output array. */
  run(input: Int8Array): Int8Array;
}

function modelError(msg: string): never {
  throw new InputError('E_MODEL', msg.replace(/[\u0000-\u001f\u007f]/g, ' '));
}

/** Checks that every op input is a constant, the model input, or an earlier op's output. */
function checkDataflow(m: QModel): void {
  const ready = new Set<number>(m.inputs);
  m.tensors.forEach((t, i) => { if (t.data) ready.add(i); });
  m.ops.forEach((op, k) => {
    const used = op.op === 'RESHAPE' ? op.inputs.slice(0, 1) : op.inputs.filter((i) => i >= 0);
    for (const i of used) {
      if (!ready.has(i)) modelError(`op ${k} (${op.op}) reads tensor ${i} (${m.tensors[i]?.name ?? '?'}) before anything writes it`);
    }
    for (const o of op.outputs) {
      if (m.tensors[o]?.data) modelError(`op ${k} (${op.op}) writes constant tensor ${m.tensors[o].name}`);
      ready.add(o);
    }
  });
  for (const o of m.outputs) if (!ready.has(o)) modelError(`model output tensor ${o} is never written`);
}

/** A model prepared for repeated inference with int8 or float32 input/output. */
export interface Program {
  /** Element count of the input. */
  readonly inputSize: number;
  /** Runs one inference on an input of the model's input type; returns a fresh output array. */
  run(input: Int8Array | Float32Array): Int8Array | Float32Array;
}

/**
 * Validates a model whose input and output are int8 or float32 tensors (float32 edges come with
 * QUANTIZE / DEQUANTIZE ops) and prepares every op once.
 *
 * @throws InputError (code `E_MODEL`) as {@link prepareInt8}, but accepting float32 edges;
 *   at run: InputError `E_DATA` for an input of the wrong type or size, `E_INDEX` for a GATHER
 *   index outside its axis.
 */
export function prepareModel(m: QModel): Program {
  if (m.inputs.length !== 1 || m.outputs.length !== 1) modelError(`model has ${m.inputs.length} inputs and ${m.outputs.length} outputs, the executor needs 1 and 1`);
  const inT = m.tensors[m.inputs[0]];
  const outT = m.tensors[m.outputs[0]];
  const edge = (t: typeof inT) => t?.type === 'int8' || t?.type === 'float32';
  if (!edge(inT) || !edge(outT)) modelError('model input and output must be int8 or float32 tensors');
  checkDataflow(m);
  const ops = m.ops.map((op, index) => {
    const prepare = PREPARE[op.op] ?? modelError(`op ${index} is ${String(op.op)}, which the executor does not support`);
    return prepare({ model: m, op, index });
  });
  const inputSize = elementCount(inT.shape);
  const constants: Values = m.tensors.map((t) => t.data);
  const [xi, yi] = [m.inputs[0], m.outputs[0]];
  const InputType = inT.type === 'int8' ? Int8Array : Float32Array;
  return {
    inputSize,
    run(input: Int8Array | Float32Array): Int8Array | Float32Array {
      if (!(input instanceof InputType) || input.length !== inputSize) {
        throw new InputError('E_DATA', `model input ${inT.name} needs ${inputSize} ${inT.type} values, got ${input?.length ?? 0}`);
      }
      const values = constants.slice();
      values[xi] = input;
      for (const op of ops) op.eval(values);
      return (values[yi] as Int8Array | Float32Array).slice();
    },
  };
}

/**
 * Validates a model and prepares every op (multipliers, shapes) once.
 *
 * @throws InputError (code `E_MODEL`) when the model does not have exactly one int8 input and one
 *   int8 output, an op reads a tensor before it is written, or any op fails its kernel's prepare
 *   (see the kernels' docs), with a one-line message naming the op.
 */
export function prepareInt8(m: QModel): Int8Program {
  const inT = m.tensors[m.inputs[0]];
  const outT = m.tensors[m.outputs[0]];
  if (m.inputs.length === 1 && m.outputs.length === 1 && (inT?.type !== 'int8' || outT?.type !== 'int8')) {
    modelError('model input and output must be int8 tensors');
  }
  const p = prepareModel(m);
  return { inputSize: p.inputSize, run: (input: Int8Array) => p.run(input) as Int8Array };
}

const cache = new WeakMap<QModel, Int8Program>();

/**
 * Runs one int8 inference with TFLite reference-kernel semantics. The prepared form of `m` is
 * cached per model object: do not mutate a model's tensors or ops after running it (build a new
 * QModel instead).
 *
 * @param input The model input, element count = the input tensor's.
 * @returns The model output (a new Int8Array).
 * @throws InputError (code `E_MODEL`) when the model is invalid (see {@link prepareInt8});
 *   InputError (code `E_DATA`) when `input` is not an Int8Array of the input's size.
 */
export function runInt8(m: QModel, input: Int8Array): Int8Array {
  let p = cache.get(m);
  if (!p) {
    p = prepareInt8(m);
    cache.set(m, p);
  }
  return p.run(input);
}

const anyCache = new WeakMap<QModel, Program>();

/**
 * Runs one inference of a model with int8 or float32 edges (see {@link prepareModel}); cached per
 * model object like {@link runInt8}.
 *
 * @throws InputError `E_MODEL` (invalid model), `E_DATA` (input of the wrong type or size),
 *   `E_INDEX` (a GATHER index outside its axis).
 */
export function runModel(m: QModel, input: Int8Array | Float32Array): Int8Array | Float32Array {
  let p = anyCache.get(m);
  if (!p) {
    p = prepareModel(m);
    anyCache.set(m, p);
  }
  return p.run(input);
}

/**
 * The parts of the TFLite flatbuffer schema Dendra reads and writes: enum values and the
 * vtable slot (0-based field index) of every table field used.
 *
 * Checked against tensorflow/lite/schema/schema.fbs (tensorflow/tflite-micro, commit 6cdf0d78).
 * A union field takes two slots: `<name>_type` (u8) then the value; e.g. Operator.builtin_options
 * is declared fourth but its type byte is slot 3 and its table is slot 4.
 */
import type { QActivation, QOpCode, QType } from './ir.ts';

/** Flatbuffer file identifier of a .tflite ("TFL3"). */
export const FILE_IDENTIFIER = 'TFL3';
/** Schema version written in Model.version. */
export const SCHEMA_VERSION = 3;

/** TensorType enum values (schema.fbs `enum TensorType : byte`). */
export const TensorType = { FLOAT32: 0, INT32: 2, INT64: 4, INT8: 9 } as const;

/** QType -> TensorType value. */
export const TENSOR_TYPE_CODE: Record<QType, number> = { float32: 0, int32: 2, int8: 9 };

/** BuiltinOperator codes (schema.fbs `enum BuiltinOperator : int32`). */
export const BuiltinOperator: Record<QOpCode, number> = {
  ADD: 0,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  SOFTMAX: 25,
  TANH: 28,
  SUB: 41,
  BATCH_MATMUL: 126,
  CONCATENATION: 2,
  DEQUANTIZE: 6,
  GATHER: 36,
  MEAN: 40,
  SUM: 74,
  QUANTIZE: 114,
};

/** Codes >= this are only in OperatorCode.builtin_code; deprecated_builtin_code holds 127. */
export const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

/**
 * Operator versions written in OperatorCode.version for int8 models (as the TFLite converter
 * assigns them in op_version.cc: FC int8 = 4 (5 with keep_num_dims), SOFTMAX int8 = 2,
 * BATCH_MATMUL int8 = 2, RESHAPE = 1; ADD, SUB, MUL, RELU, RELU6, LOGISTIC and TANH int8 = 2).
 */
export const OP_VERSION: Record<QOpCode, number> = {
  FULLY_CONNECTED: 4,
  RESHAPE: 1,
  SOFTMAX: 2,
  BATCH_MATMUL: 2,
  ADD: 2,
  SUB: 2,
  MUL: 2,
  RELU: 2,
  RELU6: 2,
  LOGISTIC: 2,
  TANH: 2,
  GATHER: 2,
  CONCATENATION: 2,
  SUM: 2,
  MEAN: 2,
  QUANTIZE: 2,
  DEQUANTIZE: 2,
};

/**
 * BuiltinOptions union type ids (1-based position in `union BuiltinOptions`, 0 = NONE: the op has
 * no options table).
 */
export const BuiltinOptionsType: Record<QOpCode, number> = {
  FULLY_CONNECTED: 8, // FullyConnectedOptions
  SOFTMAX: 9, // SoftmaxOptions
  ADD: 11, // AddOptions
  RESHAPE: 17, // ReshapeOptions
  MUL: 21, // MulOptions
  SUB: 28, // SubOptions
  BATCH_MATMUL: 101, // BatchMatMulOptions
  RELU: 0,
  RELU6: 0,
  LOGISTIC: 0,
  TANH: 0,
  CONCATENATION: 10, // ConcatenationOptions
  GATHER: 23, // GatherOptions
  SUM: 27, // ReducerOptions
  MEAN: 27, // ReducerOptions
  DEQUANTIZE: 0, // DequantizeOptions (38) is empty: none written
  QUANTIZE: 0, // QuantizeOptions (89) is empty: none written
};

/** Union ids of the empty option tables a converter may still write (accepted by the reader). */
export const EMPTY_OPTIONS_TYPE: Partial<Record<QOpCode, number>> = { DEQUANTIZE: 38, QUANTIZE: 89 };

/** ActivationFunctionType enum values. */
export const ActivationCode: Record<QActivation, number> = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3 };

/** Vtable slots of Model. */
export const ModelF = {
  version: 0, operator_codes: 1, subgraphs: 2, description: 3, buffers: 4, metadata_buffer: 5, metadata: 6,
  count: 8,
} as const;
/** Vtable slots of SubGraph. */
export const SubGraphF = { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4, count: 5 } as const;
/** Vtable slots of Tensor. */
export const TensorF = {
  shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, is_variable: 5, sparsity: 6, count: 9,
} as const;
/** Vtable slots of QuantizationParameters (details is a union: slots 4 and 5). */
export const QuantF = {
  min: 0, max: 1, scale: 2, zero_point: 3, details_type: 4, details: 5, quantized_dimension: 6, count: 7,
} as const;
/** Vtable slots of OperatorCode. */
export const OperatorCodeF = { deprecated_builtin_code: 0, custom_code: 1, version: 2, builtin_code: 3, count: 4 } as const;
/** Vtable slots of Operator (builtin_options is a union: slots 3 and 4). */
export const OperatorF = {
  opcode_index: 0, inputs: 1, outputs: 2, builtin_options_type: 3, builtin_options: 4, custom_options: 5,
  count: 7,
} as const;
/** Vtable slots of Buffer. */
export const BufferF = { data: 0, offset: 1, size: 2, count: 3 } as const;
/** Vtable slots of Metadata. */
export const MetadataF = { name: 0, buffer: 1, count: 2 } as const;
/** Vtable slots of FullyConnectedOptions. */
export const FullyConnectedOptionsF = {
  fused_activation_function: 0, weights_format: 1, keep_num_dims: 2, asymmetric_quantize_inputs: 3, count: 4,
} as const;
/** Vtable slots of SoftmaxOptions. */
export const SoftmaxOptionsF = { beta: 0, count: 1 } as const;
/** Vtable slots of ReshapeOptions. */
export const ReshapeOptionsF = { new_shape: 0, count: 1 } as const;
/** Vtable slots of AddOptions and SubOptions (pot_scale_int16 matters for int16 only). */
export const AddSubOptionsF = { fused_activation_function: 0, pot_scale_int16: 1, count: 2 } as const;
/** Vtable slots of MulOptions. */
export const MulOptionsF = { fused_activation_function: 0, count: 1 } as const;
/** Vtable slots of BatchMatMulOptions. */
export const BatchMatMulOptionsF = { adj_x: 0, adj_y: 1, asymmetric_quantize_inputs: 2, count: 3 } as const;

/** Vtable slots of ConcatenationOptions. */
export const ConcatenationOptionsF = { axis: 0, fused_activation_function: 1, count: 2 } as const;
/** Vtable slots of GatherOptions. */
export const GatherOptionsF = { axis: 0, batch_dims: 1, count: 2 } as const;
/** Vtable slots of ReducerOptions (SUM, MEAN). */
export const ReducerOptionsF = { keep_dims: 0, count: 1 } as const;

/** Byte size of one element of a QType. */
export function elementBytes(t: QType): number {
  return t === 'int8' ? 1 : 4;
}

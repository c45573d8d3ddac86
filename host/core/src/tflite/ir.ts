/**
 * QModel: Dendra's in-memory form of an int8 TFLite model. The writer turns it into a .tflite
 * flatbuffer, the reader turns a .tflite back into it (validated), and the host int8 executor runs it.
 * Field meanings follow the TFLite schema (tensorflow/lite/schema/schema.fbs).
 */

/** Tensor element types Dendra uses (TFLite TensorType names). */
export type QType = 'int8' | 'int32' | 'float32';

/** Builtin ops Dendra's spine graph uses (TFLite BuiltinOperator names). */
export type QOpCode =
  | 'FULLY_CONNECTED' | 'BATCH_MATMUL' | 'RESHAPE' | 'SOFTMAX'
  | 'ADD' | 'SUB' | 'MUL' | 'RELU' | 'RELU6' | 'LOGISTIC' | 'TANH'
  | 'GATHER' | 'CONCATENATION' | 'SUM' | 'MEAN' | 'QUANTIZE' | 'DEQUANTIZE';

/** Quantization of one tensor: per-tensor when scale has one entry, else per-channel on `axis`. */
export interface QParams {
  scale: number[];
  zeroPoint: number[];
  /** TFLite quantized_dimension; 0 for per-tensor. */
  axis: number;
}

/** One tensor. `data` is set for constants (weights, biases, adjacency, shapes). */
export interface QTensor {
  name: string;
  type: QType;
  shape: number[];
  quant?: QParams;
  data?: Int8Array | Int32Array | Float32Array;
}

/** Fused activation of FULLY_CONNECTED, ADD, SUB and MUL (TFLite ActivationFunctionType). */
export type QActivation = 'NONE' | 'RELU' | 'RELU_N1_TO_1' | 'RELU6';

/** Options per op; only those the op uses are read. */
export interface QOpOptions {
  activation?: QActivation;
  /** SOFTMAX beta. */
  beta?: number;
  /** BATCH_MATMUL adjoint flags. */
  adjX?: boolean;
  adjY?: boolean;
  /** RESHAPE new shape (also given as a constant int32 input tensor). */
  newShape?: number[];
  /** FULLY_CONNECTED keep_num_dims. */
  keepNumDims?: boolean;
  /** GATHER / CONCATENATION axis (negative counts from the end; default 0). */
  axis?: number;
  /** GATHER batch_dims (default 0). */
  batchDims?: number;
  /** SUM / MEAN keep_dims (ReducerOptions). */
  keepDims?: boolean;
}

/** One operator: indices into {@link QModel.tensors}. */
export interface QOp {
  op: QOpCode;
  inputs: number[];
  outputs: number[];
  options: QOpOptions;
}

/** A whole single-subgraph model. */
export interface QModel {
  /** TFLite `description`. */
  description: string;
  tensors: QTensor[];
  ops: QOp[];
  inputs: number[];
  outputs: number[];
  /** Named metadata buffers (TFLite Model.metadata); Dendra's is "dendra". */
  metadata: Record<string, Uint8Array>;
}

// TFLite schema constants (tensorflow/lite/schema/schema.fbs, schema version 3): the field ids
// (vtable slots) the firmware reads, and the enum values it supports. Field ids are the order
// of declaration in each table, counting a union as two fields (its _type byte, then its value).

/** File identifier "TFL3" read as a little-endian u32. */
export const TFL3_IDENT: u32 = 0x334c4654;
/** Model.version the firmware accepts. */
export const SCHEMA_VERSION: u32 = 3;

// table Model
export const MODEL_VERSION: i32 = 0;        // uint
export const MODEL_OPERATOR_CODES: i32 = 1; // [OperatorCode]
export const MODEL_SUBGRAPHS: i32 = 2;      // [SubGraph]
export const MODEL_BUFFERS: i32 = 4;        // [Buffer]
export const MODEL_METADATA: i32 = 6;       // [Metadata]

// table OperatorCode
export const OPCODE_DEPRECATED_BUILTIN: i32 = 0; // byte
export const OPCODE_BUILTIN: i32 = 3;            // BuiltinOperator (int32)

// table SubGraph
export const SUBGRAPH_TENSORS: i32 = 0;   // [Tensor]
export const SUBGRAPH_INPUTS: i32 = 1;    // [int]
export const SUBGRAPH_OUTPUTS: i32 = 2;   // [int]
export const SUBGRAPH_OPERATORS: i32 = 3; // [Operator]

// table Tensor
export const TENSOR_SHAPE: i32 = 0;        // [int]
export const TENSOR_TYPE: i32 = 1;         // TensorType (byte)
export const TENSOR_BUFFER: i32 = 2;       // uint
export const TENSOR_QUANTIZATION: i32 = 4; // QuantizationParameters
export const TENSOR_SPARSITY: i32 = 6;     // SparsityParameters (refused when present)

// table QuantizationParameters
export const QUANT_SCALE: i32 = 2;         // [float]
export const QUANT_ZERO_POINT: i32 = 3;    // [long]
export const QUANT_DIMENSION: i32 = 6;     // int

// table Operator
export const OP_OPCODE_INDEX: i32 = 0;     // uint
export const OP_INPUTS: i32 = 1;           // [int]
export const OP_OUTPUTS: i32 = 2;          // [int]
export const OP_OPTIONS_TYPE: i32 = 3;     // BuiltinOptions union type (ubyte)
export const OP_OPTIONS: i32 = 4;          // BuiltinOptions union value (table)

// table Buffer
export const BUFFER_DATA: i32 = 0;         // [ubyte]
export const BUFFER_OFFSET: i32 = 1;       // ulong (data outside the flatbuffer, from file start)
export const BUFFER_SIZE: i32 = 2;         // ulong

// table Metadata
export const METADATA_NAME: i32 = 0;       // string
export const METADATA_BUFFER: i32 = 1;     // uint

// enum TensorType
export const TYPE_FLOAT32: u8 = 0;
export const TYPE_INT32: u8 = 2;
export const TYPE_INT8: u8 = 9;

// enum BuiltinOperator
export const OP_ADD: i32 = 0;
export const OP_CONCATENATION: i32 = 2;
export const OP_DEQUANTIZE: i32 = 6;
export const OP_FULLY_CONNECTED: i32 = 9;
export const OP_LOGISTIC: i32 = 14;
export const OP_MUL: i32 = 18;
export const OP_RELU: i32 = 19;
export const OP_RELU6: i32 = 21;
export const OP_RESHAPE: i32 = 22;
export const OP_SOFTMAX: i32 = 25;
export const OP_TANH: i32 = 28;
export const OP_GATHER: i32 = 36;
export const OP_MEAN: i32 = 40;
export const OP_SUB: i32 = 41;
export const OP_SUM: i32 = 74;
export const OP_QUANTIZE: i32 = 114;
export const OP_BATCH_MATMUL: i32 = 126;

// enum BuiltinOptions (union type ids)
export const OPTS_FULLY_CONNECTED: u8 = 8;
export const OPTS_SOFTMAX: u8 = 9;
export const OPTS_CONCATENATION: u8 = 10;
export const OPTS_ADD: u8 = 11;
export const OPTS_RESHAPE: u8 = 17;
export const OPTS_MUL: u8 = 21;
export const OPTS_GATHER: u8 = 23;
export const OPTS_REDUCER: u8 = 27;
export const OPTS_SUB: u8 = 28;
export const OPTS_DEQUANTIZE: u8 = 38;
export const OPTS_QUANTIZE: u8 = 89;
export const OPTS_BATCH_MATMUL: u8 = 101;

// table FullyConnectedOptions
export const FC_OPT_ACTIVATION: i32 = 0;    // ActivationFunctionType (byte)
export const FC_OPT_WEIGHTS_FORMAT: i32 = 1; // byte: 0 DEFAULT
export const FC_OPT_KEEP_NUM_DIMS: i32 = 2;  // bool
// table SoftmaxOptions
export const SOFTMAX_OPT_BETA: i32 = 0;     // float
// tables AddOptions, SubOptions, MulOptions (field 0 of each)
export const ARITH_OPT_ACTIVATION: i32 = 0; // ActivationFunctionType (byte)
// table BatchMatMulOptions
export const BMM_OPT_ADJ_X: i32 = 0;        // bool
export const BMM_OPT_ADJ_Y: i32 = 1;        // bool

// table ConcatenationOptions
export const CONCAT_OPT_AXIS: i32 = 0;       // int
export const CONCAT_OPT_ACTIVATION: i32 = 1; // ActivationFunctionType (byte)
// table GatherOptions
export const GATHER_OPT_AXIS: i32 = 0;       // int
export const GATHER_OPT_BATCH_DIMS: i32 = 1; // int
// table ReducerOptions (MEAN, SUM)
export const REDUCER_OPT_KEEP_DIMS: i32 = 0; // bool

// enum ActivationFunctionType
export const ACT_NONE: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_RELU_N1_TO_1: i32 = 2;
export const ACT_RELU6: i32 = 3;

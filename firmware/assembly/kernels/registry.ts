// Operator registry: the builtin operators the firmware runs, each with init / prepare / eval
// (TFLite Micro's TFLMRegistration, as a switch: no function tables, no allocation).

import * as S from "../status";
import * as T from "../tflite/schema";
import { oCode } from "../tflite/model";
import { opDataInit } from "./opdata";
import { fullyConnectedPrepare, fullyConnectedEval } from "./fully_connected";
import { batchMatMulPrepare, batchMatMulEval } from "./batch_matmul";
import { reshapePrepare, reshapeEval } from "./reshape";
import { softmaxPrepare, softmaxEval } from "./softmax";
import { addPrepare, addEval } from "./add";
import { subPrepare, subEval } from "./sub";
import { mulPrepare, mulEval } from "./mul";
import { reluPrepare, relu6Prepare, reluEval } from "./relu";
import { logisticPrepare, logisticEval } from "./logistic";
import { tanhPrepare, tanhEval } from "./tanh";
import { gatherPrepare, gatherEval } from "./gather";
import { concatenationPrepare, concatenationEval } from "./concatenation";
import { sumPrepare, meanPrepare, reduceEval } from "./reduce";
import { quantizePrepare, dequantizePrepare, quantizeEval } from "./quantize";

/** True when `code` is a builtin operator this firmware implements. */
export function opSupported(code: i32): bool {
  return code == T.OP_FULLY_CONNECTED || code == T.OP_BATCH_MATMUL
    || code == T.OP_RESHAPE || code == T.OP_SOFTMAX
    || code == T.OP_ADD || code == T.OP_SUB || code == T.OP_MUL
    || code == T.OP_RELU || code == T.OP_RELU6
    || code == T.OP_LOGISTIC || code == T.OP_TANH
    || code == T.OP_GATHER || code == T.OP_CONCATENATION || code == T.OP_SUM || code == T.OP_MEAN
    || code == T.OP_QUANTIZE || code == T.OP_DEQUANTIZE;
}

/** Init for operator `o`: clears its parameter slots. Returns E_UNSUPPORTED_OP for unknown ops. */
export function opInit(o: i32): i32 {
  if (!opSupported(unchecked(oCode[o]))) return S.E_UNSUPPORTED_OP;
  opDataInit(o);
  return S.OK;
}

/**
 * Prepare for operator `o` (tensor data pointers must already be planned): validates and
 * precomputes. Returns the kernel's status (see each kernel's prepare).
 */
export function opPrepare(o: i32): i32 {
  const code = unchecked(oCode[o]);
  if (code == T.OP_FULLY_CONNECTED) return fullyConnectedPrepare(o);
  if (code == T.OP_BATCH_MATMUL) return batchMatMulPrepare(o);
  if (code == T.OP_RESHAPE) return reshapePrepare(o);
  if (code == T.OP_SOFTMAX) return softmaxPrepare(o);
  if (code == T.OP_ADD) return addPrepare(o);
  if (code == T.OP_SUB) return subPrepare(o);
  if (code == T.OP_MUL) return mulPrepare(o);
  if (code == T.OP_RELU) return reluPrepare(o);
  if (code == T.OP_RELU6) return relu6Prepare(o);
  if (code == T.OP_LOGISTIC) return logisticPrepare(o);
  if (code == T.OP_TANH) return tanhPrepare(o);
  if (code == T.OP_GATHER) return gatherPrepare(o);
  if (code == T.OP_CONCATENATION) return concatenationPrepare(o);
  if (code == T.OP_SUM) return sumPrepare(o);
  if (code == T.OP_MEAN) return meanPrepare(o);
  if (code == T.OP_QUANTIZE) return quantizePrepare(o);
  if (code == T.OP_DEQUANTIZE) return dequantizePrepare(o);
  return S.E_UNSUPPORTED_OP;
}

/** Eval for a prepared operator `o`. Returns the kernel's status. */
export function opEval(o: i32): i32 {
  const code = unchecked(oCode[o]);
  if (code == T.OP_FULLY_CONNECTED) return fullyConnectedEval(o);
  if (code == T.OP_BATCH_MATMUL) return batchMatMulEval(o);
  if (code == T.OP_RESHAPE) return reshapeEval(o);
  if (code == T.OP_SOFTMAX) return softmaxEval(o);
  if (code == T.OP_ADD) return addEval(o);
  if (code == T.OP_SUB) return subEval(o);
  if (code == T.OP_MUL) return mulEval(o);
  if (code == T.OP_RELU || code == T.OP_RELU6) return reluEval(o);
  if (code == T.OP_LOGISTIC) return logisticEval(o);
  if (code == T.OP_TANH) return tanhEval(o);
  if (code == T.OP_GATHER) return gatherEval(o);
  if (code == T.OP_CONCATENATION) return concatenationEval(o);
  if (code == T.OP_SUM || code == T.OP_MEAN) return reduceEval(o);
  if (code == T.OP_QUANTIZE || code == T.OP_DEQUANTIZE) return quantizeEval(o);
  return S.E_UNSUPPORTED_OP;
}

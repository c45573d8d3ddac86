// The firmware's int8 micro-interpreter (API fixed in docs/CONTRACTS.md, "Firmware interpreter
// API"): modelLoad reads the .tflite in place, validates it, plans the arena and prepares every
// operator; modelInvoke runs the operators in order with no allocation.

import * as S from "../status";
import * as T from "../tflite/schema";
import {
  modelParse, modelClear, nTensors, nOps, gInput, gOutput, tConst, tPtr, tType, tBytes,
  metaPtr, metaLen, scale0, zpAt,
} from "../tflite/model";
import { opInit, opPrepare, opEval } from "../kernels/registry";
import { chanReset, CHAN_BYTES } from "../kernels/opdata";
import { fcChannelCount } from "../kernels/fully_connected";
import { checkInt8Activation } from "../kernels/quant";
import { planLifetimes, planArena, planArenaBytes, planOffset } from "./planner";

let loaded = false;
let arenaNeed: u32 = 0;

/** Points every tensor at its data: constants into the model, the rest into the arena. */
function assignPointers(arena: usize): void {
  for (let t = 0; t < nTensors; t++) {
    const c = unchecked(tConst[t]);
    const off = planOffset(t);
    unchecked(tPtr[t] = c != 0 ? c : off >= 0 ? arena + <usize>off : 0);
  }
}

/**
 * A graph input/output is int8 with per-tensor quantization, or float32 (a model whose edges are
 * QUANTIZE / DEQUANTIZE). Returns OK, E_UNSUPPORTED_TYPE or E_QUANT.
 */
function checkGraphIo(t: i32): i32 {
  const ty = unchecked(tType[t]);
  if (ty == T.TYPE_FLOAT32) return S.OK;
  if (ty != T.TYPE_INT8) return S.E_UNSUPPORTED_TYPE;
  return checkInt8Activation(t);
}

/** Init + plan + prepare; the model tables are already parsed. */
function loadParsed(arena: usize, arenaCap: u32): i32 {
  for (let o = 0; o < nOps; o++) {
    const st = opInit(o);
    if (st != S.OK) return st;
  }
  let st = planLifetimes();
  if (st != S.OK) return st;
  // The arena: the tensors as planned, then the per-channel multipliers (CHAN_BYTES each).
  st = planArena(arenaCap);
  const tensorBytes = planArenaBytes();
  let chans: i64 = 0;
  for (let o = 0; o < nOps; o++) chans += <i64>fcChannelCount(o);
  const need = <i64>tensorBytes + chans * <i64>CHAN_BYTES;
  arenaNeed = need > <i64>0xffffffff ? 0xffffffff : <u32>need;
  if (st == S.OK && need > <i64>arenaCap) st = S.E_ARENA;
  if (st != S.OK) return st;
  st = checkGraphIo(gInput);
  if (st == S.OK) st = checkGraphIo(gOutput);
  if (st != S.OK) return st;
  assignPointers(arena);
  chanReset(arena + <usize>tensorBytes, <i32>chans);
  for (let o = 0; o < nOps; o++) {
    st = opPrepare(o);
    if (st != S.OK) return st;
  }
  return S.OK;
}

/**
 * Loads the .tflite at [model, model + len) (read in place: it must stay in memory, unchanged,
 * while loaded) with a working arena of `arenaCap` bytes at `arena`. Validates the whole model
 * (bounds, version 3, types, shapes, buffers, operator order), plans the arena and prepares
 * every operator. Any previously loaded model is unloaded first.
 * Returns OK; E_BOUNDS/E_BAD_MAGIC/E_VERSION for a malformed file; E_TOO_MANY (> 64 tensors,
 * > 32 ops); E_UNSUPPORTED_OP/E_UNSUPPORTED_TYPE; E_SHAPE; E_QUANT; E_GRAPH; E_BOUNDS also when
 * the arena overlaps the model bytes or wraps the address space; E_ARENA when the
 * plan needs more than arenaCap (modelArenaBytes() then tells how much). On failure nothing
 * stays loaded.
 */
export function modelLoad(model: usize, len: u32, arena: usize, arenaCap: u32): i32 {
  modelUnload();
  if (<u64>arena + <u64>arenaCap > <u64>0xffffffff) return S.E_BOUNDS;
  // The arena must not overlap the model bytes (invoke would overwrite weights).
  if (arenaCap > 0 && <u64>arena < <u64>model + <u64>len && <u64>model < <u64>arena + <u64>arenaCap) return S.E_BOUNDS;
  let st = modelParse(model, len);
  if (st == S.OK) st = loadParsed(arena, arenaCap);
  if (st != S.OK) {
    modelClear();
    return st;
  }
  loaded = true;
  return S.OK;
}

/** Arena bytes the current model needs (also set after an E_ARENA refusal); 0 if none. */
export function modelArenaBytes(): u32 {
  return arenaNeed;
}

/** Address of the int8 input tensor in the arena; 0 when no model is loaded. */
export function modelInputPtr(): usize {
  return loaded ? unchecked(tPtr[gInput]) : 0;
}

/** TFLite TensorType of the input (9 int8, 0 float32); -1 when no model is loaded. */
export function modelInputType(): i32 {
  return loaded ? <i32>unchecked(tType[gInput]) : -1;
}

/** TFLite TensorType of the output (9 int8, 0 float32); -1 when no model is loaded. */
export function modelOutputType(): i32 {
  return loaded ? <i32>unchecked(tType[gOutput]) : -1;
}

/** Input quantization scale; 0 when no model is loaded. */
export function modelInputScale(): f32 {
  return loaded ? scale0(gInput) : 0;
}

/** Input zero point; 0 when no model is loaded. */
export function modelInputZeroPoint(): i32 {
  return loaded ? <i32>zpAt(gInput, 0) : 0;
}

/** Input size in bytes (elements x 4 for a float32 input); 0 when no model is loaded. */
export function modelInputBytes(): u32 {
  return loaded ? <u32>unchecked(tBytes[gInput]) : 0;
}

/** Address of the int8 output tensor in the arena; 0 when no model is loaded. */
export function modelOutputPtr(): usize {
  return loaded ? unchecked(tPtr[gOutput]) : 0;
}

/** Output quantization scale; 0 when no model is loaded. */
export function modelOutputScale(): f32 {
  return loaded ? scale0(gOutput) : 0;
}

/** Output zero point; 0 when no model is loaded. */
export function modelOutputZeroPoint(): i32 {
  return loaded ? <i32>zpAt(gOutput, 0) : 0;
}

/** Output size in bytes; 0 when no model is loaded. */
export function modelOutputBytes(): u32 {
  return loaded ? <u32>unchecked(tBytes[gOutput]) : 0;
}

/**
 * Runs every operator in order on the input already written at modelInputPtr(); the result is
 * at modelOutputPtr(). No allocation. Returns OK, E_NO_MODEL when nothing is loaded, or the
 * first failing kernel's status.
 */
export function modelInvoke(): i32 {
  if (!loaded) return S.E_NO_MODEL;
  for (let o = 0; o < nOps; o++) {
    const st = opEval(o);
    if (st != S.OK) return st;
  }
  return S.OK;
}

/** Address of the "dendra" metadata buffer (in the model bytes); 0 if absent or not loaded. */
export function modelMetadataPtr(): usize {
  return loaded ? metaPtr : 0;
}

/** Length of the "dendra" metadata buffer; 0 if absent or not loaded. */
export function modelMetadataLen(): u32 {
  return loaded ? metaLen : 0;
}

/** Forgets the loaded model (its bytes and the arena may then be reused). Never fails. */
export function modelUnload(): void {
  loaded = false;
  arenaNeed = 0;
  modelClear();
}

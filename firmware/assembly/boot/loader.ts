// Bootloader entry for the firmware: wires the protocol (proto.ts) to the grid model slot's
// buffers and the interpreter. The bootloader never imports the app: main.ts hands it the slot's
// RAM window, flash region and arena (bootAttachModelSlot) and calls bootPoll() in every fw_tick.

import {
  modelLoad, modelUnload, modelInputPtr, modelInputBytes, modelInputType, modelInvoke, modelOutputPtr, modelOutputBytes,
} from "../interp/interpreter";
import { board_max_frame } from "../hal/board";
import { crypto_sha256 } from "../hal/crypto";
import { bootConfigure, bootConfigured, bootService } from "./proto";
import { bankActive, bankSha, banksSelect, banksSelected } from "./banks";
import { fwSetSelfTest, fwBootSelfTest } from "./fwcmd";
import * as S from "../status";

const stDigest: usize = memory.data(32);
let winPtr: usize = 0;
let winCap: u32 = 0;
let regAddr: u32 = 0;
let regSize: u32 = 0;
let arenaPtr: usize = 0;
let arenaCap: u32 = 0;

/**
 * Gives the bootloader the grid model slot (slot 0): its RAM window [win, win+cap) where a flashed
 * model is read back, its flash region, and the interpreter arena used to validate a new model.
 * main.ts calls it after the app allocated them (slotInit), before the first bootPoll; without it
 * the bootloader has no model slot (firmware updates still work).
 */
export function bootAttachModelSlot(win: usize, cap: u32, regionAddr: u32, regionSize: u32, arena: usize, arenaCapacity: u32): void {
  winPtr = win;
  winCap = cap;
  regAddr = regionAddr;
  regSize = regionSize;
  arenaPtr = arena;
  arenaCap = arenaCapacity;
}
/** Seed of the self-test input vector (docs/flash-protocol.md "Self-test"). */
const SELFTEST_SEED: u32 = 0x5eed1234;

function validateModel(ptr: usize, len: u32): i32 {
  return modelLoad(ptr, len, arenaPtr, arenaCap);
}

function releaseModel(): void {
  modelUnload();
}

/**
 * The firmware self-test inference (boot/fwcmd.ts SelfTest): the loaded model's SHA-256 prefix,
 * then an inference on the built-in vector (xorshift32 from SELFTEST_SEED: one byte per int8
 * input element, or a float in [-1, 1) per float32 element) and its output's SHA-256 prefix.
 */
function selfTest(out: usize): i32 {
  // the grid model (slot 0) is the one resident in the interpreter, whichever slot the bootloader
  // last selected (a pack model flash selects slot 2)
  const prev = banksSelected();
  banksSelect(0);
  const st = selfTestGrid(out);
  banksSelect(prev);
  return st;
}

function selfTestGrid(out: usize): i32 {
  const b = bankActive();
  const inp = modelInputPtr();
  if (b < 0 || inp == 0 || !bankSha(b, stDigest)) return S.E_NO_MODEL;
  memory.copy(out, stDigest, 8);
  const n = modelInputBytes();
  const isFloat = modelInputType() == 0;
  let x = SELFTEST_SEED;
  for (let i: u32 = 0; i < n; i += isFloat ? 4 : 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    if (isFloat) store<f32>(inp + i, <f32>(<f64>(x >>> 8) / 8388608.0 - 1.0));
    else store<u8>(inp + i, <u8>x);
  }
  const st = modelInvoke();
  if (st != S.OK) return st;
  if (crypto_sha256(modelOutputPtr(), modelOutputBytes(), stDigest) < 0) return S.E_HASH;
  memory.copy(out + 8, stDigest, 8);
  return S.OK;
}

/**
 * Firmware self-test at a test boot (call at the end of fw_init, after the model was loaded):
 * confirms the running slot, or resets without confirming so the boot ROM rolls back.
 */
export function bootSelfTest(): void {
  fwSetSelfTest(selfTest);
  fwBootSelfTest();
}

/**
 * Polls the serial bootloader (call after bootAttachModelSlot). Returns 1 when the model slot changed (a new
 * model was committed and validated, or a failed FINISH dropped the running model): the caller
 * reloads with slotLoad(), which falls back to the previous bank when the new one failed). 0 when nothing changed, <0 for an error the board survives.
 */
export function bootPoll(): i32 {
  if (!bootConfigured()) {
    bootConfigure(winPtr, winCap, regAddr, regSize, board_max_frame(),
                  validateModel, releaseModel);
    fwSetSelfTest(selfTest);
  }
  return bootService();
}

// Firmware slot commands (docs/flash-protocol.md "Firmware slots"): ACTIVATE, CONFIRM, ROLLBACK,
// RESET, INFO, and the self-test a test boot runs before it confirms itself. The self-test is an
// inference on a built-in input vector (seeded xorshift32 bytes, or floats in [-1, 1) for a float
// input) with the model the board holds: at ACTIVATE the running (trusted) firmware records the
// model's SHA-256 prefix and the SHA-256 prefix of its output in the new slot's header; at the test
// boot the new firmware must load the same model and produce the same output bytes, else it resets
// without confirming and the boot ROM rolls back. With no model loaded at ACTIVATE nothing is
// recorded and the test boot confirms once fw_init reaches it (the firmware starts and serves).

import { boot_slot, boot_test, boot_reset } from "../hal/boot";
import { flash_write } from "../hal/flash";
import { log_write, LOG_INFO, LOG_ERROR } from "../hal/log";
import {
  fwConfigure, fwTesting, fwTarget, fwState, fwGen, fwMark, fwAddr, fwCap, fwReadHeader, fwHdr,
  ST_COMMITTED, ST_PENDING, ST_TRIED, ST_CONFIRMED, ST_REVOKED,
  FW_EXP_KIND, FW_EXP_MODEL, FW_GEN, FW_PENDING, FW_CONFIRMED, FW_REVOKED, FW_VERSION,
} from "./fwslot";
import * as S from "../status";
import * as X from "../texts";

/**
 * Runs the self-test inference: writes the loaded model's SHA-256 prefix (8 bytes) then the
 * output's SHA-256 prefix (8 bytes) to `out`. OK, or a status (E_NO_MODEL without a model).
 */
export type SelfTest = (out: usize) => i32;

function noSelfTest(out: usize): i32 { return S.E_NO_MODEL; }

const rec: usize = memory.data(24);
const got: usize = memory.data(16);
const msg: usize = memory.data(48);
let selfTestFn: SelfTest = noSelfTest;
let resetPending = false;

/** Sets the self-test inference (loader.ts wires the interpreter; test firmwares have none). */
export function fwSetSelfTest(f: SelfTest): void { selfTestFn = f; }

/**
 * ACTIVATE: marks the image committed in the inactive slot for one test boot at the next reset.
 * Records the self-test expectation (kind 1 + model sha8 + output sha8, or kind 0) and the next
 * generation, then PENDING (the commit point). E_STATE when the running image is itself on test,
 * or the target holds no committed, untried image. A repeated ACTIVATE of a pending slot is OK.
 */
export function fwActivate(): i32 {
  if (!fwConfigure() || fwTesting()) return S.E_STATE;
  const t = fwTarget();
  const s = fwState(t);
  if ((s & ST_COMMITTED) == 0 || (s & (ST_TRIED | ST_CONFIRMED | ST_REVOKED)) != 0) return S.E_STATE;
  if ((s & ST_PENDING) != 0) return S.OK;
  const gen = max<u32>(fwGen(0), fwGen(1)) + 1;
  const st = selfTestFn(rec + 4);
  if (st == S.OK) store<u32>(rec, 1);
  else memory.fill(rec, 0xff, 20); // kind erased: nothing to compare at the test boot
  store<u32>(rec, gen, FW_GEN - FW_EXP_KIND);
  if (flash_write(fwAddr(t) + FW_EXP_KIND, rec, 24) < 0) return S.E_FLASH;
  return fwMark(t, FW_PENDING);
}

/** CONFIRM: the running test-boot slot is kept from now on. OK when already confirmed; E_STATE otherwise. */
export function fwConfirm(): i32 {
  if (!fwConfigure()) return S.E_STATE;
  const r = boot_slot();
  if (r < 0 || r > 1) return S.E_STATE;
  const s = fwState(r);
  if ((s & ST_CONFIRMED) != 0) return S.OK;
  if (boot_test() != 1 || (s & ST_PENDING) == 0) return S.E_STATE;
  return fwMark(r, FW_CONFIRMED);
}

/**
 * ROLLBACK: a test boot resets without confirming; a confirmed slot is revoked (REVOKED) and the
 * board resets, so the ROM boots the other good slot or the factory image. E_STATE on the factory image.
 */
export function fwRollback(): i32 {
  if (!fwConfigure()) return S.E_STATE;
  const r = boot_slot();
  if (r < 0 || r > 1) return S.E_STATE;
  if (!fwTesting()) {
    const st = fwMark(r, FW_REVOKED);
    if (st != S.OK) return st;
  }
  resetPending = true;
  return S.OK;
}

/** RESET: the board resets after its answer went out. */
export function fwReset(): i32 {
  resetPending = true;
  return S.OK;
}

/** Called by proto.ts after each reply: runs a RESET/ROLLBACK that was answered. */
export function fwAfterReply(): void {
  if (!resetPending) return;
  resetPending = false;
  boot_reset();
}

/**
 * INFO data: running i8 (-1 factory, 0 slotA, 1 slotB) | test u8 | slots u8 = 2, then per slot:
 * capacity u32 | state u8 (ST_* bits) | generation u32 | length u32 | sha8 | version 3 x u16
 * (0xFFFF each for a raw image or an empty slot). 57 bytes.
 */
export function fwInfo(d: usize): i32 {
  const ok = fwConfigure();
  store<i8>(d, <i8>boot_slot());
  store<u8>(d, fwTesting() ? 1 : 0, 1);
  store<u8>(d, 2, 2);
  for (let i = 0; i < 2; i++) {
    const e = d + 3 + <usize>(i * 27);
    memory.fill(e, 0, 27);
    if (!ok) continue;
    store<u32>(e, fwCap(i));
    const s = fwState(i);
    store<u8>(e, s, 4);
    store<u32>(e, fwGen(i), 5);
    memory.fill(e + 21, 0xff, 6);
    if (s == 0 || !fwReadHeader(i)) continue;
    const h = fwHdr();
    store<u32>(e, load<u32>(h, 4), 9);
    memory.copy(e + 13, h + 8, 8);
    if (load<u16>(h, FW_VERSION + 6) == 0) memory.copy(e + 21, h + FW_VERSION, 6);
  }
  return 57;
}

function logLine(level: u32, text: u32, code: i32): void {
  let n = <i32>min<u32>(X.txLen(text), 40);
  memory.copy(msg, X.txPtr(text), <usize>n);
  if (code < 0) {
    store<u8>(msg + n++, 0x20);
    store<u8>(msg + n++, 0x2d);
    const v = -code;
    if (v >= 10) store<u8>(msg + n++, <u8>(0x30 + v / 10 % 10));
    store<u8>(msg + n++, <u8>(0x30 + v % 10));
  }
  log_write(level, msg, <u32>n);
}

/**
 * At a test boot (HAL boot_test): runs the self-test against the expectation ACTIVATE recorded
 * and confirms the slot (CONFIRMED), or logs and resets without confirming (the ROM rolls back).
 * Does nothing on a normal boot or on an already confirmed slot. Call at the end of fw_init.
 */
export function fwBootSelfTest(): void {
  if (boot_test() != 1 || !fwConfigure()) return;
  const r = boot_slot();
  if (r < 0 || r > 1) return;
  const s = fwState(r);
  if ((s & ST_CONFIRMED) != 0) return;
  const h = fwHdr();
  if (load<u32>(h, FW_EXP_KIND) == 1) {
    memory.copy(rec, h + FW_EXP_MODEL, 16);
    const st = selfTestFn(got);
    if (st != S.OK || memory.compare(got, rec, 16) != 0) {
      logLine(LOG_ERROR, X.FW_SELFTEST_FAILED, st != S.OK ? st : S.E_HASH);
      boot_reset();
      return;
    }
  }
  const c = fwMark(r, FW_CONFIRMED);
  if (c != S.OK) logLine(LOG_ERROR, X.FW_CONFIRM_FAILED, c);
  else logLine(LOG_INFO, X.FW_CONFIRMED, 0);
}

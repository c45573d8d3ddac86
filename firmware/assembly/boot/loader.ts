// Bootloader entry for the firmware: wires the protocol (proto.ts) to the app's model slot
// buffers and the interpreter. main.ts calls bootPoll() first in every fw_tick.

import { slotWindowPtr, slotWindowCap, slotRegionAddr, slotRegionSize, slotArenaPtr, slotArenaCap } from "../app/slot";
import { modelLoad, modelUnload } from "../interp/interpreter";
import { board_max_frame } from "../hal/board";
import { bootConfigure, bootConfigured, bootService } from "./proto";

function validateModel(ptr: usize, len: u32): i32 {
  return modelLoad(ptr, len, slotArenaPtr(), slotArenaCap());
}

function releaseModel(): void {
  modelUnload();
}

/**
 * Polls the serial bootloader (call after slotInit). Returns 1 when the model slot changed (a new
 * model was committed and validated, or a failed FINISH dropped the running model): the caller
 * reloads with slotLoad(), which falls back to the previous bank when the new one failed). 0 when nothing changed, <0 for an error the board survives.
 */
export function bootPoll(): i32 {
  if (!bootConfigured()) {
    bootConfigure(slotWindowPtr(), slotWindowCap(), slotRegionAddr(), slotRegionSize(), board_max_frame(),
                  validateModel, releaseModel);
  }
  return bootService();
}

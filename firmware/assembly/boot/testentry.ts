// A stand-alone bootloader firmware for host tests: the real protocol code (proto.ts) with a
// validator that only checks the TFLite identifier, so the flasher and the simulator can be
// tested without the interpreter. Same ABI as main.ts (fw_init / fw_tick).

import { flash_region, REGION_MODEL, REGION_PACK_MODEL } from "../hal/flash";
import { board_max_frame } from "../hal/board";
import { clock_now_ms } from "../hal/clock";
import { pmu_sleep_until } from "../hal/pmu";
import { log_write, LOG_INFO } from "../hal/log";
import { bootConfigure, bootConfigureSlot, bootService, SLOT_HEADER_BYTES } from "./proto";
import { fwBootSelfTest } from "./fwcmd";
import * as S from "../status";

const region: usize = memory.data(8);
const msg: usize = memory.data(16);
let committed: u32 = 0;

function checkTfl3(ptr: usize, len: u32): i32 {
  if (len < 8 || load<u32>(ptr, 4) != 0x334c4654) return S.E_BAD_MAGIC; // "TFL3"
  return S.OK;
}

function release(): void {}

/** Allocates the model windows (grid slot, and pack slot when the board has one) and configures the bootloader. Status. */
export function fw_init(): i32 {
  if (flash_region(REGION_MODEL, region) < 0) return S.E_FLASH;
  const addr = load<u32>(region);
  const size = load<u32>(region, 4);
  if (size <= SLOT_HEADER_BYTES) return S.E_FLASH;
  const cap = size - SLOT_HEADER_BYTES;
  bootConfigure(heap.alloc(<usize>cap), cap, addr, size, board_max_frame(), checkTfl3, release);
  if (flash_region(REGION_PACK_MODEL, region) >= 0) { // the pack model's slot (BEGIN 0x21/0x22), when the board has one
    const paddr = load<u32>(region);
    const psize = load<u32>(region, 4);
    if (psize > SLOT_HEADER_BYTES) {
      bootConfigureSlot(2, heap.alloc(<usize>(psize - SLOT_HEADER_BYTES)), psize - SLOT_HEADER_BYTES, paddr, psize);
    }
  }
  fwBootSelfTest(); // no interpreter: a test boot with a recorded model expectation fails (rolled back)
  return S.OK;
}

/** Serves the bootloader, then sleeps a simulated second. 1 when a model was committed. */
export function fw_tick(): i32 {
  const r = bootService();
  if (r == 1) {
    committed++;
    store<u64>(msg, 0x74696d6d6f63); // "commit"
    log_write(LOG_INFO, msg, 6);
  }
  pmu_sleep_until(clock_now_ms() + 1000.0);
  return r;
}

/** Models committed since boot (for tests). */
export function bootCommits(): u32 { return committed; }

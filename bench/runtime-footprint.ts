/**
 * Footprint figures for bench/runtime.ts: the native runtime binary, WAMR's heap for the firmware
 * module (fast interpreter and AOT), and the firmware's linear memory as it runs: its pages
 * after fw_init, the static data below the heap, and each buffer fw_init allocates (the arena,
 * the model windows). The heap is read from the AssemblyScript stub allocator (--runtime stub):
 * a bump pointer over blocks [u32 payload size][payload], walked from the heap start to the bump
 * offset; the offset is read through a measuring copy that exports the module's globals.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBoard, type Board } from '@dendra/device/boards/board.ts';
import { FlashFile } from '@dendra/device/sim/flashfile.ts';
import { SimHal } from '@dendra/device/sim/hal.ts';
import { readEttCsv, WindowDma } from '@dendra/device/sim/sensors.ts';
import { DEFAULT_ETT } from '@dendra/core/paths.ts';
import { BENCH_BIN, BUILD_DIR, ROOT, compileAot } from './runtime-build.ts';
import { exportGlobals, wasmLayout, withMaxPages } from './wasm-layout.ts';

const PAGE = 65536;
/** The stub allocator's block header (BLOCK_OVERHEAD) and alignment of header + payload (AL_MASK + 1). */
const HEADER = 4;
const ALIGN = 16;

/** `text`/`data`/`bss` of an ELF file (binutils `size`), or null when `size` is missing. */
function elfSize(file: string): { text: number; data: number; bss: number } | null {
  try {
    const [, line] = execFileSync('size', [file]).toString().trim().split('\n');
    const [text, data, bss] = line.trim().split(/\s+/).map(Number);
    return { text, data, bss };
  } catch {
    return null;
  }
}

/** Sizes of the native runtime (build/dendra-runtime, rt-core's `make runtime`) and of the bench program. */
function binaries() {
  const one = (rel: string, what: string) => {
    const file = path.join(ROOT, rel);
    return existsSync(file) ? { file: rel, what, bytes: statSync(file).size, elf: elfSize(file) } : { file: rel, what, missing: true as const };
  };
  // The driver's own objects: the bench program's text minus theirs is WAMR (+ a little C start-up code).
  const objDir = path.join(BUILD_DIR, 'bench', 'CMakeFiles', 'wamr-engine-bench.dir');
  const driverText = ['main.c.o', 'engine.c.o'].map((o) => elfSize(path.join(objDir, o))?.text ?? NaN).reduce((a, b) => a + b, 0);
  const benchProgram = one('build/wamr-engine-bench', 'WAMR core (fast interpreter + SIMD + AOT loader, statically linked) + this bench driver');
  return {
    dendraRuntime: one('build/dendra-runtime', 'the native board runtime (WAMR + native HAL), as `make runtime` builds it'),
    benchProgram,
    wamrCoreTextBytes: 'elf' in benchProgram && benchProgram.elf && Number.isFinite(driverText) ? benchProgram.elf.text - driverText : null,
  };
}

/** The blocks of the stub heap from `start`, if they end exactly at `end` with sane headers; else null. */
export function walkHeap(mem: Uint8Array, start: number, end: number): number[] | null {
  const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  const sizes: number[] = [];
  for (let b = start; b !== end; ) {
    if (b > end || b + HEADER > mem.length) return null;
    const size = dv.getUint32(b, true);
    if (size === 0 || (size + HEADER) % ALIGN !== 0) return null;
    sizes.push(size);
    b += HEADER + size;
  }
  return sizes;
}

/** The heap start: the lowest block-aligned address from which the blocks end exactly at `end`. */
export function findHeapStart(mem: Uint8Array, from: number, end: number): number | null {
  // s === end: nothing allocated yet (all tables static), the heap starts at the bump offset.
  for (let s = Math.ceil((from + HEADER) / ALIGN) * ALIGN - HEADER; s <= end; s += ALIGN) {
    if (walkHeap(mem, s, end)) return s;
  }
  return null;
}

type FwExports = Record<string, unknown> & { memory: WebAssembly.Memory; fw_init(): number };

/**
 * Instantiates `bytes` with the simulator's HAL for `board` on a fresh flash file and hands the
 * instance and an fw_init runner to `use`. @throws when the firmware does not link with the HAL.
 */
function withFirmware<T>(bytes: Uint8Array, board: Board, use: (ex: FwExports, init: () => number) => T): T {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dendra-fp-'));
  const flash = new FlashFile(path.join(dir, 'flash.bin'), board.flash.sizeBytes, board.flash.sectorBytes);
  try {
    const hal = new SimHal({ board, flash, dma: new WindowDma(readEttCsv(DEFAULT_ETT)), uartTx: () => {}, log: () => {} });
    const env = { abort: () => { throw new Error('firmware aborted'); }, trace: () => {}, seed: () => 1 };
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), { ...hal.imports(), env });
    const ex = instance.exports as FwExports;
    hal.attach(ex.memory);
    return use(ex, () => {
      hal.beginTick();
      try {
        return ex.fw_init();
      } finally {
        hal.endTick();
      }
    });
  } finally {
    flash.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The stub heap of a measuring copy: its start (found after the start function) and its blocks after fw_init. */
function heapAfterInit(bytes: Uint8Array, board: Board, wasmFile: string) {
  const layout = wasmLayout(bytes);
  const cands = layout.globals.filter((g) => g.mutable && g.i32Init !== null).map((g) => g.index);
  return withFirmware(exportGlobals(bytes, cands), board, (ex, init) => {
    const values = () => cands.map((i) => (ex[`__g${i}`] as WebAssembly.Global).value as number);
    const atStart = values();
    const pagesAfterStart = ex.memory.buffer.byteLength / PAGE;
    let heap: { start: number; index: number } | null = null; // the bump offset's global and the heap start below it
    for (let k = 0; k < cands.length && !heap; k++) {
      const v = atStart[k];
      if (v <= layout.data.activeEnd || v > ex.memory.buffer.byteLength) continue;
      const s = findHeapStart(new Uint8Array(ex.memory.buffer), layout.data.activeEnd, v);
      if (s !== null) heap = { start: s, index: k };
    }
    const status = init();
    const mem = new Uint8Array(ex.memory.buffer);
    const end = heap ? values()[heap.index] : 0;
    const blocks = heap ? walkHeap(mem, heap.start, end) : null;
    if (!heap || !blocks) throw new Error(`${wasmFile}: could not find the stub allocator's heap`);
    return { status, pagesAfterStart, linearBytes: mem.length, start: heap.start, end, blocks };
  });
}

/**
 * The firmware's linear memory on `boardName` (fresh flash: nothing allocates after fw_init,
 * main.ts): pages after the start function and after fw_init, static bytes below the heap, the
 * heap's blocks; then the same firmware with its memory capped at the pages it uses, booted again.
 * @throws when the firmware does not link with the HAL, or the heap cannot be identified.
 */
export function firmwareMemory(wasmFile: string, boardName: string) {
  const bytes = new Uint8Array(readFileSync(wasmFile));
  const layout = wasmLayout(bytes);
  const board = loadBoard(boardName);
  const h = heapAfterInit(bytes, board, wasmFile);
  const capPages = Math.max(layout.memory?.initialPages ?? 1, Math.ceil(h.end / PAGE));
  const capped = withFirmware(withMaxPages(bytes, capPages), board, (ex, init) => {
    const status = init();
    return { maxPages: capPages, fwInitStatus: status, pagesAfterInit: ex.memory.buffer.byteLength / PAGE };
  });
  return {
    board: boardName, fwInitStatus: h.status, arenaLimitBytes: board.arenaLimitBytes, ramBytes: board.ramBytes,
    pagesInitial: layout.memory?.initialPages ?? 0, pagesMax: layout.memory?.maxPages ?? null,
    pagesAfterStart: h.pagesAfterStart, pagesAfterInit: h.linearBytes / PAGE, linearBytesAfterInit: h.linearBytes,
    staticBytes: h.start, heapBytesAfterInit: h.end - h.start, usedBytesAfterInit: h.end,
    heapBlocks: h.blocks.length, largestBlocks: [...h.blocks].sort((a, b) => b - a).slice(0, 4),
    // The stub rounds header + payload to 16 bytes: the arena's block has this payload.
    arenaBlockFound: h.blocks.includes(Math.ceil((board.arenaLimitBytes + HEADER) / ALIGN) * ALIGN - HEADER),
    cappedAtUsedPages: capped,
  };
}

/**
 * Peak RSS (VmHWM) of build/dendra-runtime on `board` after its first fw_init (no model in a fresh
 * flash file; the runtime keeps the board's whole flash in memory), read from /proc; null when the
 * binary is missing or not ready within 30 s. Resident pages only: untouched linear memory is not.
 */
async function dendraRuntimeRss(board: string): Promise<{ board: string; vmHwmKiB: number; flashBytes: number } | null> {
  const bin = path.join(ROOT, 'build', 'dendra-runtime');
  if (!existsSync(bin) || !existsSync('/proc/self/status')) return null;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dendra-rss-'));
  const proc = spawn(bin, ['--board', board, '--flash', path.join(dir, 'flash.bin'), '--pty', '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  try {
    const [line] = (await once(createInterface({ input: proc.stdout }), 'line')) as [string];
    JSON.parse(line); // the ready line: fw_init has returned
    await new Promise((r) => setTimeout(r, 500));
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
    return hwm ? { board, vmHwmKiB: Number(hwm[1]), flashBytes: statSync(path.join(dir, 'flash.bin')).size } : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    proc.kill('SIGTERM');
    if (proc.exitCode === null) await once(proc, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What `wamr-engine-bench --footprint` prints (runtime/bench/main.c). */
export interface WamrModuleHeap {
  file: string; fileBytes: number; aot: boolean; wamrPoolBytes: number; stackBytes: number;
  wamrHeapAfterLoad: number; wamrHeapHighmark: number; linearPages: number; maxRssKiB: number;
}

/** WAMR's heap high-water marks for loading and instantiating `file`. @throws when the program fails. */
function wamrModuleHeap(file: string): WamrModuleHeap {
  const out = execFileSync(BENCH_BIN, ['--footprint', file]).toString().trim();
  return { ...(JSON.parse(out) as Omit<WamrModuleHeap, 'file' | 'fileBytes'>), file: path.relative(ROOT, file), fileBytes: statSync(file).size };
}

/**
 * Every footprint figure (see the file comment). `processes` are the bench children's final lines
 * (their peak RSS); `wamrc` compiles the firmware to AOT when present.
 */
export async function measureFootprint(processes: { maxRssKiB: number; wamrPoolBytes: number }[], wamrc: string | null) {
  const fw = path.join(ROOT, 'build', 'firmware.wasm');
  const fwBytes = new Uint8Array(readFileSync(fw));
  const layout = wasmLayout(fwBytes);
  const wamrHeap = [wamrModuleHeap(fw)];
  if (wamrc) wamrHeap.push(wamrModuleHeap(compileAot(wamrc, fw)));
  return {
    binaries: binaries(),
    dendraRuntimeRss: [await dendraRuntimeRss('sim'), await dendraRuntimeRss('linux-gateway')].filter((x) => x !== null),
    benchPeakRssKiB: processes.length ? Math.max(...processes.map((p) => p.maxRssKiB)) : null,
    benchWamrPoolBytes: processes[0]?.wamrPoolBytes ?? null,
    firmware: {
      file: 'build/firmware.wasm', bytes: fwBytes.length, memory: layout.memory, dataSegments: layout.data,
      wamrHeap,
      linearMemory: [firmwareMemory(fw, 'sim'), firmwareMemory(fw, 'esp32-s3-devkitc-1')],
    },
    buildDir: path.relative(ROOT, BUILD_DIR),
  };
}

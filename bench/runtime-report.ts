/**
 * bench/results/runtime.md from the figures of bench/runtime.ts: the time table, the WAMR/V8
 * ratios, the footprint, and what an ESP32-S3 would need, derived from the measured numbers.
 */
import type { RuntimeResult, RunnerId } from './runtime.ts';

const KIB = 1024;
const kib = (b: number) => `${(b / KIB).toFixed(1)} KiB`;
const us = (v: number | undefined) => (v === undefined ? 'n/a' : v >= 100 ? `${v.toFixed(0)} us` : `${v.toFixed(1)} us`);
const x = (v: { median: number; q1: number; q3: number } | null) => (v === null ? 'n/a' : `${v.median.toFixed(2)}x (${v.q1.toFixed(2)}-${v.q3.toFixed(2)})`);

/** Sources of the figures that are not measured here. */
export const SOURCES = {
  wamrReadme: 'WAMR README (vendored ../shared/vendor/wamr/README.md, "Small runtime binary size", core vmlib on Cortex-M4F, text size from bloaty): ~58.9K fast interpreter, ~56.3K classic interpreter, ~29.4K AOT runtime',
  wamrMemory: 'WAMR doc/memory_tune.md and blog "The WAMR memory model" (https://bytecodealliance.github.io/wamr.dev/blog/the-wamr-memory-model/): module, instance, exec env and operand stack come from the global heap (Alloc_With_Pool: one fixed buffer); linear memory is allocated in 64 KiB pages',
  wamrXip: 'WAMR doc/xip.md: XIP (execute in place) AOT files, wamrc --xip (= --enable-indirect-mode --disable-llvm-intrinsics), run AOT code from flash instead of copying it into executable RAM',
  esp32s3: 'ESP32-S3 Series Datasheet (Espressif), "Internal memory": 512 KB SRAM; part of it is flash cache and ESP-IDF (boards/soc/esp32s3.json $sources)',
  wamrUsage: 'WAMR doc/memory_usage.md (https://github.com/bytecodealliance/wasm-micro-runtime/blob/main/doc/memory_usage.md): the module binary is a buffer the embedder allocates and passes to wasm_runtime_load, which WAMR may modify in place while it owns it; AOT machine code is loaded into memory from a separate (executable) allocator, outside the global heap',
  devkit: 'ESP32-S3-DevKitC-1 User Guide (https://docs.espressif.com/projects/esp-dev-kits/en/latest/esp32s3/esp32-s3-devkitc-1/): the -N8 board in boards/ has no PSRAM; variants with octal PSRAM exist (e.g. -N8R8, 8 MB)',
};

function timeTables(r: RuntimeResult): string[] {
  const ids: RunnerId[] = ['v8Ref', 'v8Simd', 'wamrInterpRef', 'wamrInterpSimd', 'wamrAotRef', 'wamrAotSimd'];
  return [
    `## Time per inference (median of ${r.method.rounds} interleaved rounds, ~${r.method.roundMs} ms each)`,
    '',
    '| model | V8 ref | V8 SIMD | WAMR interp ref | WAMR interp SIMD | WAMR AOT ref | WAMR AOT SIMD |',
    '|---|---|---|---|---|---|---|',
    ...r.models.map((m) => `| ${m.model} (${m.inputs.vectors} ${m.inputs.kind}) | ${ids.map((id) => us(m.medianUsPerInference[id])).join(' | ')} |`),
    '',
    '## WAMR / V8 (time ratio within each round, median over rounds, quartiles in brackets; same engine build, same inputs; above 1: WAMR is slower)',
    '',
    '| model | interp ref / V8 ref | interp SIMD / V8 SIMD | AOT ref / V8 ref | AOT SIMD / V8 SIMD |',
    '|---|---|---|---|---|',
    ...r.models.map((m) => `| ${m.model} | ${x(m.ratiosWamrOverV8.interpRef)} | ${x(m.ratiosWamrOverV8.interpSimd)} | ${x(m.ratiosWamrOverV8.aotRef)} | ${x(m.ratiosWamrOverV8.aotSimd)} |`),
    '',
    `Outputs: every WAMR runner's int8 outputs equal V8's byte for byte for all inputs, checked before the first round and after the last (${r.models.map((m) => `${m.model}: ${m.bitExact.wamrRunnersCheckedAgainstV8} runners`).join('; ')}). V8 SIMD equals V8 reference: ${r.models.map((m) => `${m.model} ${m.bitExact.v8SimdEqualsV8Ref ? 'yes' : 'NO'}`).join(', ')}.`,
    '',
    `WAMR: ${r.wamr.build}. AOT (wamrc): ${r.wamr.aot}.`,
    '',
  ];
}

function footprintTable(r: RuntimeResult): string[] {
  const f = r.footprint;
  const bin = (b: (typeof f.binaries)['dendraRuntime']) => ('missing' in b
    ? `not built in this tree (${b.file}: rt-core's \`make runtime\`)`
    : `${b.bytes} B file${b.elf ? `, text ${b.elf.text} B, data ${b.elf.data} B, bss ${b.elf.bss} B` : ''}`);
  const interp = f.firmware.wamrHeap.find((h) => h.aot === false);
  const aot = f.firmware.wamrHeap.find((h) => h.aot === true);
  const heapRow = (h: typeof interp, what: string) => (h ? `| WAMR global heap for ${h.file} (${what}) | ${kib(h.wamrHeapAfterLoad)} after load, ${kib(h.wamrHeapHighmark)} peak after instantiation (${kib(h.stackBytes)} wasm stack) |` : `| WAMR global heap (${what}) | n/a |`);
  return [
    '## Footprint',
    '',
    '| item | measured |',
    '|---|---|',
    `| build/dendra-runtime (native board runtime) | ${bin(f.binaries.dendraRuntime)} |`,
    `| build/wamr-engine-bench (WAMR core: fast interp + SIMD + AOT loader, static, x86-64 -O3, + this driver) | ${bin(f.binaries.benchProgram)} |`,
    `| WAMR core alone (bench program text minus the driver's objects) | ${f.binaries.wamrCoreTextBytes ?? 'n/a'} B text |`,
    ...f.dendraRuntimeRss.map((m) => `| peak RSS of build/dendra-runtime after fw_init, board ${m.board} (no model) | ${m.vmHwmKiB} KiB (VmHWM; includes its in-memory copy of the ${kib(m.flashBytes)} flash file) |`),
    `| peak RSS of a WAMR bench process | ${f.benchPeakRssKiB ?? 'n/a'} KiB (includes WAMR's ${kib(f.benchWamrPoolBytes ?? 0)} pool, which WAMR zeroes at start) |`,
    heapRow(interp, 'fast interpreter'),
    heapRow(aot, 'AOT, x86-64 code'),
    `| firmware linear memory, declared | ${f.firmware.memory?.initialPages} pages initial, ${f.firmware.memory?.maxPages ?? 'no'} maximum |`,
    ...f.firmware.linearMemory.map((l) => `| firmware linear memory after fw_init, board ${l.board} | ${l.pagesAfterInit} pages = ${kib(l.linearBytesAfterInit)} committed (${l.pagesAfterStart} after the start function); ${kib(l.usedBytesAfterInit)} used: ${kib(l.staticBytes)} static below the heap + ${kib(l.heapBytesAfterInit)} heap (largest blocks ${l.largestBlocks.map(kib).join(', ')}; arena ${kib(l.arenaLimitBytes)}${l.arenaBlockFound ? '' : ' NOT found'}) |`),
    `| firmware static data outside the arena | ${kib(f.firmware.linearMemory[0].staticBytes)} below the heap, of which ${f.firmware.dataSegments.bytes} B in ${f.firmware.dataSegments.segments} data segments (the rest zero-initialised statics); image ${f.firmware.bytes} B |`,
    '',
    ...f.firmware.linearMemory.filter((l) => l.linearBytesAfterInit > l.ramBytes).map((l) => `Board ${l.board} declares ramBytes ${l.ramBytes} (${kib(l.ramBytes)}), less than the ${kib(l.linearBytesAfterInit)} of linear memory the firmware holds after fw_init there (${kib(l.usedBytesAfterInit)} of it used).`),
    '',
  ];
}

/** The ESP32-S3 statement, computed from the measured figures. */
function esp32(r: RuntimeResult): string[] {
  const f = r.footprint;
  const esp = f.firmware.linearMemory.find((l) => l.board === 'esp32-s3-devkitc-1') ?? f.firmware.linearMemory[0];
  const interp = f.firmware.wamrHeap.find((h) => h.aot === false);
  const aot = f.firmware.wamrHeap.find((h) => h.aot === true);
  const sram = 512 * KIB;
  const needPages = Math.ceil(esp.usedBytesAfterInit / (64 * KIB));
  const interpHeap = interp?.wamrHeapHighmark ?? 0;
  const wasmBytes = interp?.fileBytes ?? f.firmware.bytes;
  const asIs = wasmBytes + interpHeap + esp.linearBytesAfterInit;
  const capped = wasmBytes + interpHeap + needPages * 64 * KIB;
  const aotHeap = aot?.wamrHeapHighmark ?? 0;
  const aotNoPsram = aotHeap + needPages * 64 * KIB;
  return [
    '## What an ESP32-S3 would need',
    '',
    `- Runtime code goes to flash, not SRAM: WAMR documents ~58.9 KiB of text for the fast interpreter and ~29.4 KiB for the AOT runtime on Cortex-M4F [1]; the x86-64 build here (fast interpreter + AOT loader + SIMD emulation by simde, -O3) is ${f.binaries.wamrCoreTextBytes ?? '?'} B of text.`,
    `- RAM for the firmware under the fast interpreter: the .wasm itself in a RAM buffer (${kib(wasmBytes)}; WAMR may modify it in place [5]), WAMR's global heap, which peaks at ${kib(interpHeap)} (the module's structures and the fast interpreter's translated code live there [2]; measured on x86-64, where pointer-sized entries are 8 bytes, so a 32-bit Xtensa build should need somewhat less: not measured), and the linear memory of ${kib(esp.linearBytesAfterInit)} (${esp.pagesAfterInit} pages; WAMR allocates whole 64 KiB pages [2]): **${kib(asIs)}**, more than the ESP32-S3's 512 KiB of internal SRAM [4] before ESP-IDF, Wi-Fi and the flash cache take their share. On the board in boards/ (ESP32-S3-DevKitC-1-N8, no PSRAM [6]) the firmware as built does not fit.`,
    `- Of those ${esp.pagesAfterInit} pages only ${kib(esp.usedBytesAfterInit)} are used (${needPages} pages): the AssemblyScript stub allocator doubles the memory when it grows. Capping the memory at ${needPages} pages (asc --maximumMemory ${needPages}, or WAMR's max_memory_pages at instantiation) ${esp.cappedAtUsedPages.fwInitStatus === 0 && esp.cappedAtUsedPages.pagesAfterInit === needPages ? `works (checked: the firmware with a ${needPages}-page maximum boots, fw_init returns 0 and holds ${needPages} pages; the stub falls back to growing only what it needs)` : `did NOT work here (fw_init ${esp.cappedAtUsedPages.fwInitStatus}, ${esp.cappedAtUsedPages.pagesAfterInit} pages)`} and brings the interpreter case to ${kib(capped)}: ${capped <= sram ? 'under 512 KiB, but not with ESP-IDF and Wi-Fi beside it' : 'still over 512 KiB'}. Of the used bytes, ${kib(esp.staticBytes)} are static data below the heap and ${kib(esp.largestBlocks.slice(0, 3).reduce((a, b) => a + b, 0))} are the arena and the two model windows (64 KiB each on this board).`,
    aot ? `- AOT: the global heap peaks at ${kib(aotHeap)} for firmware.aot (an x86-64 file of ${kib(aot?.fileBytes ?? 0)} here; an Xtensa file differs); the machine code is loaded outside that heap [5] unless the AOT file is built for XIP and runs from flash [3]. With XIP and the ${needPages}-page cap: about ${kib(aotNoPsram)} of RAM plus WAMR's stacks (an estimate: XIP was not measured, since on x86-64 this WAMR did not load wamrc --xip files of the firmware: "relocation truncated to fit R_X86_64_PC32" at --size-level 3 and 1, an abort at 0).` : `- AOT: not measured (${r.wamr.aot}).`,
    aot ? `- So: an ESP32-S3 needs PSRAM (an -R8 variant [6]) for the linear memory and the interpreter's buffers, keeping internal SRAM for ESP-IDF, Wi-Fi and the WAMR stacks. Without PSRAM even AOT with XIP and the ${needPages}-page cap leaves ${kib(Math.max(0, sram - aotNoPsram))} of the 512 KiB for ESP-IDF, Wi-Fi and the stacks; it would also take a smaller static area (${kib(esp.staticBytes)} today) and smaller model windows (${kib(esp.largestBlocks[1] ?? 0)} each).` : `- So: an ESP32-S3 needs PSRAM (an -R8 variant [6]) for the linear memory and the interpreter's buffers, keeping internal SRAM for ESP-IDF, Wi-Fi and the WAMR stacks.`,
    '',
    'Sources: ' + Object.values(SOURCES).map((s, i) => `[${i + 1}] ${s}`).join('; ') + '.',
    '',
  ];
}

/** The whole runtime.md. */
export function runtimeMarkdown(r: RuntimeResult): string {
  return [
    '# Dendra engine on WAMR vs V8',
    '',
    `Run ${r.date} on ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}. Runners: the firmware's interpreter (build/engine.wasm, engine-simd.wasm, as \`make build\` ships them) under V8 and under WAMR, ${r.method.order}; per inference: ${r.method.perInference}. Timing: ${r.method.timing}. Absolute times are this machine's; the ratios are the result.`,
    '',
    ...timeTables(r),
    ...footprintTable(r),
    ...esp32(r),
  ].join('\n');
}

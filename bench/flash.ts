/**
 * Flash throughput bench (run at the end of bench/run.ts, or alone: `node --import tsx bench/flash.ts`).
 * Every figure is a ratio measured in this run: effective image bytes/s as a fraction of the line
 * rate (baud / 10 bytes/s, 8N1), and the windowed transfer vs stop-and-wait on the same image,
 * board and baud. The real path: serialport <-> socat pty <-> simulator with wire pacing on
 * (host/device/src/sim/uartpace.ts) <-> the real bootloader protocol (boot/proto.ts) in the boot test
 * firmware (boot/testentry.ts: the app and interpreter are left out, its validator checks only the
 * TFL3 identifier, so a 256 KiB random "model" passes FINISH). The board is the sim board with a
 * larger flash and model region (4 MiB / 2 MiB, so one bank holds 256 KiB) and the baud under
 * test as its default; one extra run starts at 115200 and switches with SET_BAUD.
 * "write" = first WRITE sent .. last WRITE acknowledged; "whole" = open .. FINISH acknowledged
 * (HELLO, BEGIN's erase, FINISH's hash included). Writes bench/results/flash.json and flash.md.
 * DENDRA_BENCH_FLASH=faults runs only the fault table (bench/flashfaults.ts) and updates its section.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBoard, type Board } from '@dendra/device/boards/board.ts';
import { startSim } from '@dendra/device/sim/sim.ts';
import { buildBootTestFirmware } from '@dendra/device/test/testfw.ts';
import { flashModelFile, type FlashResult } from '@dendra/device/flash/flash.ts';
import { HEADER_BYTES, TRAILER_BYTES } from '@dendra/device/flash/frame.ts';
import { firmwareFlashRows, firmwareFlashMarkdown } from './fwflash.ts';
import { faultTable, faultMarkdown, ablations, signedImage, ABLATION_RATES, DEFAULTS_VARIANT, type FaultImage } from './flashfaults.ts';
import { mulberry32 } from '@dendra/core/random.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'bench', 'results');
const BAUDS = [115200, 921600];
const WINDOW = 4;
const GOAL = 0.9;
const MIB = 1024 * 1024;

/** The sim board with room for a 256 KiB image in one bank, at `baud` by default. */
function benchBoard(baud: number): Board {
  const b = structuredClone(loadBoard('sim'));
  b.flash.sizeBytes = 4 * MIB;
  b.flash.regions.model = { ...b.flash.regions.model, addr: 1 * MIB, size: 2 * MIB };
  b.uart = { ...b.uart, defaultBaud: baud };
  return b;
}

/** A 256 KiB seeded random "model" (TFL3 identifier at byte 4, as the test validator wants). */
function randomImage(size: number): Uint8Array {
  const rand = mulberry32(256);
  const img = Uint8Array.from({ length: size }, () => Math.floor(rand() * 256));
  img.set(new TextEncoder().encode('TFL3'), 4);
  return img;
}

interface Row {
  image: string;
  bytes: number;
  baud: number;
  /** How the board got to `baud`: its default, or SET_BAUD from 115200. */
  via: 'default' | 'SET_BAUD';
  windowSize: number;
  /** WRITEZ (raw deflate per frame, when smaller) on: effective throughput can exceed the line rate. */
  compress: boolean;
  writeBytesPerSec: number;
  wholeBytesPerSec: number;
  retries: number;
  /** writeBytesPerSec / (baud / 10). */
  writeFractionOfLine: number;
  /** whole-flash bytes/s / (baud / 10). */
  wholeFractionOfLine: number;
}

let runs = 0;

async function flashOnce(wasm: string, dir: string, file: string, name: string, board: Board, windowSize: number,
                         baud?: number, compress = false): Promise<Row> {
  const flashFile = path.join(dir, `flash-${++runs}.bin`);
  const csv = path.join(dir, 'ett.csv');
  const s = await startSim({ board, flashFile, dataCsv: csv, start: 0, wasmPath: wasm, pace: true, log: () => {} });
  let r: FlashResult;
  try {
    r = await flashModelFile({ port: s.ptyPath, file, windowSize, baud, lineBaud: board.uart.defaultBaud, timeoutMs: 2000, compress });
  } finally {
    await s.stop();
  }
  const line = r.baud / 10;
  const whole = (r.bytes * 1000) / r.ms;
  return {
    image: name, bytes: r.bytes, baud: r.baud, via: baud ? 'SET_BAUD' : 'default', windowSize, compress, writeBytesPerSec: r.writeBytesPerSec,
    wholeBytesPerSec: Math.round(whole), retries: r.retries, writeFractionOfLine: r.writeBytesPerSec / line, wholeFractionOfLine: whole / line,
  };
}

/** The fault table's images: the shipped models (grid 11 KB, pack 17 KB) that exist. */
function faultImages(): FaultImage[] {
  return ['grid', 'pack'].map((m) => ({ name: `models/${m}/${m}.tflite`, file: path.join(ROOT, 'models', m, `${m}.tflite`) })).filter((i) => existsSync(i.file));
}

/** The fault table's extra rows: the ablations on the grid model, and the grid model signed, at 0.1% and 1%. */
function faultExtras(dir: string) {
  const grid = faultImages().find((i) => i.name.includes('grid'));
  if (!grid) return [];
  return [...ablations(dir).map((variant) => ({ image: grid, variant, rates: ABLATION_RATES })),
    { image: signedImage(dir, grid), variant: DEFAULTS_VARIANT, rates: ABLATION_RATES }];
}

/**
 * Only the fault table (`DENDRA_BENCH_FLASH=faults node --import tsx bench/flash.ts`): runs it and
 * replaces its section of bench/results/flash.md and its `faults` in flash.json, the rest kept.
 */
export async function runFaultBenchOnly(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dendra-flash-bench-'));
  try {
    const wasm = buildBootTestFirmware(dir);
    writeFileSync(path.join(dir, 'ett.csv'), ['date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT', ...Array.from({ length: 200 }, () => '2016-07-01 00:00:00,1,1,2,3,4,5,30')].join('\n') + '\n');
    const faults = await faultTable(wasm, dir, faultImages(), benchBoard(115200), BAUDS, faultExtras(dir));
    const jsonFile = path.join(OUT, 'flash.json');
    const json = existsSync(jsonFile) ? JSON.parse(readFileSync(jsonFile, 'utf8')) : {};
    writeFileSync(jsonFile, JSON.stringify({ ...json, faults, faultsDate: new Date().toISOString() }, null, 2) + '\n');
    const mdFile = path.join(OUT, 'flash.md');
    const head = existsSync(mdFile) ? readFileSync(mdFile, 'utf8').split('## Throughput and success against line faults')[0] : '# Flash throughput\n\n';
    const section = faultMarkdown(faults.cells, faults.setup, true).join('\n');
    writeFileSync(mdFile, head + section);
    process.stdout.write(section);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the flash bench; writes bench/results/flash.json and flash.md and prints the table. */
export async function runFlashBench(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dendra-flash-bench-'));
  try {
    const wasm = buildBootTestFirmware(dir);
    writeFileSync(path.join(dir, 'ett.csv'), ['date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT', ...Array.from({ length: 200 }, () => '2016-07-01 00:00:00,1,1,2,3,4,5,30')].join('\n') + '\n');
    const random = path.join(dir, 'random-256k.tflite');
    writeFileSync(random, randomImage(256 * 1024));
    const images: [string, string][] = [['random 256 KiB', random]];
    for (const m of ['grid', 'pack']) {
      const f = path.join(ROOT, 'models', m, `${m}.tflite`);
      if (existsSync(f)) images.push([`models/${m}/${m}.tflite`, f]);
    }
    const rows: Row[] = [];
    for (const baud of BAUDS) {
      for (const [name, file] of images) {
        for (const w of [WINDOW, 1]) {
          const row = await flashOnce(wasm, dir, file, name, benchBoard(baud), w);
          rows.push(row);
          process.stderr.write(`flash bench: ${name} @ ${baud} window ${w}: ${(100 * row.writeFractionOfLine).toFixed(1)}% of line rate\n`);
        }
        if (name.startsWith('models/')) {
          const z = await flashOnce(wasm, dir, file, name, benchBoard(baud), WINDOW, undefined, true);
          rows.push(z);
          process.stderr.write(`flash bench: ${name} @ ${baud} window ${WINDOW} WRITEZ: ${(100 * z.writeFractionOfLine).toFixed(1)}% of line rate\n`);
        }
      }
    }
    // Once: the board starts at 115200 and the host switches it to 921600 with SET_BAUD.
    rows.push(await flashOnce(wasm, dir, random, images[0][0], benchBoard(115200), WINDOW, 921600));
    const maxFrame = loadBoard('sim').uart.maxFramePayload;
    const framing = (maxFrame - 4) / (maxFrame + HEADER_BYTES + TRAILER_BYTES);
    const pair = (r: Row) => rows.find((o) => o.image === r.image && o.baud === r.baud && o.via === r.via && o.windowSize === 1);
    const firmware = await firmwareFlashRows(dir, BAUDS);
    const faults = await faultTable(wasm, dir, faultImages(), benchBoard(115200), BAUDS, faultExtras(dir));
    const comparisons = rows.filter((r) => r.windowSize === WINDOW && !r.compress && pair(r)).map((r) => ({
      image: r.image, baud: r.baud,
      windowOverStopAndWait: r.writeBytesPerSec / pair(r)!.writeBytesPerSec,
      wholeWindowOverStopAndWait: r.wholeBytesPerSec / pair(r)!.wholeBytesPerSec,
      writeFractionOfLine: r.writeFractionOfLine, meetsGoal: r.writeFractionOfLine >= GOAL,
    }));
    const result = {
      date: new Date().toISOString(),
      setup: 'serialport <-> socat pty <-> sim UART paced at the baud (8N1) <-> boot/proto.ts in boot/testentry.ts (TFL3-only validator); sim board with 4 MiB flash / 2 MiB model region',
      goal: { writeFractionOfLine: GOAL },
      framingCeiling: { maxFramePayload: maxFrame, dataBytesPerFrame: maxFrame - 4, fraction: framing },
      rows, comparisons, firmware, faults,
    };
    mkdirSync(OUT, { recursive: true });
    writeFileSync(path.join(OUT, 'flash.json'), JSON.stringify(result, null, 2) + '\n');
    const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
    const md = [
      '# Flash throughput',
      '',
      `Run ${result.date}. ${result.setup}. Line rate = baud / 10 bytes/s. "write" = first WRITE sent to last WRITE acknowledged; "whole" = port open to FINISH acknowledged (HELLO, BEGIN erase, FINISH hash included).`,
      `Framing ceiling with ${maxFrame}-byte frames: ${pct(framing)} of the line rate. Goal: write >= ${pct(GOAL)}.`,
      '',
      '| image | baud | via | window | frames | write / line rate | whole / line rate | retries |',
      '|---|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.image} (${r.bytes} B) | ${r.baud} | ${r.via} | ${r.windowSize === 1 ? '1 (stop-and-wait)' : r.windowSize} | ${r.compress ? 'WRITEZ when smaller' : 'WRITE'} | ${pct(r.writeFractionOfLine)} | ${pct(r.wholeFractionOfLine)} | ${r.retries} |`),
      '',
      '| image | baud | window / stop-and-wait (write) | (whole) | write >= 90% of line |',
      '|---|---|---|---|---|',
      ...comparisons.map((c) => `| ${c.image} | ${c.baud} | ${c.windowOverStopAndWait.toFixed(2)}x | ${c.wholeWindowOverStopAndWait.toFixed(2)}x | ${c.meetsGoal ? 'yes' : 'no'} |`),
      '',
      'Rows with frames = WRITE send the image as it is; WRITEZ rows compress each frame with raw deflate (inflated on the board), so image bytes per second can exceed the line rate. The window / stop-and-wait table compares uncompressed runs.',
      '',
      ...firmwareFlashMarkdown(firmware),
      '',
      ...faultMarkdown(faults.cells, faults.setup),
    ].join('\n');
    writeFileSync(path.join(OUT, 'flash.md'), md);
    process.stdout.write(md);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await (process.env.DENDRA_BENCH_FLASH === 'faults' ? runFaultBenchOnly() : runFlashBench());
}

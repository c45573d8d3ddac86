/**
 * Firmware flash bench (part of bench/flash.ts, or alone: `node --import tsx bench/fwflash.ts`):
 * `flashFirmware` of a new firmware into the inactive A/B slot of a sim board running the real
 * firmware build (build/firmware.wasm as its factory image) over the paced wire (8N1 at the baud),
 * with and without WRITEZ compression. Images: the firmware build itself (a copy with a build
 * stamp, so it is a new image) and a 256 KiB firmware (the build plus a custom section of seeded
 * random bytes: incompressible, the worst case). "write" = first WRITE sent .. last acknowledged
 * (image bytes per second over the line's baud / 10); "whole" = port open .. the board back up on
 * the new slot and confirmed (BEGIN's erase, FINISH's hash and signature checks, ACTIVATE, RESET,
 * the test boot and its self-test included).
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim } from '@dendra/device/sim/sim.ts';
import { loadBoard, type Board } from '@dendra/device/boards/board.ts';
import { flashFirmware } from '@dendra/device/flash/firmware.ts';
import { mulberry32 } from '@dendra/core/random.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** One firmware flash measured. */
export interface FwRow {
  image: string;
  bytes: number;
  baud: number;
  compress: boolean;
  writeFractionOfLine: number;
  wholeSeconds: number;
  /** Frame payload bytes sent per image byte (< 1: compression paid off). */
  wireBytesPerImageByte: number;
  retries: number;
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** `wasm` with a custom section `name` holding `data` appended (a valid module, same code). */
export function withCustomSection(wasm: Uint8Array, name: string, data: Uint8Array): Uint8Array {
  const nm = new TextEncoder().encode(name);
  const body = [...leb(nm.length), ...nm];
  const size = body.length + data.length;
  const head = Uint8Array.from([0, ...leb(size), ...body]);
  const out = new Uint8Array(wasm.length + head.length + data.length);
  out.set(wasm, 0);
  out.set(head, wasm.length);
  out.set(data, wasm.length + head.length);
  return out;
}

async function flashOnce(dir: string, factory: string, file: string, name: string, board: Board, compress: boolean, n: number): Promise<FwRow> {
  const csv = path.join(dir, 'ett.csv');
  const s = await startSim({ board, flashFile: path.join(dir, `fw-flash-${n}.bin`), dataCsv: csv, start: 0, wasmPath: factory, pace: true, log: () => {} });
  try {
    const r = await flashFirmware({ port: s.ptyPath, file, compress, lineBaud: board.uart.defaultBaud, timeoutMs: 2000, confirmTimeoutMs: 30000 });
    return {
      image: name, bytes: r.bytes, baud: board.uart.defaultBaud, compress, writeFractionOfLine: r.writeBytesPerSec / (board.uart.defaultBaud / 10),
      wholeSeconds: r.ms / 1000, wireBytesPerImageByte: r.frames.payloadBytes / r.bytes, retries: r.retries,
    };
  } finally {
    await s.stop();
  }
}

/** Runs the firmware rows (115200 and 921600 baud, compression on and off) in `dir`. */
export async function firmwareFlashRows(dir: string, bauds: readonly number[]): Promise<FwRow[]> {
  const factory = path.join(ROOT, 'build', 'firmware.wasm');
  const fw = new Uint8Array(readFileSync(factory));
  writeFileSync(path.join(dir, 'ett.csv'), ['date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT', ...Array.from({ length: 200 }, () => '2016-07-01 00:00:00,1,1,2,3,4,5,30')].join('\n') + '\n');
  const stamped = path.join(dir, 'fw-new.wasm');
  writeFileSync(stamped, withCustomSection(fw, 'dendra.build', new TextEncoder().encode('bench')));
  const rand = mulberry32(0xf1a5);
  const pad = Uint8Array.from({ length: 256 * 1024 - fw.length - 24 }, () => Math.floor(rand() * 256));
  const big = path.join(dir, 'fw-256k.wasm');
  writeFileSync(big, withCustomSection(fw, 'dendra.pad', pad));
  const images: [string, string][] = [['build/firmware.wasm + build stamp', stamped], ['256 KiB firmware (incompressible padding)', big]];
  const rows: FwRow[] = [];
  let n = 0;
  for (const baud of bauds) {
    const board: Board = { ...structuredClone(loadBoard('sim')), uart: { ...loadBoard('sim').uart, defaultBaud: baud } };
    for (const [name, file] of images) {
      for (const compress of [true, false]) {
        const row = await flashOnce(dir, factory, file, name, board, compress, ++n);
        rows.push(row);
        process.stderr.write(`firmware flash bench: ${name} @ ${baud} ${compress ? 'WRITEZ' : 'WRITE'}: ${(100 * row.writeFractionOfLine).toFixed(1)}% of line rate, ${row.wholeSeconds.toFixed(2)} s whole\n`);
      }
    }
  }
  return rows;
}

/** Markdown table of {@link firmwareFlashRows}. */
export function firmwareFlashMarkdown(rows: FwRow[]): string[] {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  return [
    '## Firmware (A/B slot, flashFirmware: BEGIN .. FINISH, ACTIVATE, RESET, test boot, confirmed)',
    '',
    '| image | baud | frames | write / line rate | wire bytes / image byte | whole (s) | retries |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.image} (${r.bytes} B) | ${r.baud} | ${r.compress ? 'WRITEZ when smaller' : 'WRITE'} | ${pct(r.writeFractionOfLine)} | ${r.wireBytesPerImageByte.toFixed(3)} | ${r.wholeSeconds.toFixed(2)} | ${r.retries} |`),
    '',
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = mkdtempSync(path.join(tmpdir(), 'dendra-fwflash-bench-'));
  try {
    process.stdout.write(firmwareFlashMarkdown(await firmwareFlashRows(dir, [115200, 921600])).join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Where the time of one flash goes (issue 20): runs one model flash with the CLI's defaults on the
 * paced, faulted sim wire (as bench/flashfaults.ts does) through a link that timestamps every
 * frame the host sends and every answer it gets, then prints what the write phase spent its time
 * on: the host -> board line busy (wire time of frames, copies, flushes) and idle, the idle split
 * into gaps while answers were awaited with nothing sendable, timeouts and their RTOs, round trips
 * of answered sends, frame sizes, the frames in flight, and the event-loop delay (host and sim
 * share one Node process). Usage:
 *   node --import tsx bench/flashtrace.ts [grid|pack|FILE] [baud] [rate] [seed] [--json]
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { loadBoard, type Board } from '@dendra/device/boards/board.ts';
import { startSim } from '@dendra/device/sim/sim.ts';
import { buildBootTestFirmware } from '@dendra/device/test/testfw.ts';
import { flashModel, type FlashOptions } from '@dendra/device/flash/flash.ts';
import { openSerialLink, type FlashLink } from '@dendra/device/flash/serial.ts';
import { readFlashImage } from '@dendra/device/flash/image.ts';
import { FrameDecoder, Cmd } from '@dendra/device/flash/frame.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** One frame the host wrote, or one answer it decoded. */
interface Ev { t: number; dir: 'tx' | 'rx'; type: number; seq: number; len: number; wire: number; lineEnd: number; status?: number }

/** A link that records what crosses it (frames decoded on both sides, wire time of what was written). */
function tracedLink(link: FlashLink, baud: () => number, evs: Ev[]): FlashLink {
  const rx = new FrameDecoder(128);
  let lineFree = 0;
  let listening = false;
  const onRx = (chunk: Uint8Array) => {
    const t = performance.now();
    for (const f of rx.push(chunk)) evs.push({ t, dir: 'rx', type: f.type, seq: f.seq, len: f.payload.length, wire: 0, lineEnd: t, status: (f.payload[0] << 24) >> 24 });
  };
  return {
    get name() { return link.name; },
    get isOpen() { return link.isOpen; },
    write(bytes) {
      const t = performance.now();
      lineFree = Math.max(t, lineFree) + (bytes.length * 10_000) / baud();
      const f = new FrameDecoder(65535).push(bytes)[0];
      evs.push({ t, dir: 'tx', type: f ? f.type : -1, seq: f ? f.seq : -1, len: f ? f.payload.length : bytes.length, wire: bytes.length, lineEnd: lineFree });
      return link.write(bytes);
    },
    onData(l) {
      if (!listening) { link.onData(onRx); listening = true; }
      return link.onData(l);
    },
    setBaud: (b) => link.setBaud(b),
    reopen: (b) => link.reopen(b),
    close: () => link.close(),
  };
}

const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
const q = (v: number[], p: number) => { const s = [...v].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : 0; };

/** Summarises the write phase of a trace (see the file's comment). */
export function analyse(evs: Ev[], baud: number, logs: string[]): Record<string, unknown> {
  const isW = (type: number) => type === Cmd.WRITE || type === Cmd.WRITEZ;
  const tx = evs.filter((e) => e.dir === 'tx');
  const w0 = tx.find((e) => isW(e.type))!.t;
  const lastAck = [...evs].reverse().find((e) => e.dir === 'rx' && isW(e.type & 0x7f))!.t;
  const span = lastAck - w0;
  const inPhase = tx.filter((e) => e.t >= w0 && e.t <= lastAck);
  const busy = inPhase.reduce((n, e) => n + (e.wire * 10_000) / baud, 0);
  const writes = inPhase.filter((e) => isW(e.type));
  const flushes = inPhase.filter((e) => e.type === -1);
  const sendsBySeq = new Map<number, Ev>();
  const rtts: number[] = [];
  let answered = 0;
  const occupancy: number[] = [];
  const outstanding = new Set<Ev>();
  for (const e of evs.filter((x) => x.t >= w0 && x.t <= lastAck)) {
    if (e.dir === 'tx' && isW(e.type)) {
      sendsBySeq.set(e.seq, e);
      // sends younger than 4 round trips not answered yet: the frames in flight
      for (const o of outstanding) if (e.t - o.lineEnd > 200) outstanding.delete(o);
      outstanding.add(e);
      occupancy.push([...outstanding].reduce((n, o) => n + o.wire, 0));
    } else if (e.dir === 'rx' && isW(e.type & 0x7f)) {
      const s = sendsBySeq.get(e.seq);
      if (s) { rtts.push(e.t - s.lineEnd); outstanding.delete(s); sendsBySeq.delete(e.seq); answered++; }
    }
  }
  // Idle gaps of the host -> board line inside the write phase.
  const gaps: { from: number; to: number; next: Ev }[] = [];
  let free = w0;
  for (const e of inPhase) {
    if (e.t > free + 0.5) gaps.push({ from: free, to: e.t, next: e });
    free = Math.max(free, e.t) + (e.wire * 10_000) / baud;
  }
  if (lastAck > free) gaps.push({ from: free, to: lastAck, next: { t: lastAck, dir: 'rx', type: 0, seq: 0, len: 0, wire: 0, lineEnd: 0 } });
  const idle = gaps.reduce((n, g) => n + g.to - g.from, 0);
  const timeoutLines = logs.filter((l) => /WRITE.*no answer within/.test(l));
  const rtos = timeoutLines.map((l) => Number(/within (\d+) ms/.exec(l)?.[1] ?? 0));
  const tail = gaps.length ? gaps[gaps.length - 1].to - gaps[gaps.length - 1].from : 0;
  const sizes = writes.map((e) => e.len - 4);
  const big = gaps.filter((g) => g.to - g.from >= 20);
  return {
    writePhaseMs: +span.toFixed(1),
    lineBusyMs: +busy.toFixed(1), lineBusy: pct(busy, span),
    idleMs: +idle.toFixed(1), idleGaps: gaps.length,
    idleGapsOver20ms: big.length, idleInGapsOver20ms: +big.reduce((n, g) => n + g.to - g.from, 0).toFixed(1),
    idleAfterLastSendMs: +tail.toFixed(1),
    gapP50: +q(gaps.map((g) => g.to - g.from), 0.5).toFixed(2), gapP90: +q(gaps.map((g) => g.to - g.from), 0.9).toFixed(2),
    writeSends: writes.length, uniqueWriteOffsets: undefined, flushes: flushes.length, flushBytes: flushes.reduce((n, e) => n + e.wire, 0),
    answered, naks: evs.filter((e) => e.dir === 'rx' && isW(e.type & 0x7f) && e.status === -13 && e.t >= w0).length,
    rttP10: +q(rtts, 0.1).toFixed(1), rttP50: +q(rtts, 0.5).toFixed(1), rttP90: +q(rtts, 0.9).toFixed(1),
    timeouts: timeoutLines.length, rtoP50: q(rtos, 0.5), rtoMax: Math.max(0, ...rtos),
    frameDataP10: q(sizes, 0.1), frameDataP50: q(sizes, 0.5), frameDataP90: q(sizes, 0.9),
    wireBytes: writes.reduce((n, e) => n + e.wire, 0),
    inFlightBytesP50: q(occupancy, 0.5), inFlightBytesP90: q(occupancy, 0.9),
  };
}

/** The bench board (4 MiB flash, 2 MiB model region) at `baud`. */
function board(baud: number): Board {
  const b = structuredClone(loadBoard('sim'));
  b.flash.sizeBytes = 4 * 1024 * 1024;
  b.flash.regions.model = { ...b.flash.regions.model, addr: 1024 * 1024, size: 2 * 1024 * 1024 };
  b.uart = { ...b.uart, defaultBaud: baud };
  return b;
}

/** Runs one traced flash; returns the analysis (plus the result's headline). */
export async function traceOnce(wasm: string, dir: string, file: string, baud: number, rate: number, seed: number, extra: FlashOptions = {}): Promise<Record<string, unknown>> {
  const flashDir = existsSync('/dev/shm') ? '/dev/shm' : dir;
  const flashFile = path.join(flashDir, `trace-${process.pid}-${seed}.bin`);
  const s = await startSim({ board: board(baud), flashFile, dataCsv: path.join(dir, 'ett.csv'), start: 0, wasmPath: wasm, pace: true, log: () => {},
    lineFaults: { seed, dropRate: rate, flipRate: rate } });
  const evs: Ev[] = [];
  const logs: string[] = [];
  const h = monitorEventLoopDelay({ resolution: 1 });
  const link = tracedLink(await openSerialLink(s.ptyPath, baud), () => baud, evs);
  try {
    h.enable();
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    const r = await flashModel(readFlashImage(file), link, { lineBaud: baud, budgetMs: 90_000, log: (l) => { logs.push(l); if (process.env.DENDRA_TRACE_LOG) process.stderr.write(`${Math.round(performance.now())} ${l}\n`); }, ...extra });
    h.disable();
    const cpu = process.cpuUsage(cpu0);
    const cpuOfWall = pct((cpu.user + cpu.system) / 1000, performance.now() - w0);
    return { file: path.basename(file), baud, rate, seed, writeOfLine: pct(r.writeBytesPerSec, baud / 10), wholeMs: r.ms, resumes: r.resumes, retries: r.retries, cpuOfWall,
      copies: r.frames.copies ?? 0, writezs: r.frames.writezs, writes: r.frames.writes, ...analyse(evs, baud, logs),
      loopDelayP50ms: +(h.percentile(50) / 1e6).toFixed(2), loopDelayP99ms: +(h.percentile(99) / 1e6).toFixed(2), loopDelayMaxMs: +(h.max / 1e6).toFixed(1) };
  } finally {
    await link.close();
    await s.stop();
    rmSync(flashFile, { force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const which = args[0] ?? 'grid';
  const file = which === 'grid' || which === 'pack' ? path.join(ROOT, 'models', which, `${which}.tflite`) : which;
  const dir = mkdtempSync(path.join(tmpdir(), 'dendra-flash-trace-'));
  try {
    const wasm = buildBootTestFirmware(dir);
    writeFileSync(path.join(dir, 'ett.csv'), ['date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT', ...Array.from({ length: 200 }, () => '2016-07-01 00:00:00,1,1,2,3,4,5,30')].join('\n') + '\n');
    const compress = process.env.DENDRA_TRACE_COMPRESS === undefined ? {} : { compress: process.env.DENDRA_TRACE_COMPRESS === '1' };
    const r = await traceOnce(wasm, dir, file, Number(args[1] ?? 921600), Number(args[2] ?? 0), Number(args[3] ?? 1), compress);
    process.stdout.write(JSON.stringify({ ...r, load: loadavg().map((v) => +v.toFixed(2)) }, null, process.argv.includes('--json') ? 0 : 1) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

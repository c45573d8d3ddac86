/**
 * Test support (not product): one board, two targets. `startTarget('sim', o)` runs `dendra sim` (the
 * firmware .wasm in Node), `startTarget('runtime', o)` runs build/dendra-runtime (the firmware on
 * WAMR with the native HAL), with the same options, so one e2e suite runs against both. The pack
 * replay of the runtime is the `dendra pack frames` file of the options the sim replays, so both
 * boards see the same frames on DMA channel 1.
 *
 * Targets come from $DENDRA_TARGETS (comma-separated `sim`, `runtime`); by default `sim,runtime`
 * when build/dendra-runtime exists, else `sim` with a printed reason.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { startCli, startProcess, ROOT, type LiveCli } from '../proc.ts';
import { replayPack } from '@dendra/models/pack/replay.ts';
import { packFramesCsv } from '@dendra/models/pack/frames.ts';
import type { ElectrolyteId } from '@dendra/models/physics/electrolytes.ts';
import type { Duty } from '@dendra/models/pack/profiles.ts';
import { FIRMWARE_WASM } from '@dendra/core/paths.ts';
import { waitFor } from './wait.ts';

/** The kinds of target a suite runs against. */
export type TargetKind = 'sim' | 'runtime';

/** The native runtime binary: $DENDRA_RUNTIME (e.g. a sanitizer build), else build/dendra-runtime (`make runtime`). */
export const RUNTIME_BIN = process.env.DENDRA_RUNTIME ?? path.join(ROOT, 'build', 'dendra-runtime');

/** The simulated pack replayed on DMA channel 1 (`dendra sim --pack-*`, `dendra pack frames`). */
export interface PackReplay { seed?: number; electrolyte?: string; duty?: string; ccd?: number; hours?: number }

/** Options of {@link startTarget}: the same for both kinds. */
export interface TargetOptions {
  /** Flash image file (kept across restarts; the two kinds read each other's). */
  flash: string;
  board?: string;
  broker?: string;
  site?: string;
  device?: string;
  /** First ETTh1 row of window 0 (default 11520). */
  start?: number;
  /** Real ms per board hour (default 1000, the sim's default). */
  msPerHour?: number;
  /** Pack replay on DMA channel 1 (default: the sim's default pack); false: none. */
  pack?: PackReplay | false;
  /** Trusted public key files to provision. */
  trust?: string[];
}

/** The ready line both kinds print with --json. */
export interface Ready { pty: string; board: string; flash: string; family: string; trustedKeys: number | null }

/** A running target. `pty` and `ready` follow {@link Target.restart}. */
export interface Target {
  kind: TargetKind;
  pty: string;
  ready: Ready;
  flashFile: string;
  /** The current process. */
  proc(): LiveCli;
  /** stderr of the current process. */
  stderr(): string;
  /** stderr of every process of this target so far (restarts included). */
  stderrAll(): string;
  /** Resolves once the current process's stderr matches `re`; rejects (WaitTimeout) after `ms` naming `re`. */
  waitLog(re: RegExp, ms: number): Promise<void>;
  /** SIGTERM (SIGKILL to its process group after 5 s; what it left there is killed, see LiveCli.leftovers); resolves with the exit code (null when killed). Never rejects. */
  stop(): Promise<number | null>;
  /** kill -9 of the target's process group (a power cut); resolves once it is gone. */
  kill9(): Promise<void>;
  /** Starts the target again with the same options on the same flash file. */
  restart(): Promise<void>;
}

let announced = false;

/**
 * The targets to run: $DENDRA_TARGETS, else `sim,runtime` when build/dendra-runtime exists, else
 * `sim` (the reason is printed once on stderr).
 * @throws Error for an unknown target name, or `runtime` asked for while the binary is missing.
 */
export function targets(): TargetKind[] {
  const env = process.env.DENDRA_TARGETS?.trim();
  if (env) {
    const kinds = env.split(',').map((s) => s.trim()).filter(Boolean);
    for (const k of kinds) if (k !== 'sim' && k !== 'runtime') throw new Error(`DENDRA_TARGETS: unknown target '${k}' (sim, runtime)`);
    if (kinds.includes('runtime') && !existsSync(RUNTIME_BIN)) throw new Error(`DENDRA_TARGETS asks for runtime but ${RUNTIME_BIN} is missing (make runtime)`);
    return [...new Set(kinds)] as TargetKind[];
  }
  if (existsSync(RUNTIME_BIN)) return ['sim', 'runtime'];
  if (!announced) process.stderr.write(`targets: sim only: ${RUNTIME_BIN} is missing (make runtime builds it where cmake exists)\n`);
  announced = true;
  return ['sim'];
}

const frameFiles = new Map<string, string>();

/** The `dendra pack frames` arguments that select the same pack as the sim's `--pack-*` options. */
export function packFramesArgs(p: PackReplay): string[] {
  return ['--seed', String(p.seed ?? 1), '--electrolyte', p.electrolyte ?? 'llzo', '--duty', p.duty ?? 'peak-shaving', '--ccd', String(p.ccd ?? 0.5), '--cells', '4x4'];
}

/**
 * The runtime's --pack-frames file for `p` in `dir`, written once per options with the code of
 * `dendra pack frames` (replayPack + packFramesCsv, in process: the CLI itself is tested apart,
 * tests/pack-frames-cli.test.ts, and costs seconds of start-up per call).
 * @throws InputError from replayPack for options the sim would refuse too.
 */
export function packFramesFile(dir: string, p: PackReplay): string {
  const file = path.join(dir, `pack-${createHash('sha256').update(packFramesArgs(p).join(' ')).digest('hex').slice(0, 12)}.csv`);
  if (!frameFiles.has(file) || !existsSync(file)) {
    const { frames } = replayPack({ seed: p.seed ?? 1, electrolyte: (p.electrolyte ?? 'llzo') as ElectrolyteId, duty: (p.duty ?? 'peak-shaving') as Duty, ccdFraction: p.ccd ?? 0.5 });
    writeFileSync(file, packFramesCsv(frames));
    frameFiles.set(file, file);
  }
  return file;
}

let fwPublishes: boolean | undefined;

/**
 * Why the retained `model` record cannot be checked on `kind`, or false when it can. The sim publishes
 * it (host announce); on the runtime only a firmware that declares the HAL import `board_name`
 * publishes it itself (BRIEF: "New HAL imports").
 */
export function modelRecordSkip(kind: TargetKind): string | false {
  if (kind === 'sim') return false;
  fwPublishes ??= WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(FIRMWARE_WASM))).some((i) => i.module === 'hal' && i.name === 'board_name');
  return fwPublishes ? false : 'this build/firmware.wasm does not publish its model record itself (no hal.board_name import yet); the sim announces it from the host';
}

/** The command line of one kind for `o` (the pack replay file already written for the runtime). */
function commandLine(kind: TargetKind, o: TargetOptions, frames: string | undefined): string[] {
  const a = ['--board', o.board ?? 'sim', '--flash', o.flash, '--site', o.site ?? 'site1', '--device', o.device ?? 'board1',
    '--start', String(o.start ?? 11520), '--ms-per-hour', String(o.msPerHour ?? 1000), '--json'];
  if (o.broker) a.push('--broker', o.broker);
  for (const k of o.trust ?? []) a.push('--trust', k);
  const pack = o.pack === false ? undefined : (o.pack ?? {});
  if (kind === 'sim') {
    if (!pack) return ['sim', ...a, '--no-pack'];
    return ['sim', ...a, '--pack-seed', String(pack.seed ?? 1), '--electrolyte', pack.electrolyte ?? 'llzo', '--pack-duty', pack.duty ?? 'peak-shaving',
      '--pack-ccd', String(pack.ccd ?? 0.5), '--pack-hours', String(pack.hours ?? 1)];
  }
  return [...a, '--pty', ...(pack ? ['--pack-frames', frames!, '--pack-hours', String(pack.hours ?? 1)] : [])];
}

/**
 * Starts a target of `kind` with `o` and waits (30 s at most) for its ready line.
 * @throws Error with the target's stderr when it does not get ready.
 */
export async function startTarget(kind: TargetKind, o: TargetOptions): Promise<Target> {
  mkdirSync(path.dirname(o.flash), { recursive: true });
  const frames = kind === 'runtime' && o.pack !== false ? packFramesFile(path.dirname(o.flash), o.pack ?? {}) : undefined;
  const args = commandLine(kind, o, frames);
  const earlier: string[] = [];
  const launch = async (): Promise<{ p: LiveCli; ready: Ready }> => {
    const p = kind === 'sim' ? startCli(args, { detached: true }) : startProcess(RUNTIME_BIN, args, { detached: true });
    try {
      return { p, ready: JSON.parse(await p.waitLine((l) => l.startsWith('{') && l.includes('"pty"'), 30_000)) as Ready };
    } catch (e) {
      await p.stop();
      throw new Error(`${kind} did not start: ${(e as Error).message}`);
    }
  };
  let cur = await launch();
  const t: Target = {
    kind,
    pty: cur.ready.pty,
    ready: cur.ready,
    flashFile: o.flash,
    proc: () => cur.p,
    stderr: () => cur.p.stderr(),
    stderrAll: () => [...earlier, cur.p.stderr()].join(''),
    async waitLog(re, ms) {
      await waitFor(() => re.test(cur.p.stderr()), `a ${kind} log line matching ${re}`, ms, { intervalMs: 50, detail: () => `stderr:\n${cur.p.stderr().slice(-1500)}` });
    },
    async stop() {
      await cur.p.stop();
      return cur.p.child.exitCode;
    },
    async kill9() {
      const { child } = cur.p;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((r) => child.once('close', () => r()));
      process.kill(-child.pid!, 'SIGKILL');
      await gone;
    },
    async restart() {
      await t.stop();
      earlier.push(cur.p.stderr());
      cur = await launch();
      t.pty = cur.ready.pty;
      t.ready = cur.ready;
    },
  };
  return t;
}

/** Alert payload fields that are time stamps, device or wall clock (they differ between runs, never between models). */
export const TIME_FIELDS = ['ts', 'pts', 'wall_ts', 'delay_ms'] as const;

/** An alert payload without its time fields (to compare the same replay across targets). */
export function withoutTime(alert: Record<string, unknown>): Record<string, unknown> {
  const o = { ...alert };
  for (const k of TIME_FIELDS) delete o[k];
  return o;
}

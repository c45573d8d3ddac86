/**
 * Test helpers for running the real `dendra` CLI as a child process and reading its output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DENDRA = path.join(ROOT, 'bin', 'dendra.js');

/** Result of a finished CLI run. */
export interface RunResult {
  /** The process id, which is also its process group's (see {@link groupMembers}). */
  pid: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The processes of process group `pgid` still running (Linux /proc), e.g. a socat that a killed
 * `dendra sim` left behind. Empty where /proc cannot be read.
 */
export function groupMembers(pgid: number): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const d of pids) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid pgrp ...
      if (Number(f[2]) !== pgid || f[0] === 'Z') continue;
      out.push({ pid: Number(d), cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** SIGKILL to process group `pgid`; false when no process is left in it. */
function killGroup(pgid: number): boolean {
  try {
    process.kill(-pgid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `dendra args...` to completion, in its own process group: after timeoutMs the whole group
 * is killed (what the command started too, e.g. the socat of `dendra demo`'s simulated board), and
 * whatever it left running in the group when it ended is killed and named on stderr.
 */
export function runCli(args: string[], timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DENDRA, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => killGroup(child.pid!), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const left = groupMembers(child.pid!);
      if (left.length > 0 && killGroup(child.pid!)) process.stderr.write(`proc: dendra ${args[0]} left ${left.map((m) => m.cmd).join(', ')} running: killed\n`);
      resolve({ pid: child.pid!, code, stdout, stderr });
    });
  });
}

/** A long-running CLI child whose stdout lines can be awaited. */
export interface LiveCli {
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
  /** Resolves with the first stdout line (past or future) matching `pred`, or rejects after timeoutMs. */
  waitLine(pred: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /**
   * SIGTERM, SIGKILL after 5 s (to the whole process group when detached); resolves once it closed.
   * A detached child's group is then emptied: what it left running (e.g. the socat of a `dendra sim`)
   * is killed and listed in {@link LiveCli.leftovers}. Never rejects.
   */
  stop(): Promise<void>;
  /** What a detached child left running in its process group when {@link LiveCli.stop} ended it (killed then). */
  leftovers: { pid: number; cmd: string }[];
}

/** Starts `dendra args...` and collects its stdout lines (`detached`: see {@link startProcess}). */
export function startCli(args: string[], opts: { detached?: boolean } = {}): LiveCli {
  return startProcess(process.execPath, [DENDRA, ...args], opts);
}

/**
 * SIGTERM to `child`, SIGKILL after 5 s (to its process group when `detached`, named on stderr);
 * resolves once it closed. A detached child's group is then emptied: what it left running is
 * killed and pushed to `leftovers` (once). Never rejects.
 */
function stopChild(child: ChildProcess, name: string, detached: boolean, leftovers: { pid: number; cmd: string }[]): Promise<void> {
  const reap = () => {
    if (!detached || leftovers.length > 0) return;
    const left = groupMembers(child.pid!);
    if (left.length > 0 && killGroup(child.pid!)) leftovers.push(...left);
  };
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      reap();
      return resolve();
    }
    child.once('close', () => {
      clearTimeout(hard);
      reap();
      resolve();
    });
    child.kill('SIGTERM');
    const hard = setTimeout(() => {
      process.stderr.write(`proc: ${name} (pid ${child.pid}) still running 5 s after SIGTERM: SIGKILL${detached ? ' to its process group' : ''}\n`);
      if (detached) killGroup(child.pid!);
      else child.kill('SIGKILL');
    }, 5000);
    hard.unref();
  });
}

/**
 * Starts any program (e.g. build/dendra-runtime) in the repository root and collects its stdout lines.
 * `detached`: in its own process group (kill `-pid` ends it with its children, e.g. the sim's socat).
 */
export function startProcess(command: string, args: string[], opts: { detached?: boolean } = {}): LiveCli {
  const detached = opts.detached ?? false;
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached });
  const leftovers: { pid: number; cmd: string }[] = [];
  const lines: string[] = [];
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  let buf = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  child.stdout!.on('data', (d) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pred(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  return {
    child,
    lines,
    leftovers,
    stderr: () => err,
    waitLine(pred, timeoutMs) {
      const found = lines.find(pred);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (l: string) => { clearTimeout(t); resolve(l); } };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for a line; stderr:\n${err.slice(-2000)}`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    stop: () => stopChild(child, `${path.basename(command)} ${args.slice(0, 2).join(' ')}`, detached, leftovers),
  };
}

/**
 * A pseudo-terminal pair for the simulated board's UART, made by socat:
 * `socat -d -d pty,raw,echo=0,link=<dir>/board pty,raw,echo=0,link=<dir>/host`. The board end is
 * opened by the simulator, the host end by the flasher (any serial tool works on it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, realpathSync, readdirSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DendraError } from '@dendra/core/errors.ts';

/** A running pty pair. */
export interface PtyPair {
  /** Stable symlink to the board end. */
  boardPath: string;
  /** Stable symlink to the host end (give this to `dendra flash --port`). */
  hostPath: string;
  /** The real device behind {@link hostPath}, e.g. /dev/pts/3. */
  hostDevice: string;
  /** Stops socat and removes the links (idempotent). */
  close(): Promise<void>;
}

/** Options of {@link startPtyPair}. */
export interface PtyOptions {
  /** Directory for the links (default: a fresh temp dir, removed on close). */
  dir?: string;
  /** socat binary (default `socat` on PATH). */
  socat?: string;
  /** Startup timeout, ms (default 5000). */
  timeoutMs?: number;
}

const live = new Set<ChildProcess>();
let exitHook = false;

function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGTERM');
  });
}

/**
 * Starts socat and resolves once both pty links exist.
 * @throws DendraError `E_SOCAT` when socat is missing, exits early or does not come up in time.
 */
export async function startPtyPair(opts: PtyOptions = {}): Promise<PtyPair> {
  const ownDir = opts.dir === undefined;
  if (ownDir) sweepStalePtyDirs(tmpdir());
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'dendra-pty-'));
  const boardPath = join(dir, 'board');
  const hostPath = join(dir, 'host');
  const child = spawn(opts.socat ?? 'socat', [
    '-d', '-d',
    `pty,raw,echo=0,link=${boardPath}`,
    `pty,raw,echo=0,link=${hostPath}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  installExitHook();
  if (ownDir && child.pid !== undefined) writeFileSync(join(dir, PID_FILE), `${child.pid}\n`);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const cleanup = async (): Promise<void> => {
    live.delete(child);
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 1000).unref())]); // unref: a process ends as soon as socat did
    }
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForLinks(child, [boardPath, hostPath], opts.timeoutMs ?? 5000, () => stderr);
  } catch (e) {
    await cleanup();
    throw e;
  }
  let closed: Promise<void> | null = null;
  return {
    boardPath,
    hostPath,
    hostDevice: realpathSync(hostPath),
    close: () => (closed ??= cleanup()),
  };
}

/** The file in a pty folder that names its socat's pid (folders made by {@link startPtyPair}). */
const PID_FILE = 'socat.pid';

/** Whether process `pid` exists (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Whether pty folder `dir` belongs to a socat that is gone (see {@link sweepStalePtyDirs}). */
function isStale(dir: string): boolean {
  const pid = Number.parseInt(readFileSync(join(dir, PID_FILE), { encoding: 'utf8', flag: 'r' }).trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 && !alive(pid);
}

/** Folders from before the pid file: stale when empty or when both links lead nowhere. */
function isStaleLegacy(dir: string): boolean {
  const links = readdirSync(dir).filter((n) => n === 'board' || n === 'host').map((l) => join(dir, l));
  return links.every((l) => lstatSync(l).isSymbolicLink() && !existsSync(l));
}

/**
 * Removes `dendra-pty-*` folders in `parent` left by simulators that were killed (`kill -9`, a
 * power cut in a test): a folder older than `minAgeMs` whose socat (named in its `socat.pid`) is no
 * longer running; for a folder without that file, one that is empty or whose `board` and `host`
 * links both lead nowhere. A folder being set up, or one whose socat runs, is kept. Returns the
 * number removed; never throws (a folder it cannot read or remove is left).
 */
export function sweepStalePtyDirs(parent: string, minAgeMs = 60_000): number {
  let removed = 0;
  let names: string[];
  try { names = readdirSync(parent); } catch { return 0; }
  for (const name of names) {
    if (!name.startsWith('dendra-pty-')) continue;
    const dir = join(parent, name);
    try {
      const st = lstatSync(dir);
      if (!st.isDirectory() || Date.now() - st.mtimeMs < minAgeMs) continue;
      if (!(existsSync(join(dir, PID_FILE)) ? isStale(dir) : isStaleLegacy(dir))) continue;
      rmSync(dir, { recursive: true, force: true });
      removed++;
    } catch { /* another process's folder, or gone already */ }
  }
  return removed;
}

function waitForLinks(child: ChildProcess, links: string[], timeoutMs: number, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const onError = (e: Error) => finish(new DendraError('E_SOCAT', `cannot start socat: ${e.message}`));
    const onExit = (code: number | null) =>
      finish(new DendraError('E_SOCAT', `socat exited (${code}) before the pty pair was ready: ${stderr().trim().split('\n').pop() ?? ''}`));
    const timer = setInterval(() => {
      if (links.every((l) => existsSync(l))) finish(null);
      else if (Date.now() - t0 > timeoutMs) finish(new DendraError('E_SOCAT', `socat did not create the pty pair within ${timeoutMs} ms`));
    }, 10);
    function finish(err: Error | null): void {
      clearInterval(timer);
      child.off('error', onError);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    }
    child.once('error', onError);
    child.once('exit', onExit);
  });
}

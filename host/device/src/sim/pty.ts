/**
 * A pseudo-terminal pair for the simulated board's UART, made by socat:
 * `socat -d -d pty,raw,echo=0,link=<dir>/board pty,raw,echo=0,link=<dir>/host`. The board end is
 * opened by the simulator, the host end by the flasher (any serial tool works on it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, realpathSync } from 'node:fs';
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

/**
 * Exclusive use of a simulated board's flash file and a stable link to its pty, for `dendra sim`.
 * A second simulator on the same flash file (the same board and device id) would share the file and
 * corrupt it; the lock file `<flash>.lock` (created exclusively, holding the owner's pid and
 * instance id) refuses it. A lock whose process is gone is stale and taken over.
 */
import { closeSync, lstatSync, openSync, readFileSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { DendraError } from '@dendra/core/errors.ts';

/** What a lock file holds. */
export interface LockOwner {
  pid: number;
  instance: string;
  /** `<site>/<device>` the owner simulates. */
  device: string;
}

/** True when a process with `pid` exists (also when it belongs to another user). Never throws. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner recorded in `lockFile`, or undefined when it is missing or unreadable. Never throws. */
export function readLock(lockFile: string): LockOwner | undefined {
  try {
    const o = JSON.parse(readFileSync(lockFile, 'utf8')) as LockOwner;
    return Number.isInteger(o.pid) && o.pid > 0 ? o : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Locks `flashFile` for this process: creates `<flashFile>.lock` exclusively with `owner`.
 * Returns a release function (removes the lock if it is still ours; never throws).
 * @throws DendraError `E_DUPLICATE` (exit 1) when a live process holds the lock, naming its pid
 *   and device; `E_LOCK` when the lock file cannot be created.
 */
export function lockFlashFile(flashFile: string, owner: LockOwner): () => void {
  const lockFile = `${flashFile}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockFile, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new DendraError('E_LOCK', `cannot lock ${flashFile}: ${(e as Error).message}`);
      const held = readLock(lockFile);
      if (held && held.pid !== process.pid && alive(held.pid)) {
        throw new DendraError('E_DUPLICATE', `flash file ${flashFile} is in use by another dendra sim (pid ${held.pid}, device ${held.device}): one device id, one simulator (give another --device or --flash)`);
      }
      rmSync(lockFile, { force: true }); // stale: its process is gone
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(owner) + '\n');
    } finally {
      closeSync(fd);
    }
    return () => {
      if (readLock(lockFile)?.instance === owner.instance) rmSync(lockFile, { force: true });
    };
  }
  throw new DendraError('E_LOCK', `cannot lock ${flashFile}: the lock file keeps reappearing`);
}

/**
 * Makes `link` a symbolic link to `target` (the pty). An existing symbolic link there is replaced
 * (a stale one from a simulator that was killed); anything else is refused. Returns a function that
 * removes the link if it still points at `target` (never throws).
 * @throws DendraError `E_USAGE` (exit 2) when `link` exists and is not a symbolic link, or cannot be made.
 */
export function linkPty(link: string, target: string): () => void {
  try {
    if (!lstatSync(link).isSymbolicLink()) throw new DendraError('E_USAGE', `--link ${link} exists and is not a symbolic link: refusing to replace it`, 2);
    unlinkSync(link);
  } catch (e) {
    if (e instanceof DendraError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new DendraError('E_USAGE', `--link ${link}: ${(e as Error).message}`, 2);
  }
  try {
    symlinkSync(target, link);
  } catch (e) {
    throw new DendraError('E_USAGE', `--link ${link}: cannot make the link (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 2);
  }
  return () => {
    try {
      if (readlinkSync(link) === target) unlinkSync(link);
    } catch {
      // already gone
    }
  };
}

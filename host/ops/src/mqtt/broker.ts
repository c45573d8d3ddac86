/**
 * Brokers for Dendra: {@link startBroker} runs the embedded aedes broker (the zero-set-up
 * default), {@link startMosquitto} runs a real mosquitto (the reference broker) for tests.
 * Both listen on loopback by default and hand back `{ url, port, close() }`.
 */
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { Aedes } from 'aedes';
import { BrokerError } from './errors.ts';

/** A running broker. */
export interface BrokerHandle {
  /** `mqtt://<host>:<port>` */
  url: string;
  host: string;
  /** The bound port (the real one when 0 was asked for). */
  port: number;
  /** Stops the broker and disconnects its clients. Resolves once stopped; never rejects. */
  close(): Promise<void>;
}

/** Options for {@link startBroker}. */
export interface BrokerOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default `127.0.0.1` (loopback only). */
  host?: string;
}

/** Binds `server` to host:port; rejects with a one-line {@link BrokerError} (`E_PORT_BUSY`, ...). */
function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (e.code === 'EADDRINUSE') {
        reject(new BrokerError('E_PORT_BUSY', `port ${port} on ${host} is already in use (is another broker running? choose another port)`));
      } else if (e.code === 'EACCES') {
        reject(new BrokerError('E_PORT_BUSY', `not allowed to listen on ${where} (ports below 1024 need privileges)`));
      } else {
        reject(new BrokerError('E_BROKER_START', `cannot listen on ${where}: ${e.code ?? e.message}`));
      }
    };
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      reject(new BrokerError('E_BROKER_START', `cannot listen on ${host}:${port}: not a TCP port (0..65535)`));
      return;
    }
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/**
 * Starts the embedded aedes broker (MQTT 3.1.1, in-memory, no auth) on `host:port`.
 * @throws {BrokerError} `E_PORT_BUSY` if the port is taken, `E_BROKER_START` for other bind errors.
 */
export async function startBroker(opts: BrokerOptions = {}): Promise<BrokerHandle> {
  const host = opts.host ?? '127.0.0.1';
  const aedes = await Aedes.createBroker();
  const server = net.createServer((socket) => aedes.handle(socket));
  let port: number;
  try {
    port = await listen(server, opts.port ?? 0, host);
  } catch (e) {
    await new Promise<void>((r) => aedes.close(() => r()));
    throw e;
  }
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      aedes.close();
    }));
  return { url: `mqtt://${host === '::1' ? '[::1]' : host}:${port}`, host, port, close };
}

/** Where mosquitto is looked for, in order. */
export const MOSQUITTO_PATHS = ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto'];

/** Path of an installed mosquitto binary, or `null` if none is found. Never throws. */
export function findMosquitto(): string | null {
  return MOSQUITTO_PATHS.find((p) => existsSync(p)) ?? null;
}

/**
 * Asks the OS for a free loopback port, or checks that `port` is free (released before
 * returning, so a race is possible).
 * @throws {BrokerError} `E_PORT_BUSY` if `port` is taken.
 */
export async function freePort(host = '127.0.0.1', port = 0): Promise<number> {
  const s = net.createServer();
  port = await listen(s, port, host);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Resolves true once host:port accepts a TCP connection, false after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => { s.destroy(); resolve(false); });
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Options for {@link startMosquitto}. */
export interface MosquittoOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Path of the binary; default {@link findMosquitto}. */
  bin?: string;
  /** How long to wait for the listener, ms (default 5000). */
  startTimeoutMs?: number;
  /**
   * Directory for mosquitto.conf (and the persistence db). Given: it is kept by `close()`, so a
   * second `startMosquitto` with the same `dir` and `port` is a restart. Default: a temp dir,
   * removed by `close()`.
   */
  dir?: string;
  /** Keep sessions and queued QoS 1 messages in `<dir>/mosquitto.db` across restarts (default false). */
  persistence?: boolean;
  /** Accept clients without credentials (default true). */
  allowAnonymous?: boolean;
  /** Extra mosquitto.conf lines for the listener (e.g. `password_file ...`, `acl_file ...`). */
  config?: string[];
  /**
   * OS user mosquitto runs as when started by root: `root` (default) or e.g. `mosquitto`, in which
   * case `dir` and its files are chowned to that user first. Ignored when not root.
   */
  user?: string;
}

/** Stops a child with SIGTERM, then SIGKILL after 2 s; resolves when it has exited. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill('SIGTERM');
  });
}

/** uid and gid of a local user from /etc/passwd, or null. Never throws. */
export function lookupUser(name: string): { uid: number; gid: number } | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch { /* no /etc/passwd */ }
  return null;
}

/** Files in a mosquitto dir that stay owned by the caller (plain-text secrets, the local CA's key). */
export const PRIVATE_FILES = ['credentials.json', 'ca.key'];

/** chowns `dir` and the files in it (not {@link PRIVATE_FILES}) to `user`, when root and the user exists. */
async function chownDir(dir: string, user: string): Promise<void> {
  const u = lookupUser(user);
  if (!u || process.getuid?.() !== 0) return;
  await chown(dir, u.uid, u.gid);
  for (const f of await readdir(dir)) if (!PRIVATE_FILES.includes(f)) await chown(join(dir, f), u.uid, u.gid);
}

/** The mosquitto.conf lines for {@link startMosquitto}. */
function mosquittoConf(opts: MosquittoOptions, host: string, port: number, dir: string): string[] {
  const lines = [
    `listener ${port} ${host}`,
    `allow_anonymous ${opts.allowAnonymous === false ? 'false' : 'true'}`,
    ...(opts.config ?? []),
    opts.persistence ? 'persistence true' : 'persistence false',
    // autosave every second: a broker that crashes (kill -9) keeps the sessions and queued QoS 1
    // messages it had a second before, not only what it saved at its last clean shutdown.
    ...(opts.persistence ? [`persistence_location ${dir}/`, 'persistence_file mosquitto.db', 'autosave_interval 1'] : []),
    'log_dest stderr',
  ];
  if (process.getuid?.() === 0) lines.push(`user ${opts.user ?? 'root'}`);
  return lines;
}

/**
 * Makes sure a caller-given mosquitto `dir` exists: creates it when its parent does.
 * @throws {BrokerError} `E_BROKER_DIR` (one line) when the parent is missing, or the dir cannot be made or is not a directory.
 */
async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && existsSync(dir) && statSync(dir).isDirectory()) return;
    const parent = dirname(resolvePath(dir));
    const why = code === 'ENOENT' ? `its parent ${parent} does not exist` : code === 'EEXIST' ? 'it is not a directory' : `${code ?? (e as Error).message}`;
    throw new BrokerError('E_BROKER_DIR', `cannot use ${dir} as the mosquitto directory: ${why}`);
  }
}

/** Spawns mosquitto and waits until it listens and logs "running". */
async function spawnMosquitto(bin: string, conf: string, host: string, port: number, timeoutMs: number) {
  const child = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + timeoutMs;
  const ready = async () => {
    if (!(await waitForPort(host, port, timeoutMs))) return false;
    while (!/ running/.test(stderr) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    return / running/.test(stderr);
  };
  const up = (await Promise.race([ready(), exited.then(() => false)])) && child.exitCode === null;
  return { child, up, lastLine: () => stderr.trim().split('\n').pop() ?? '' };
}

/**
 * Starts a real mosquitto on 127.0.0.1 with a generated config (by default anonymous, no
 * persistence, `user root` when root so it can read the temp dir) and waits until it accepts
 * connections. `close()` stops it (SIGTERM, so a persistent db is saved; SIGKILL after 2 s) and
 * removes the temp dir (never a caller-given `dir`).
 * @throws {BrokerError} `E_NO_MOSQUITTO` if the binary is missing, `E_PORT_BUSY` if the port is
 *   taken, `E_BROKER_DIR` for a `dir` that cannot be made (its parent is missing), `E_BROKER_START` (with the last line mosquitto printed) if it exits or does not listen
 *   within the timeout.
 */
export async function startMosquitto(opts: MosquittoOptions = {}): Promise<BrokerHandle> {
  const bin = opts.bin ?? findMosquitto();
  if (!bin || !existsSync(bin)) {
    throw new BrokerError('E_NO_MOSQUITTO', `mosquitto not found (looked in ${(opts.bin ? [opts.bin] : MOSQUITTO_PATHS).join(', ')})`);
  }
  const host = '127.0.0.1';
  // Binding first gives the same E_PORT_BUSY as startBroker, and ensures the readiness probe
  // below cannot be answered by some other listener on that port.
  const port = await freePort(host, opts.port ?? 0);
  const ownDir = opts.dir === undefined;
  if (!ownDir) await ensureDir(opts.dir!);
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'dendra-mosquitto-')));
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, mosquittoConf(opts, host, port, dir).join('\n') + '\n');
  if (opts.user && opts.user !== 'root') await chownDir(dir, opts.user);
  const m = await spawnMosquitto(bin, conf, host, port, opts.startTimeoutMs ?? 5000);
  const cleanup = async () => { await stopChild(m.child); if (ownDir) await rm(dir, { recursive: true, force: true }); };
  if (!m.up) {
    await cleanup();
    const last = m.lastLine();
    throw new BrokerError('E_BROKER_START', `mosquitto did not start on ${host}:${port}${last ? `: ${last}` : ''}`);
  }
  let closing: Promise<void> | undefined;
  return { url: `mqtt://${host}:${port}`, host, port, close: () => (closing ??= cleanup()) };
}

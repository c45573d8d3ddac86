/**
 * `flashModel`: sends a .tflite model to a board's bootloader over a serial port
 * (HELLO, BEGIN, WRITE chunks, FINISH), with progress and one-line errors for the usual failures:
 * missing port, busy port, silent board, file that is not a model or does not fit the slot.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { SerialPort } from 'serialport';
import { InputError } from '../errors.ts';
import { BootClient, FlashError, type HelloInfo, type Transport } from './loader.ts';
import { PROTO_VERSION } from './frame.ts';

/** Progress of a flash: image bytes acknowledged by the board so far, of `total`. */
export interface FlashProgress {
  bytes: number;
  total: number;
}

/** Options of {@link flashModel}. */
export interface FlashOptions {
  /** Serial device path, e.g. /dev/ttyUSB0 or the sim's host pty link. */
  port: string;
  /** Path of the .tflite model. */
  file: string;
  /** Baud rate (default 115200; a pty ignores it). */
  baud?: number;
  /** Called after every acknowledged chunk. */
  onProgress?: (p: FlashProgress) => void;
  /** Per-attempt response timeout, ms (default 1000). */
  timeoutMs?: number;
  /** Retries per command (default 3). */
  retries?: number;
  /** Receives retry lines ("... retrying (n attempt(s) left)"). */
  log?: (line: string) => void;
}

/** What a successful flash did. */
export interface FlashResult {
  board: HelloInfo;
  bytes: number;
  /** Hex SHA-256 of the image. */
  sha256: string;
  chunks: number;
  retries: number;
  ms: number;
}

/**
 * Reads and checks a model file: it must exist and carry the TFLite identifier "TFL3" at bytes 4..8.
 * @throws InputError `E_INPUT` (missing/unreadable) or `E_NOT_TFLITE`.
 */
export function readModelFile(file: string): Uint8Array {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError('E_INPUT', `model file ${file} does not exist`, file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new InputError('E_INPUT', `cannot read ${file}: ${(e as Error).message}`, file);
  }
  const ident = new TextDecoder().decode(bytes.subarray(4, 8));
  if (bytes.length < 8 || ident !== 'TFL3') {
    throw new InputError('E_NOT_TFLITE', `${file} is not a TFLite model (no "TFL3" identifier at byte 4)`, file);
  }
  return bytes;
}

/**
 * A {@link Transport} over an open SerialPort. A failed write rejects with FlashError `E_PORT`
 * ("write to port X failed: ..."), e.g. when the device disappears mid-flash.
 */
export function serialTransport(port: SerialPort): Transport {
  const fail = (e: Error) => new FlashError('E_PORT', `write to port ${port.path} failed: ${e.message}`);
  return {
    write: (bytes) =>
      new Promise((resolve, reject) => {
        if (!port.isOpen) return reject(fail(new Error('port is closed')));
        port.write(Buffer.from(bytes), (err) => (err ? reject(fail(err)) : port.drain((e) => (e ? reject(fail(e)) : resolve()))));
      }),
    onData: (listener) => {
      const h = (d: Buffer) => listener(new Uint8Array(d));
      port.on('data', h);
      return () => port.off('data', h);
    },
  };
}

/**
 * Opens a serial port exclusively (lock: true; DTR/RTS untouched and hupcl off, so a pty works).
 * @throws FlashError `E_PORT_MISSING` "port X does not exist", `E_PORT_BUSY` "port X is busy
 *   (held by another process)", `E_PORT` for any other open failure.
 */
export async function openPort(path: string, baud = 115200): Promise<SerialPort> {
  if (!existsSync(path)) throw new FlashError('E_PORT_MISSING', `port ${path} does not exist`);
  const port = new SerialPort({ path, baudRate: baud, lock: true, hupcl: false, autoOpen: false });
  try {
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (/Cannot lock port|EBUSY|Resource temporarily unavailable|busy/i.test(msg)) {
      throw new FlashError('E_PORT_BUSY', `port ${path} is busy (held by another process)`);
    }
    if (/ENOENT|No such file/i.test(msg)) throw new FlashError('E_PORT_MISSING', `port ${path} does not exist`);
    throw new FlashError('E_PORT', `cannot open port ${path}: ${msg.replace(/\s+/g, ' ').trim()}`);
  }
  return port;
}

/** Closes a port, ignoring errors (used in finally blocks). */
export function closePort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    port.close(() => resolve());
  });
}

/**
 * Lists serial ports; returns [] where enumeration is unavailable (SerialPort.list() rejects
 * without udev, e.g. in containers). Never throws.
 */
export async function listPorts(): Promise<string[]> {
  try {
    return (await SerialPort.list()).map((p) => p.path);
  } catch {
    return [];
  }
}

/**
 * Flashes a model: checks the file, opens the port, HELLO, checks protocol and slot size, BEGIN,
 * WRITE in chunks of the board's max frame, FINISH. The port is always closed again.
 * @throws InputError for the file (see {@link readModelFile}); FlashError `E_PORT_*` for the port,
 *   `E_NO_BOARD` when HELLO gets no answer, `E_PROTO` for a protocol version mismatch,
 *   `E_TOO_LARGE` when the model does not fit, and the {@link BootClient} errors for the rest.
 */
export async function flashModel(opts: FlashOptions): Promise<FlashResult> {
  const t0 = Date.now();
  const image = readModelFile(opts.file);
  const port = await openPort(opts.port, opts.baud ?? 115200);
  const client = new BootClient(serialTransport(port), { timeoutMs: opts.timeoutMs, retries: opts.retries, log: opts.log });
  try {
    const board = await helloOrExplain(client, opts.port);
    if (board.proto !== PROTO_VERSION) {
      throw new FlashError('E_PROTO', `board speaks serial protocol v${board.proto}, this host speaks v${PROTO_VERSION}`);
    }
    if (image.length > board.slotSize) {
      throw new FlashError('E_TOO_LARGE', `model is ${image.length} bytes but the board's model slot holds ${board.slotSize}`);
    }
    const chunks = await sendImage(client, image, board.maxFrame - 4, opts.onProgress);
    return {
      board, bytes: image.length, chunks, retries: client.retried, ms: Date.now() - t0,
      sha256: createHash('sha256').update(image).digest('hex'),
    };
  } finally {
    client.close();
    await closePort(port);
  }
}

async function helloOrExplain(client: BootClient, path: string): Promise<HelloInfo> {
  try {
    return await client.hello();
  } catch (e) {
    if (e instanceof FlashError && e.code === 'E_TIMEOUT') {
      throw new FlashError('E_NO_BOARD', `no board answered HELLO on ${path} within ${client.timeoutMs} ms (${client.retries + 1} attempts)`, { seq: e.seq, attempt: e.attempt });
    }
    throw e;
  }
}

/** BEGIN, WRITE every chunk, FINISH; returns the number of chunks. */
async function sendImage(client: BootClient, image: Uint8Array, chunk: number, onProgress?: (p: FlashProgress) => void): Promise<number> {
  if (chunk < 1) throw new FlashError('E_PROTO', `board reports an unusable max frame (${chunk + 4} bytes)`);
  const sha = new Uint8Array(createHash('sha256').update(image).digest());
  await client.begin(image.length, sha);
  onProgress?.({ bytes: 0, total: image.length });
  let n = 0;
  for (let off = 0; off < image.length; off += chunk) {
    await client.write(off, image.subarray(off, Math.min(off + chunk, image.length)));
    n++;
    onProgress?.({ bytes: Math.min(off + chunk, image.length), total: image.length });
  }
  await client.finish();
  return n;
}

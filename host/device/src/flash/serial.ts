/**
 * The serial line of the flasher (transport layer, as esptool's): a {@link Transport} over a
 * SerialPort, and a {@link FlashLink} that can reopen its port after the device vanished mid-flash.
 * Opening is exclusive (lock), with DTR/RTS untouched and hupcl off so that a pty works.
 */
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { FlashError, type Transport } from './loader.ts';

/**
 * The flasher's line to a board: a {@link Transport} that can also be opened again after the
 * link was lost mid-transfer (a vanished port), and closed by whoever opened it.
 */
export interface FlashLink extends Transport {
  /** Names the link in messages (the port path). */
  readonly name: string;
  /** False once the link is closed or lost. */
  readonly isOpen: boolean;
  /** Closes the link and opens it again at `baud`. @throws FlashError `E_PORT_*` as {@link openPort}. */
  reopen(baud: number): Promise<void>;
  /** Closes the link. Never throws. */
  close(): Promise<void>;
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
    setBaud: (baud) =>
      new Promise((resolve, reject) => {
        const refuse = (why: string) => new FlashError('E_PORT', `cannot set port ${port.path} to ${baud} baud: ${why}`);
        if (!port.isOpen) return reject(refuse('port is closed'));
        port.update({ baudRate: baud }, (e) => (e ? reject(refuse(e.message)) : resolve()));
      }),
  };
}

/**
 * Opens a serial port as a {@link FlashLink} (see {@link openPort}); `reopen` opens the same path
 * again. @throws FlashError as {@link openPort}.
 */
export async function openSerialLink(path: string, baud = 115200): Promise<FlashLink> {
  let port = await openPort(path, baud);
  let t = serialTransport(port);
  return {
    name: path,
    get isOpen() { return port.isOpen; },
    write: (bytes) => t.write(bytes),
    onData: (listener) => t.onData(listener),
    setBaud: (b) => t.setBaud(b),
    async reopen(b) {
      await closePort(port);
      port = await openPort(path, b);
      t = serialTransport(port);
    },
    close: () => closePort(port),
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
  // A failed write reaches the caller through its callback (serialTransport: FlashError E_PORT); the
  // stream emits the same error as an event too, which without a listener would end the process
  // (EIO when the board's end of a pty dies mid-flash: tests/kill9-e2e.test.ts).
  port.on('error', () => {});
  return port;
}

/** Closes a port, ignoring errors (used in finally blocks). */
export function closePort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    port.close(() => resolve());
  });
}

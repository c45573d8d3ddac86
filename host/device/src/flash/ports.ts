/**
 * Serial port discovery for `dendra ports`: serialport's list with the USB vendor and product ids
 * (what tells an ESP32-S3's CDC port from an FTDI cable), sorted by path.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { DendraError } from '@dendra/core/errors.ts';

/** One serial port as `dendra ports` shows it; null where the OS says nothing. */
export interface PortInfo {
  path: string;
  /** USB vendor id, 4 lowercase hex digits (e.g. "303a"), or null for a non-USB port. */
  vendorId: string | null;
  /** USB product id, 4 lowercase hex digits, or null. */
  productId: string | null;
  manufacturer: string | null;
  serialNumber: string | null;
}

/** What serialport's `list()` returns per port (the fields used here). */
export interface RawPort {
  path: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  serialNumber?: string;
}

const hexId = (v: string | undefined): string | null => (v && /^[0-9a-f]{1,4}$/i.test(v) ? v.toLowerCase().padStart(4, '0') : null);

/**
 * The serial ports `list` finds (serialport's SerialPort.list by default), with normalised USB ids.
 * @throws DendraError `E_PORT_LIST` (exit 1, one line) when the OS cannot enumerate ports (on
 *   Linux serialport reads udev: a container without udevadm cannot list).
 */
export async function listPortInfo(list: () => Promise<RawPort[]> = systemList): Promise<PortInfo[]> {
  let raw: RawPort[];
  try {
    raw = await list();
  } catch (e) {
    throw new DendraError('E_PORT_LIST', `cannot list serial ports: ${(e as Error).message.split('\n')[0]}`);
  }
  return raw.map((p) => ({
    path: p.path, vendorId: hexId(p.vendorId), productId: hexId(p.productId),
    manufacturer: p.manufacturer || null, serialNumber: p.serialNumber || null,
  })).sort((a, b) => a.path.localeCompare(b.path));
}

/** True when `cmd` is an executable file on $PATH. */
function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * serialport's list. On Linux it spawns `udevadm info -e`, and a missing udevadm kills the process
 * (an unhandled spawn error, not a rejection): that case is refused here first.
 */
async function systemList(): Promise<RawPort[]> {
  if (process.platform === 'linux' && !onPath('udevadm')) throw new Error('udevadm not found (serialport lists ports through udev: apt-get install udev)');
  return SerialPort.list();
}

/** One line per port: `path  vid:pid  manufacturer  serial`, `-` for what is unknown. Never throws. */
export function formatPorts(ports: PortInfo[]): string[] {
  if (ports.length === 0) return ['no serial ports found (a dendra sim prints its pty, or use its --link path)'];
  return ports.map((p) => [p.path.padEnd(20), p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : '-        ', p.manufacturer ?? '-', p.serialNumber ?? '-'].join('  '));
}

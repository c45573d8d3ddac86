/**
 * The simulated board's NOR flash, backed by a file so it survives restarts and simulated power
 * loss: created 0xFF-filled at the board's flash size; writes can only clear bits (old AND new);
 * erase sets whole sectors back to 0xFF; every write and erase is fsync'ed before returning.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { InputError } from '@dendra/core/errors.ts';

/** Status returned for an out-of-range or misaligned request (firmware E_BOUNDS). */
export const FLASH_E_BOUNDS = -1;
/** Status returned when the backing file fails (firmware E_FLASH). */
export const FLASH_E_IO = -12;

/** A file-backed NOR flash device. All offsets are absolute flash addresses. */
export class FlashFile {
  private readonly fd: number;
  private readonly mem: Uint8Array;
  private closed = false;
  /** Counters for tests and reports. */
  readonly stats = { reads: 0, writes: 0, erases: 0 };

  /**
   * Opens `path`, creating it 0xFF-filled when absent.
   * @throws InputError `E_FLASH_FILE` when it exists with another size or cannot be opened.
   */
  constructor(readonly path: string, readonly sizeBytes: number, readonly sectorBytes: number) {
    const fresh = !existsSync(path);
    try {
      this.fd = openSync(path, fresh ? 'w+' : 'r+');
    } catch (e) {
      throw new InputError('E_FLASH_FILE', `cannot open flash file ${path}: ${(e as Error).message}`, path);
    }
    this.mem = new Uint8Array(sizeBytes);
    if (fresh) {
      this.mem.fill(0xff);
      writeSync(this.fd, this.mem, 0, sizeBytes, 0);
      fsyncSync(this.fd);
      return;
    }
    const have = fstatSync(this.fd).size;
    if (have !== sizeBytes) {
      closeSync(this.fd);
      throw new InputError('E_FLASH_FILE', `flash file ${path} has ${have} bytes, the board's flash has ${sizeBytes}`, path);
    }
    let got = 0;
    while (got < sizeBytes) got += readSync(this.fd, this.mem, got, sizeBytes - got, got);
  }

  private inRange(addr: number, len: number): boolean {
    return Number.isInteger(addr) && Number.isInteger(len) && addr >= 0 && len >= 0 && addr + len <= this.sizeBytes;
  }

  /** Copies `len` bytes at `addr` into `dst`; 0, or {@link FLASH_E_BOUNDS}. */
  read(addr: number, dst: Uint8Array): number {
    if (this.closed || !this.inRange(addr, dst.length)) return FLASH_E_BOUNDS;
    dst.set(this.mem.subarray(addr, addr + dst.length));
    this.stats.reads++;
    return 0;
  }

  /** Programs `data` at `addr` with NOR semantics (stored = old AND data), durably. 0 or <0. */
  write(addr: number, data: Uint8Array): number {
    if (this.closed || !this.inRange(addr, data.length)) return FLASH_E_BOUNDS;
    for (let i = 0; i < data.length; i++) this.mem[addr + i] &= data[i];
    this.stats.writes++;
    return this.persist(addr, data.length);
  }

  /** Erases every sector covering [addr, addr+len) to 0xFF; `addr` must be sector-aligned. 0 or <0. */
  erase(addr: number, len: number): number {
    if (this.closed || !this.inRange(addr, len) || addr % this.sectorBytes !== 0) return FLASH_E_BOUNDS;
    const end = Math.min(this.sizeBytes, Math.ceil((addr + len) / this.sectorBytes) * this.sectorBytes);
    this.mem.fill(0xff, addr, end);
    this.stats.erases++;
    return this.persist(addr, end - addr);
  }

  private persist(addr: number, len: number): number {
    try {
      writeSync(this.fd, this.mem, addr, len, addr);
      fsyncSync(this.fd);
      return 0;
    } catch {
      return FLASH_E_IO;
    }
  }

  /** A read-only view of the whole flash (for tests and inspection). */
  view(): Uint8Array {
    return this.mem.subarray();
  }

  /** Closes the backing file (idempotent); later calls return {@link FLASH_E_BOUNDS}. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

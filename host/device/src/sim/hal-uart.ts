/**
 * The simulated UART of the HAL (hal.ts): the RX FIFO the pty feeds and the `uart_*` imports.
 * Every pointer/length from the wasm is bounds-checked through the context's `span`.
 */
import { HAL_E_BOUNDS, UART_RX_CAP, type HalOptions, type HalStats } from './hal-types.ts';

/** The UART's receive FIFO: chunks of received bytes, capped at {@link UART_RX_CAP}. */
export class UartRxFifo {
  private chunks: Uint8Array[] = [];
  private bytes = 0;

  /**
   * Appends `data` (copied); bytes beyond the capacity are dropped, like a real FIFO overrun.
   * Returns how many were dropped. Never throws.
   */
  push(data: Uint8Array): number {
    const room = UART_RX_CAP - this.bytes;
    const take = data.subarray(0, Math.max(0, room));
    if (take.length > 0) {
      this.chunks.push(take.slice());
      this.bytes += take.length;
    }
    return data.length - take.length;
  }

  /** Moves up to `out.length` queued bytes into `out`, oldest first; returns the count. Never throws. */
  read(out: Uint8Array): number {
    let n = 0;
    while (n < out.length && this.chunks.length > 0) {
      const head = this.chunks[0];
      const k = Math.min(head.length, out.length - n);
      out.set(head.subarray(0, k), n);
      n += k;
      if (k === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(k);
    }
    this.bytes -= n;
    return n;
  }

  /** Bytes waiting. */
  pending(): number {
    return this.bytes;
  }

  /** Empties the FIFO (power-on reset). */
  clear(): void {
    this.chunks = [];
    this.bytes = 0;
  }
}

/** What the UART imports need from the HAL. */
export interface UartCtx {
  readonly o: HalOptions;
  readonly stats: HalStats;
  readonly rx: UartRxFifo;
  /** Bytes of linear memory [ptr, ptr+len), or null (counted as a HAL error) when out of range. */
  span(ptr: number, len: number): Uint8Array | null;
  /** Records the UART's new baud (already bounds-checked). */
  setBaud(baud: number): void;
}

/**
 * The `uart_read`, `uart_write` and `uart_set_baud` imports over `c`. Each returns
 * HAL_E_BOUNDS for an out-of-range buffer or a baud above the board's maximum; none throws.
 */
export function uartImports(c: UartCtx) {
  return {
    uart_read: (dst: number, max: number): number => {
      const out = c.span(dst, max);
      if (out === null) return HAL_E_BOUNDS;
      return c.rx.read(out);
    },
    uart_write: (src: number, len: number): number => {
      const data = c.span(src, len);
      if (data === null) return HAL_E_BOUNDS;
      c.o.uartTx(data.slice());
      c.stats.txBytes += data.length;
      return data.length;
    },
    uart_set_baud: (baud: number): number => {
      const b = (baud >>> 0) || c.o.board.uart.defaultBaud;
      if (b > c.o.board.uart.maxBaud) return HAL_E_BOUNDS;
      c.setBaud(b);
      return 0;
    },
  };
}

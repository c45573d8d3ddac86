/**
 * Slot bookkeeping of the windowed WRITE transfer (window.ts): the queue of frames to send again
 * (in offset order), the frames parked until the window moves, and the small state changes of a
 * slot or a send (acknowledged, answered, re-planned shorter).
 */
import type { Send, Slot } from './plan.ts';

/**
 * Drops slot `s`'s planned payload when its data (payload minus its 4-byte header) exceeds
 * `limit`, so its next send is re-planned at the size the line allows now. Never throws.
 */
export function shrinkTo(s: Slot, limit: number): void {
  if (s.payload !== null && s.payload.length - 4 > limit) s.payload = null;
}

/** Marks slot `s` written (no longer queued). Never throws. */
export function markAcked(s: Slot): void {
  s.acked = true;
  s.queued = false;
}

/** Marks `send` answered (once): its slot has one send fewer in flight. Never throws. */
export function markAnswered(send: Send): void {
  if (send.answered) return;
  send.answered = true;
  send.slot.inflight--;
}

/** Frames waiting to go again: lost ones (queued in offset order) and parked ones. */
export class ResendQueue {
  private readonly resend: Slot[] = [];
  /** Frames beyond the first unacknowledged one that came back NAKed: maybe the board's extents were full; resent once it moves. */
  private readonly parked: Slot[] = [];

  /** The next frame to send again (lowest offset), or undefined. Never throws. */
  shift(): Slot | undefined {
    return this.resend.shift();
  }

  /** Queues `s` to go again, in offset order. Never throws. */
  queue(s: Slot): void {
    s.queued = true;
    let k = 0;
    while (k < this.resend.length && this.resend[k].off < s.off) k++;
    this.resend.splice(k, 0, s);
  }

  /**
   * A NAK beyond the first unacknowledged frame: `s` is kept until the window moves (not a loss
   * of the line), re-planned shorter than `limit` when it goes again. Never throws.
   */
  park(s: Slot, limit: number): void {
    shrinkTo(s, limit); // shorter when it goes again
    s.queued = true;
    if (!this.parked.includes(s)) this.parked.push(s);
  }

  /** The window moved: every parked frame is queued to go again. Never throws. */
  releaseParked(): void {
    for (const p of this.parked.splice(0)) this.queue(p);
  }
}

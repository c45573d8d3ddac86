/**
 * The sim board's network stack behind the HAL's `net_publish` / `net_is_acked` / `net_connected`
 * (CONTRACTS.md "HAL imports"): numbers every accepted message and records when the
 * {@link Publisher} reports it delivered (for QoS 1 the broker's PUBACK) or failed. A publisher
 * without `publishWithAck` (a plain test recorder) counts as delivering at once; one without
 * `isConnected` as always connected. A board reset ({@link NetStack.reset}) forgets every
 * pending id: late reports for them are ignored, and the firmware sees them as lost.
 * Commands from the device's cmd topic ({@link NetStack.pushCommand}, behind `net_cmd_poll`) wait
 * in a bounded FIFO ({@link NET_MAX_COMMANDS}; excess dropped and counted) that a reset empties.
 */
import { Publisher } from '@dendra/ops/mqtt/device.ts';

/** `net_is_acked` results. */
export const NET_PENDING = 0;
export const NET_ACKED = 1;
export const NET_LOST = -1;
/** `net_publish` result when the publisher threw (the message was not sent). */
export const NET_E_PUBLISH = -2;
/** Most message states kept; beyond it the oldest are forgotten (reported lost). */
export const NET_MAX_TRACKED = 4096;
/** Commands the stack holds for the firmware; more are dropped (counted in `commandsDropped`). */
export const NET_MAX_COMMANDS = 16;
/** Bytes of a command the stack keeps; the firmware still learns the full length (oversized). */
export const NET_MAX_COMMAND_BYTES = 4096;

/** Message ids and their delivery states for one simulated board. */
export class NetStack {
  private nextId = 1;
  private readonly states = new Map<number, number>();
  private commands: { bytes: Uint8Array; length: number }[] = [];
  /** Commands dropped because the queue was full. */
  commandsDropped = 0;

  constructor(private readonly publisher: Publisher | undefined) {}

  /**
   * Hands a message to the publisher. Returns its id (>= 1), or {@link NET_E_PUBLISH} when the
   * publisher threw. Never throws.
   */
  publish(kind: string, payload: Uint8Array, qos: 0 | 1, retain: boolean): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    const pub = this.publisher;
    try {
      if (!pub) {
        this.track(id, NET_ACKED);
      } else if (pub.publishWithAck) {
        this.track(id, NET_PENDING);
        pub.publishWithAck(kind, payload, qos, retain, (err) => {
          if (this.states.get(id) === NET_PENDING) this.states.set(id, err ? NET_LOST : NET_ACKED);
        });
      } else {
        pub.publish(kind, payload, qos, retain);
        this.track(id, NET_ACKED);
      }
      return id;
    } catch {
      this.states.delete(id);
      return NET_E_PUBLISH;
    }
  }

  /** Delivery state of `id`; a final state (acked or lost) is reported once, then forgotten. */
  isAcked(id: number): number {
    const s = this.states.get(id);
    if (s === undefined) return NET_LOST;
    if (s !== NET_PENDING) this.states.delete(id);
    return s;
  }

  /** 1 when the publisher has a broker connection (or cannot tell), else 0. */
  connected(): number {
    const p = this.publisher;
    return !p || !p.isConnected || p.isConnected() ? 1 : 0;
  }

  /** Board reset: forgets all ids and queued commands (the network stack's RAM is gone). */
  reset(): void {
    this.states.clear();
    this.commands = [];
  }

  /**
   * Queues a command received on the device's cmd topic (a copy of at most
   * {@link NET_MAX_COMMAND_BYTES} bytes plus its full length). Returns false (and counts it) when
   * the queue is full. Never throws.
   */
  pushCommand(payload: Uint8Array): boolean {
    if (this.commands.length >= NET_MAX_COMMANDS) {
      this.commandsDropped++;
      return false;
    }
    this.commands.push({ bytes: payload.slice(0, NET_MAX_COMMAND_BYTES), length: payload.length });
    return true;
  }

  /** Commands waiting for the firmware. */
  pendingCommands(): number {
    return this.commands.length;
  }

  /**
   * `net_cmd_poll`: removes the oldest command, copies min(length, out.length) bytes into `out` and
   * returns its full length (> out.length = truncated); 0 when none waits.
   */
  pollCommand(out: Uint8Array): number {
    const c = this.commands.shift();
    if (!c) return 0;
    out.set(c.bytes.subarray(0, Math.min(out.length, c.bytes.length)));
    return Math.min(c.length, 0x7fffffff);
  }

  /** `net_announce`: the publisher republishes status and model; count handed over, 0 without support, -2 if it threw. */
  announce(): number {
    try {
      return this.publisher?.announce?.() ?? 0;
    } catch {
      return NET_E_PUBLISH;
    }
  }

  private track(id: number, state: number): void {
    this.states.set(id, state);
    if (this.states.size > NET_MAX_TRACKED) {
      const first = this.states.keys().next().value;
      if (first !== undefined) this.states.delete(first);
    }
  }
}

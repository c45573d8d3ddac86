/**
 * Test support: a lightweight device that publishes alerts the way the firmware's outbox does
 * (firmware/assembly/app/outbox.ts): every alert is journaled first, one alert is in flight at a
 * time, it leaves the journal only on its PUBACK (`publishWithAck`), and one the client gave up is
 * sent again with the same (boot, seq). Runs on the sim's real device client (`connectDevice`), so
 * broker lists, failover and the persistent session are the product's.
 */
import { connectDevice, type DeviceOptions, type DeviceClient } from '../src/mqtt/device.ts';

/** A journaled device. */
export interface JournalDevice {
  readonly pub: DeviceClient;
  readonly site: string;
  readonly device: string;
  /** Alerts raised so far (the next seq). */
  readonly raised: number;
  /** Alerts acknowledged by the broker (left the journal). */
  readonly acked: number;
  /** Alerts waiting in the journal (in flight included). */
  readonly pending: number;
  /** Sends that failed and were repeated. */
  readonly resent: number;
  /** Journals one alert (`seq` = {@link JournalDevice.raised}) and pumps. Returns its seq. */
  raise(extra?: Record<string, unknown>): number;
  /** Wall time (performance.now) each seq was raised. */
  readonly raisedAt: Map<number, number>;
}

/**
 * Connects a device (`connectDevice(o)`) and returns its journal. `boot` goes into every alert.
 * @throws what connectDevice throws.
 */
export async function connectJournalDevice(o: DeviceOptions, boot = 1): Promise<JournalDevice> {
  const pub = await connectDevice(o);
  const journal: { seq: number; bytes: Uint8Array }[] = [];
  const raisedAt = new Map<number, number>();
  let raised = 0;
  let acked = 0;
  let resent = 0;
  let inflight = false;
  const pump = (): void => {
    if (inflight || journal.length === 0) return;
    inflight = true;
    const rec = journal[0];
    pub.publishWithAck!('alert', rec.bytes, 1, false, (err) => {
      inflight = false;
      if (err) resent++;
      else { journal.shift(); acked++; }
      if (err) setTimeout(pump, 100);
      else pump();
    });
  };
  const enc = new TextEncoder();
  return {
    pub, site: o.site, device: o.device, raisedAt,
    get raised() { return raised; },
    get acked() { return acked; },
    get pending() { return journal.length; },
    get resent() { return resent; },
    raise(extra = {}) {
      const seq = raised++;
      raisedAt.set(seq, performance.now());
      const alert = { v: 1, seq, boot, ts: seq * 1000, kind: 'overload.warning', state: 'raised', severity: 'warning', value: 81.5, threshold: 80, ...extra };
      journal.push({ seq, bytes: enc.encode(JSON.stringify(alert)) });
      pump();
      return seq;
    },
  };
}

/**
 * Per-stream de-duplication and gap detection for QoS 1 alerts, keyed by (site, device, boot) and
 * `seq`, with bounded memory. Used by the operator watcher (alerts.ts).
 */

/** A run of seq numbers never received in one (site, device, boot) stream. */
export interface SeqGap {
  site: string;
  device: string;
  boot: number;
  /** First and last missing seq, inclusive. */
  from: number;
  to: number;
}

/** Seq numbers remembered per stream for duplicate detection. */
export const SEQ_MEMORY = 1024;
/** Streams remembered at most; the oldest is forgotten first. */
export const MAX_STREAMS = 10000;

interface Stream { max: number; seen: Set<number> }

/**
 * De-duplicates and gap-checks seq numbers per (site, device, boot) stream, with bounded memory:
 * the last {@link SEQ_MEMORY} seqs per stream, {@link MAX_STREAMS} streams. A seq older than the
 * remembered window is treated as a duplicate. Never throws.
 */
export class SeqTracker {
  private streams = new Map<string, Stream>();

  /** Records one seq; `'duplicate'` if seen before, else the gap it reveals (or null). */
  accept(site: string, device: string, boot: number, seq: number): 'duplicate' | SeqGap | null {
    const key = `${site}/${device}/${boot}`;
    let s = this.streams.get(key);
    if (!s) {
      if (this.streams.size >= MAX_STREAMS) this.streams.delete(this.streams.keys().next().value as string);
      s = { max: seq, seen: new Set([seq]) };
      this.streams.set(key, s);
      return null;
    }
    if (s.seen.has(seq) || seq <= s.max - SEQ_MEMORY) return 'duplicate';
    s.seen.add(seq);
    if (s.seen.size > SEQ_MEMORY) {
      for (const old of s.seen) { if (s.seen.size <= SEQ_MEMORY) break; s.seen.delete(old); }
    }
    if (seq <= s.max) return null; // late arrival filling an earlier gap
    const gap = seq > s.max + 1 ? { site, device, boot, from: s.max + 1, to: seq - 1 } : null;
    s.max = seq;
    return gap;
  }
}

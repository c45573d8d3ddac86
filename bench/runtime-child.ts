/**
 * A long-lived build/wamr-engine-bench child (runtime/bench/main.c) driven over stdin, so that
 * bench/runtime.ts can interleave its rounds with the V8 runners round by round.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DendraError } from '@dendra/core/errors.ts';

/** What the child prints once the model is loaded and all its outputs equal V8's. */
export interface ChildReady {
  aot: boolean; inputBytes: number; outputBytes: number; arenaBytes: number;
  vectors: number; verified: number; linearPages: number; wamrHeapHighmark: number;
}
/** The child's last line, after it checked all outputs again. */
export interface ChildDone { rounds: number; maxRssKiB: number; wamrPoolBytes: number; wamrHeapHighmark: number; linearPages: number }

/** One WAMR runner process. */
export class WamrChild {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private stderr = '';
  private exited: number | null = null;

  /** Starts `bin` with `args`; nothing is read until {@link ready}. */
  constructor(readonly label: string, bin: string, args: string[]) {
    this.proc = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    createInterface({ input: this.proc.stdout }).on('line', (l) => this.push(l));
    this.proc.on('close', (code) => { this.exited = code ?? -1; this.push(null); });
    this.proc.on('error', (e) => { this.stderr += e.message; this.exited = -1; this.push(null); });
  }

  private push(line: string | null): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w(line);
    } else if (line !== null) this.lines.push(line);
  }

  /** The next JSON line. @throws DendraError `E_WAMR_RUN` (with the child's stderr) when it exited instead. */
  private async next<T>(): Promise<T> {
    const line = this.lines.shift() ?? (this.exited !== null ? null : await new Promise<string | null>((r) => { this.waiting = r; }));
    if (line === null) {
      await new Promise((r) => setImmediate(r)); // let the last stderr chunk arrive
      throw new DendraError('E_WAMR_RUN', `${this.label}: wamr-engine-bench exited (${this.exited}): ${this.stderr.trim() || 'no message'}`);
    }
    try {
      return JSON.parse(line) as T;
    } catch {
      throw new DendraError('E_WAMR_RUN', `${this.label}: unexpected output line: ${line}`);
    }
  }

  /** Waits for the model load and the bit-exact check. @throws DendraError `E_WAMR_RUN`. */
  ready(): Promise<ChildReady> {
    return this.next<ChildReady>();
  }

  /** One round of `iters` inferences timed inside the child; microseconds per inference. */
  async round(iters: number): Promise<number> {
    this.proc.stdin.write(`round ${iters}\n`);
    const r = await this.next<{ usPerInference: number }>();
    return r.usPerInference;
  }

  /** Ends the child (it checks every output once more) and returns its footprint figures. */
  async finish(): Promise<ChildDone> {
    this.proc.stdin.end('quit\n');
    return this.next<ChildDone>();
  }

  /** Kills the child if it still runs (after an error elsewhere). */
  kill(): void {
    if (this.exited === null) this.proc.kill('SIGKILL');
  }
}

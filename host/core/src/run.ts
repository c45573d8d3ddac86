/**
 * Shared CLI plumbing: one-line errors (text or JSON), --json output, progress bars with a rate
 * and an ETA. Light on purpose: the CLI's start-up imports it, so cli-progress loads only when a
 * bar is first made.
 */
import { createRequire } from 'node:module';
import { DendraError } from './errors.ts';

/** Options every command accepts. */
export interface GlobalOpts {
  json?: boolean;
}

let jsonErrors = false;

/**
 * Chooses how {@link reportError} prints: one `dendra: message` line (default), or with `on` one
 * JSON line `{"error":{"code","message"}}` on stderr (the CLI turns it on for `--json`).
 */
export function setJsonErrors(on: boolean): void {
  jsonErrors = on;
}

/**
 * Runs a command action: prints a DendraError as one line (`dendra: message`) and exits with its
 * code; anything else is a bug and is printed with its stack.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      reportError(err);
    }
  };
}

/**
 * Prints an error the way the CLI does and sets the exit code; never throws. A DendraError is one
 * line with its exit code; anything else is a bug (exit 70, with its stack in text mode). Under
 * {@link setJsonErrors} the line is `{"error":{"code","message"}}`.
 */
export function reportError(err: unknown): void {
  const known = err instanceof DendraError;
  const code = known ? err.code : 'E_INTERNAL';
  const message = known ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
  if (jsonErrors) {
    process.stderr.write(JSON.stringify({ error: { code, message } }) + '\n');
  } else {
    process.stderr.write(`dendra: ${known ? message : `internal error: ${err instanceof Error ? err.stack : String(err)}`}\n`);
  }
  process.exitCode = known ? err.exitCode : 70;
}

/** Writes one JSON document to stdout (for --json). */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Writes one JSON record on one line (NDJSON), for long-running commands that stream events. */
export function printJsonLine(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** A progress reporter: a bar with rate and ETA on a TTY, nothing when quiet (--json or not a TTY). */
export interface Progress {
  start(total: number, label: string, base?: number): void;
  update(value: number, payload?: Record<string, string | number>): void;
  stop(): void;
  /**
   * Units per second since start() over what this run did (value - base), exactly as the bar
   * shows it last; 0 before any time has passed. Summaries print this, so bar and summary agree.
   */
  rate(): number;
}

/** Seconds as the bar shows an ETA: `12s`, `3m05s`, `1h02m`; `-` when unknown (no rate yet). */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A rate as the bar and the summaries print it: bytes as KiB/s (1 decimal), anything else 2 decimals. */
export function formatRate(rate: number, unit: string): string {
  return unit === 'B' ? `${(rate / 1024).toFixed(1)} KiB/s` : `${rate.toFixed(2)} ${unit}/s`;
}

/** The writable a bar draws on (stderr; a test passes its own). */
export type BarStream = NodeJS.WritableStream & { isTTY?: boolean };

/**
 * Makes a progress bar on `stream` (stderr). `unit` names what is counted (e.g. "B", "epoch"); with
 * quiet=true nothing is drawn, but {@link Progress.rate} still measures, so scripts get clean
 * --json output and the same figures. The rate and ETA are computed here from one clock (never
 * NaN or Infinity: `-` until the first unit is done).
 */
export function makeProgress(quiet: boolean, unit: string, extra = '', stream: BarStream = process.stderr): Progress {
  let t0 = 0;
  let base = 0;
  let total = 0;
  let label = '';
  let last = 0;
  const meter = (value: number): { rate: number; eta: number } => {
    const dt = (performance.now() - t0) / 1000;
    const done = value - base;
    last = dt > 0 && done > 0 ? done / dt : 0;
    return { rate: last, eta: last > 0 ? (total - value) / last : Number.NaN };
  };
  const fields = (value: number) => {
    const m = meter(value);
    return { label, rate: formatRate(m.rate, unit), eta_text: formatEta(m.eta) };
  };
  if (quiet) {
    return {
      start(t, _l, b = 0) { total = t; base = b; t0 = performance.now(); last = 0; },
      update(value) { meter(value); },
      stop() {},
      rate: () => last,
    };
  }
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      format: `{label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} | ETA {eta_text}${extra}`,
      stream: stream as NodeJS.WritableStream,
      hideCursor: false,
      noTTYOutput: true,
      notTTYSchedule: 2000,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    start(t, l, b = 0) {
      t0 = performance.now();
      total = t;
      base = b;
      label = l;
      last = 0;
      // the caller's extra fields ({loss}, {val}, ...) read '-' until its first update
      const blanks = Object.fromEntries([...extra.matchAll(/\{(\w+)\}/g)].map((m) => [m[1], '-']));
      bar.start(t, b, { ...blanks, ...fields(b) });
    },
    update(value, payload = {}) {
      bar.update(value, { ...fields(value), ...payload });
    },
    stop() {
      bar.stop();
    },
    rate: () => last,
  };
}

/** Parses an integer option, or throws a UsageError-like DendraError naming the option. */
export function intOpt(name: string, value: string | undefined, def: number, min = 0): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new DendraError('E_USAGE', `option ${name} must be an integer >= ${min}, got '${value}'`, 2);
  return n;
}

/**
 * Parses a TCP port option: an integer 0..65535 (0 = pick a free one).
 * @throws DendraError `E_USAGE` (exit 2) naming the option for anything else.
 */
export function portOpt(name: string, value: string | undefined, def: number): number {
  const n = intOpt(name, value, def, 0);
  if (n > 65535) throw new DendraError('E_USAGE', `option ${name} must be a TCP port 0..65535, got '${value}'`, 2);
  return n;
}

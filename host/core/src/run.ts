/**
 * Shared CLI plumbing: one-line errors, --json output, progress bars.
 */
import cliProgress from 'cli-progress';
import { DendraError } from './errors.ts';

/** Options every command accepts. */
export interface GlobalOpts {
  json?: boolean;
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

/** Prints an error the way the CLI does and sets the exit code; never throws. */
export function reportError(err: unknown): void {
  if (err instanceof DendraError) {
    process.stderr.write(`dendra: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`dendra: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 70;
  }
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
  start(total: number, label: string): void;
  update(value: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

/**
 * Makes a progress bar on stderr. `unit` names what is counted (e.g. "B", "epoch"); with
 * quiet=true it does nothing, so scripts get clean --json output.
 */
export function makeProgress(quiet: boolean, unit: string, extra = ''): Progress {
  if (quiet) return { start() {}, update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `{label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}${extra}`,
      stream: process.stderr,
      hideCursor: false,
      noTTYOutput: true,
      notTTYSchedule: 2000,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let t0 = 0;
  let label = '';
  return {
    start(total, l) {
      t0 = Date.now();
      label = l;
      // the caller's extra fields ({loss}, {val}, ...) read '-' until its first update
      const blanks = Object.fromEntries([...extra.matchAll(/\{(\w+)\}/g)].map((m) => [m[1], '-']));
      bar.start(total, 0, { ...blanks, label, rate: '0' });
    },
    update(value, payload = {}) {
      const dt = (Date.now() - t0) / 1000;
      const rate = dt > 0 ? (value / dt).toFixed(unit === 'B' ? 0 : 2) : '0';
      bar.update(value, { label, rate, ...payload });
    },
    stop() {
      bar.stop();
    },
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

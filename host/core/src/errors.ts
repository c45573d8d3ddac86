/**
 * Typed host errors. Every error a user can cause is a {@link DendraError}: the CLI prints its
 * message on one line and exits with {@link DendraError.exitCode}, never a stack trace.
 */

/** Base class for all expected (user-facing) errors. */
export class DendraError extends Error {
  /** Stable machine-readable code, e.g. `E_PORT_BUSY`. */
  readonly code: string;
  /** Process exit code the CLI uses for this error (non-zero). */
  readonly exitCode: number;
  constructor(code: string, message: string, exitCode = 1) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad command-line usage or an argument that names nothing (board, file, option value). */
export class UsageError extends DendraError {
  constructor(message: string) {
    super('E_USAGE', message, 2);
  }
}

/** A file that is missing, unreadable, or not in the expected format. */
export class InputError extends DendraError {
  /** Path of the offending file, when there is one. */
  readonly path?: string;
  constructor(code: string, message: string, path?: string) {
    super(code, message, 1);
    this.path = path;
  }
}

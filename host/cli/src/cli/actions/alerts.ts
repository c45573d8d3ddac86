/** `dendra alerts` (the work; the definition is ../commands/alerts.ts): an operator's view of alerts. */
import { intOpt } from '@dendra/core/run.ts';
import { startAlertsView } from '@dendra/ops/mqtt/view.ts';
import { SEVERITIES, type Severity } from '@dendra/ops/mqtt/schema.ts';
import { DendraError } from '@dendra/core/errors.ts';
import { caOption } from '../caopt.ts';

/** Options of `dendra alerts`. */
export interface AlertsOpts {
  broker: string;
  site?: string;
  device?: string;
  kind?: string[];
  severity?: string;
  count?: string;
  timeout?: string;
  connectTimeout: string;
  json?: boolean;
  username?: string;
  ca?: string;
  share?: string;
}

/** Checks `--severity`. @throws {DendraError} `E_USAGE` (exit 2) for an unknown level. */
function severityOpt(s: string | undefined): Severity | undefined {
  if (s === undefined) return undefined;
  if (!(SEVERITIES as readonly string[]).includes(s)) throw new DendraError('E_USAGE', `--severity must be one of ${SEVERITIES.join(', ')} (got ${JSON.stringify(s)})`, 2);
  return s as Severity;
}

/** Where the command writes lines (injectable for tests). */
export interface AlertsIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const stdio: AlertsIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

/**
 * `dendra alerts`: watches the broker as an operator until --count alerts, --timeout seconds,
 * Ctrl-C, or the view ends. @throws DendraError (one line): bad option, broker unreachable.
 */
export async function alertsAction(opts: AlertsOpts, io: AlertsIo = stdio): Promise<void> {
  const minSeverity = severityOpt(opts.severity);
  const view = await startAlertsView({
    url: opts.broker,
    site: opts.site,
    device: opts.device,
    kinds: opts.kind,
    minSeverity,
    limit: opts.count === undefined ? undefined : intOpt('--count', opts.count, 0, 1),
    connectTimeoutMs: intOpt('--connect-timeout', opts.connectTimeout, 5, 1) * 1000,
    username: opts.username,
    password: opts.username !== undefined ? process.env.DENDRA_MQTT_PASSWORD : undefined,
    shareGroup: opts.share,
    ...caOption(opts.ca),
    json: opts.json,
    out: io.out,
    err: io.err,
  });
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  if (opts.timeout !== undefined) setTimeout(stop, intOpt('--timeout', opts.timeout, 0, 1) * 1000).unref();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await Promise.race([view.done, stopped]);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await view.close();
}

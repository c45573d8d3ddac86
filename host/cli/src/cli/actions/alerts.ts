/** `dendra alerts` (the work; the definition is ../commands/alerts.ts): an operator's view of alerts. */
import { intOpt } from '@dendra/core/run.ts';
import { startAlertsView } from '@dendra/ops/mqtt/view.ts';
import { SEVERITIES, type Severity } from '@dendra/ops/mqtt/schema.ts';
import { DendraError } from '@dendra/core/errors.ts';
import { createHash } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { watchFilters } from '@dendra/ops/mqtt/alerts.ts';
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
  /** With `share`: the cluster's nats:// URLs (comma-separated); alerts come from the share group's JetStream consumer. */
  nats?: string;
  clientId?: string;
  clean?: boolean;
}

/**
 * The default operator client id: `dendra-ops-<user>@<host>-<8 hex>` where the hex is a hash of the
 * subscription filters (so `--site a` and `--site b` keep separate sessions); stable across runs,
 * so the broker keeps the session (subscriptions, queued QoS 1 alerts) while the operator is away.
 * Characters outside A-Z a-z 0-9 . _ - are replaced by `_`. Never throws.
 */
export function defaultClientId(filters: string[]): string {
  let user = 'user';
  try {
    user = userInfo().username;
  } catch { /* no passwd entry */ }
  const clean = (t: string) => t.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 32);
  const h = createHash('sha256').update(filters.join('\n')).digest('hex').slice(0, 8);
  return `dendra-ops-${clean(user)}@${clean(hostname())}-${h}`;
}

/** Checks `--client-id`. @throws {DendraError} `E_USAGE` (exit 2) for an empty or over-long id or one with spaces/control characters. */
function clientIdOpt(id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,64}$/.test(id)) throw new DendraError('E_USAGE', `--client-id must be 1-64 printable characters without spaces (got ${JSON.stringify(id.slice(0, 80))})`, 2);
  return id;
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
 * Ctrl-C, or the view ends; with --share and --nats the alerts come from the NATS cluster's share
 * group. @throws DendraError (one line): bad option (also --nats without --share), broker unreachable.
 */
export async function alertsAction(opts: AlertsOpts, io: AlertsIo = stdio): Promise<void> {
  const minSeverity = severityOpt(opts.severity);
  // --nats from $DENDRA_NATS alone is ignored without --share; given on the command line it is a usage error.
  if (opts.nats !== undefined && opts.share === undefined && process.env.DENDRA_NATS === undefined) throw new DendraError('E_USAGE', '--nats needs --share <group>', 2);
  const clean = opts.clean === true;
  const clientId = clean ? undefined : clientIdOpt(opts.clientId) ?? defaultClientId(watchFilters({ site: opts.site, device: opts.device, shareGroup: opts.share }));
  const view = await startAlertsView({
    clientId,
    cleanSession: clean,
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
    ...(opts.nats !== undefined && opts.share !== undefined ? { nats: opts.nats } : {}),
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

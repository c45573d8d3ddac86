/** `dendra alerts`: an operator's view of alerts (filtered, de-duplicated, gaps and offline devices reported). */
import type { Command } from 'commander';
import { action, intOpt } from '@dendra/core/run.ts';
import { startAlertsView } from '@dendra/ops/mqtt/view.ts';
import { SEVERITIES, type Severity } from '@dendra/ops/mqtt/schema.ts';
import { DendraError } from '@dendra/core/errors.ts';
import { createHash } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { watchFilters } from '@dendra/ops/mqtt/alerts.ts';
import { CA_OPTION, caOption } from '../caopt.ts';

interface AlertsOpts {
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

const stdio: AlertsIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

/** Registers the command; `io` defaults to stdout/stderr. */
export function registerAlerts(program: Command, io: AlertsIo = stdio): void {
  program
    .command('alerts')
    .description('subscribe to device alerts, status (offline = last will) and model records as an operator (QoS 1, de-duplicated by device, boot and seq; gaps reported)')
    .option('--broker <url>', 'MQTT broker URL', 'mqtt://127.0.0.1:1883')
    .option('--site <id>', 'only this site')
    .option('--device <id>', 'only this device')
    .option('--kind <kind...>', 'only these alert kinds (e.g. overload.warning, or a prefix like overload)')
    .option('--severity <level>', `only alerts at least this severe (${SEVERITIES.join(' < ')})`)
    .option('--count <n>', 'exit after n alerts')
    .option('--timeout <s>', 'exit after s seconds')
    .option('--connect-timeout <s>', 'seconds to wait for the broker', '5')
    .option('--username <name>', 'operator account on a secured broker (password from $DENDRA_MQTT_PASSWORD)')
    .option(...CA_OPTION)
    .option('--share <group>', 'share the alert stream with other operators in $share/<group>/ (mosquitto, EMQX, HiveMQ, VerneMQ)')
    .option('--client-id <id>', 'MQTT client id of the persistent session (default dendra-ops-<user>@<host>-<hash of the filters>: the broker queues QoS 1 alerts while this operator is away, also across a broker restart with persistence); run a second operator on the same host with its own id')
    .option('--clean', 'a clean session with a random client id: nothing is queued while away')
    .option('--json', 'NDJSON: one object per line with "type": alert | status | model | gap | dropped | summary')
    .action(action(async (opts: AlertsOpts) => {
      const minSeverity = severityOpt(opts.severity);
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
    }));
}

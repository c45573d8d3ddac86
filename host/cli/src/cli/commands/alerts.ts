/** `dendra alerts`: an operator's view of alerts (filtered, de-duplicated, gaps and offline devices reported). */
import type { Command } from 'commander';
import { action, intOpt } from '@dendra/core/run.ts';
import { startAlertsView } from '@dendra/ops/mqtt/view.ts';
import { SEVERITIES, type Severity } from '@dendra/ops/mqtt/schema.ts';
import { DendraError } from '@dendra/core/errors.ts';
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
  nats?: string;
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
    .option('--broker <url>', 'MQTT broker URL, or a comma-separated list of cluster nodes to fail over between (default $DENDRA_BROKER or mqtt://127.0.0.1:1883)', process.env.DENDRA_BROKER ?? 'mqtt://127.0.0.1:1883')
    .option('--site <id>', 'only this site')
    .option('--device <id>', 'only this device')
    .option('--kind <kind...>', 'only these alert kinds (e.g. overload.warning, or a prefix like overload)')
    .option('--severity <level>', `only alerts at least this severe (${SEVERITIES.join(' < ')})`)
    .option('--count <n>', 'exit after n alerts')
    .option('--timeout <s>', 'exit after s seconds')
    .option('--connect-timeout <s>', 'seconds to wait for the broker', '5')
    .option('--username <name>', 'operator account on a secured broker (password from $DENDRA_MQTT_PASSWORD)')
    .option(...CA_OPTION)
    .option('--share <group>', 'share the alert stream with other operators in $share/<group>/ (mosquitto, EMQX, HiveMQ, VerneMQ), or with --nats in the cluster\'s share group')
    .option('--nats <urls>', 'with --share on the NATS cluster (dendra broker --cluster): the nodes\' nats:// URLs, comma-separated (also $DENDRA_NATS); alerts come from the share group\'s JetStream consumer', process.env.DENDRA_NATS)
    .option('--json', 'NDJSON: one object per line with "type": alert | status | model | gap | dropped | summary')
    .action(action(async (opts: AlertsOpts) => {
      const minSeverity = severityOpt(opts.severity);
      if (opts.nats !== undefined && opts.share === undefined && process.env.DENDRA_NATS === undefined) throw new DendraError('E_USAGE', '--nats needs --share <group>', 2);
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
    }));
}

/** `dendra alerts`: an operator's view of alerts (de-duplicated, gaps reported, offline devices). */
import type { Command } from 'commander';
import { action, intOpt } from '../run.ts';
import { watchAlerts, formatAlert } from '../../mqtt/alerts.ts';

interface AlertsOpts {
  broker: string;
  site?: string;
  device?: string;
  kind?: string[];
  count?: string;
  timeout?: string;
  connectTimeout: string;
  json?: boolean;
}

/** Registers the command. */
export function registerAlerts(program: Command): void {
  program
    .command('alerts')
    .description('subscribe to device alerts and status as an operator (QoS 1, de-duplicated by device, boot and seq)')
    .option('--broker <url>', 'MQTT broker URL', 'mqtt://127.0.0.1:1883')
    .option('--site <id>', 'only this site')
    .option('--device <id>', 'only this device')
    .option('--kind <kind...>', 'only these alert kinds (e.g. overload.warning, or a prefix like overload)')
    .option('--count <n>', 'exit after n alerts')
    .option('--timeout <s>', 'exit after s seconds')
    .option('--connect-timeout <s>', 'seconds to wait for the broker', '5')
    .option('--json', 'one JSON object per line: {"type":"alert"|"status"|"gap"|"invalid", ...}')
    .action(action(async (opts: AlertsOpts) => {
      const limit = opts.count === undefined ? Infinity : intOpt('--count', opts.count, 0, 1);
      const line = (obj: object, text: string) => console.log(opts.json ? JSON.stringify(obj) : text);
      let seen = 0;
      let finish: () => void = () => {};
      const done = new Promise<void>((resolve) => (finish = resolve));
      const watcher = await watchAlerts({
        url: opts.broker,
        site: opts.site,
        device: opts.device,
        kinds: opts.kind,
        connectTimeoutMs: intOpt('--connect-timeout', opts.connectTimeout, 5, 1) * 1000,
        onAlert: (alert, info) => {
          line({ type: 'alert', site: info.site, device: info.device, alert }, formatAlert(alert, info));
          if (++seen >= limit) finish();
        },
        onStatus: (status, info) =>
          line({ type: 'status', site: info.site, device: info.device, status }, `${info.site}/${info.device} is ${status.state}${info.retained ? ' (retained)' : ''}`),
        onGap: (gap) => line({ type: 'gap', ...gap }, `${gap.site}/${gap.device}: missing alerts seq ${gap.from}..${gap.to} (boot ${gap.boot})`),
        onInvalid: (reason, topic) => process.stderr.write(`dropped invalid message on ${topic}: ${reason}\n`),
      });
      if (opts.timeout !== undefined) setTimeout(finish, intOpt('--timeout', opts.timeout, 0, 1) * 1000).unref();
      process.once('SIGINT', finish);
      process.once('SIGTERM', finish);
      await done;
      await watcher.close();
    }));
}

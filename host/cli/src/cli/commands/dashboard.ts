/** `dendra dashboard` (definition; the work is in ../actions/dashboard.ts): the live web page. */
import type { Command } from 'commander';
import { lazyAction } from '../lazy.ts';
import { brokerOption } from '../options.ts';

/** Registers the command. */
export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('serve a live web dashboard (devices, telemetry chart, alerts, risk heat map) on loopback until Ctrl-C')
    .addOption(brokerOption('MQTT broker to watch (mqtt:// or mqtts://)', null, 'start the embedded broker'))
    .option('--port <n>', 'HTTP port of the page (0 picks a free one)', '8080')
    .option('--host <addr>', 'interface to bind (default loopback only)', '127.0.0.1')
    .option('--broker-port <n>', 'port of the embedded broker when --broker is not given (0 picks a free one)', '1883')
    .option('--open', 'open the page in the default browser')
    .option('--json', 'print {"url","broker"} as one JSON line')
    .action(lazyAction(() => import('../actions/dashboard.ts'), (m) => m.dashboardAction));
}

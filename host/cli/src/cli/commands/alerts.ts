/** `dendra alerts` (definition; the work is in ../actions/alerts.ts): an operator's view of alerts. */
import { Option, type Command } from 'commander';
import { SEVERITIES } from '@dendra/ops/mqtt/vocab.ts';
import type { AlertsIo, AlertsOpts } from '../actions/alerts.ts';
import { CA_OPTION } from '../caopt.ts';
import { lazyAction } from '../lazy.ts';
import { brokerOption, profileOption } from '../options.ts';

export type { AlertsIo } from '../actions/alerts.ts';

/** Registers the command; `io` (for tests) defaults to stdout/stderr. */
export function registerAlerts(program: Command, io?: AlertsIo): void {
  program
    .command('alerts')
    .description('subscribe to device alerts, status (offline = last will) and model records as an operator (QoS 1, de-duplicated by device, boot and seq; gaps and duplicate device ids reported)')
    .addOption(brokerOption())
    .option('--site <id>', 'only this site')
    .option('--device <id>', 'only this device')
    .option('--kind <kind...>', 'only these alert kinds (e.g. overload.warning, or a prefix like overload)')
    .option('--severity <level>', `only alerts at least this severe (${SEVERITIES.join(' < ')})`)
    .option('--count <n>', 'exit after n alerts')
    .option('--timeout <s>', 'exit after s seconds')
    .option('--connect-timeout <s>', 'seconds to wait for the broker to connect, and again to accept the subscriptions', '5')
    .addOption(profileOption('--username <name>', 'operator account on a secured broker (password from $DENDRA_MQTT_PASSWORD)', 'username'))
    .addOption(profileOption(...CA_OPTION, 'ca'))
    .option('--share <group>', 'share the alert stream with other operators in $share/<group>/ (mosquitto, EMQX, HiveMQ, VerneMQ), or with --nats in the cluster\'s share group')
    .addOption(new Option('--nats <urls>', 'with --share on the NATS cluster (dendra broker --cluster): the nodes\' nats:// URLs, comma-separated; alerts come from the share group\'s JetStream consumer').env('DENDRA_NATS'))
    .option('--client-id <id>', 'MQTT client id of the persistent session (default dendra-ops-<user>@<host>-<hash of the filters>: the broker queues QoS 1 alerts while this operator is away, also across a broker restart with persistence); run a second operator on the same host with its own id')
    .option('--clean', 'a clean session with a random client id: nothing is queued while away')
    .option('--json', 'NDJSON: one object per line with "type": alert | status | model | gap | dropped | duplicate | summary')
    .action(lazyAction(() => import('../actions/alerts.ts'), (m) => (opts: AlertsOpts) => m.alertsAction(opts, io)));
}

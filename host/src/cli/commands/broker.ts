/** `dendra broker`: the embedded MQTT broker (aedes) on loopback, until Ctrl-C. */
import type { Command } from 'commander';
import { action, intOpt, printJson } from '../run.ts';
import { startBroker } from '../../mqtt/broker.ts';

/** Registers the command. */
export function registerBroker(program: Command): void {
  program
    .command('broker')
    .description('run the embedded MQTT 3.1.1 broker (aedes) until Ctrl-C')
    .option('--port <n>', 'TCP port (0 picks a free one)', '1883')
    .option('--host <addr>', 'interface to bind', '127.0.0.1')
    .option('--json', 'print the broker URL as JSON')
    .action(action(async (opts: { port: string; host: string; json?: boolean }) => {
      const b = await startBroker({ port: intOpt('--port', opts.port, 1883), host: opts.host });
      if (opts.json) printJson({ url: b.url, port: b.port });
      else console.log(`broker listening on ${b.url} (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => {
        const stop = () => void b.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    }));
}

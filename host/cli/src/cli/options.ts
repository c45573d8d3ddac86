/**
 * Options that can come from the environment or a configuration profile as well as the command
 * line (README "Profiles"): precedence flag > environment variable > profile > default. The
 * definitions are light (commander only); the profile is read by {@link applyProfile} in config.ts
 * just before a command runs.
 */
import { Option, type Command } from 'commander';

/** The profile fields an option can be filled from (config.schema.json). */
export const PROFILE_KEYS = ['broker', 'port', 'board', 'site', 'device', 'username', 'ca'] as const;
/** One of {@link PROFILE_KEYS}. */
export type ProfileKey = (typeof PROFILE_KEYS)[number];

const KEY = Symbol('dendra.profileKey');
const REQUIRED = Symbol('dendra.required');

type Tagged = Option & { [KEY]?: ProfileKey; [REQUIRED]?: boolean };

/**
 * An option whose value may come from the profile field `key` (and from the environment variable
 * `env` when given). `required`: the command refuses to run (exit 2) when no layer gives a value;
 * it is checked after the profile is applied, so a profile can satisfy it.
 */
export function profileOption(flags: string, description: string, key: ProfileKey, opts: { env?: string; def?: string; required?: boolean } = {}): Option {
  const o = new Option(flags, description) as Tagged;
  if (opts.env) o.env(opts.env);
  if (opts.def !== undefined) o.default(opts.def);
  o[KEY] = key;
  o[REQUIRED] = !!opts.required;
  return o;
}

/** The broker commands connect to when nothing names one. */
export const DEFAULT_BROKER = 'mqtt://127.0.0.1:1883';

/** What every `--broker` help says about lists of brokers (the nodes of a cluster, docs/mqtt.md). */
export const BROKER_LIST_HELP = 'or a comma-separated list of cluster nodes to fail over between';

/**
 * The `--broker <url>` option (env DENDRA_BROKER, profile "broker"): one broker URL or a
 * comma-separated failover list (the help says so after `description`). Its default is
 * {@link DEFAULT_BROKER} unless `def` is null (no default: the command runs without a broker;
 * `whenNone` then says what it does). Never throws; the URLs are checked when the command connects.
 */
export function brokerOption(description = 'MQTT broker URL', def: string | null = DEFAULT_BROKER, whenNone?: string): Option {
  const help = `${description}, ${BROKER_LIST_HELP}${whenNone ? `; none: ${whenNone}` : ''}`;
  return profileOption('--broker <url>', help, 'broker', { env: 'DENDRA_BROKER', def: def ?? undefined });
}

/** The serial `--port <tty>` option (env DENDRA_PORT, profile "port"), required. */
export function serialPortOption(): Option {
  return profileOption('--port <tty>', 'serial port, e.g. /dev/ttyUSB0 or the pty (or --link) of dendra sim', 'port', { env: 'DENDRA_PORT', required: true });
}

/** The `--profile <name>` option (also a program option; env DENDRA_PROFILE). */
export function profileSelectOption(): Option {
  return new Option('--profile <name>', 'configuration profile from $XDG_CONFIG_HOME/dendra/config.json').env('DENDRA_PROFILE');
}

/** The options of `cmd` that a profile can fill: `[option, profile key, required]`. */
export function profileOptions(cmd: Command): { option: Option; key: ProfileKey; required: boolean }[] {
  return (cmd.options as Tagged[]).filter((o) => o[KEY] !== undefined).map((o) => ({ option: o, key: o[KEY]!, required: !!o[REQUIRED] }));
}

/**
 * The CLI's configuration file and its profiles (README "Profiles"):
 * `$XDG_CONFIG_HOME/dendra/config.json` (default `~/.config/dendra/config.json`), validated with
 * ajv against config.schema.json. A profile fills options the command line and the environment
 * left at their defaults: flag > environment variable > profile > default.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { Ajv } from 'ajv';
import { UsageError } from '@dendra/core/errors.ts';
import { profileOptions, type ProfileKey } from './options.ts';

/** One profile: values for the options that name them. */
export type Profile = Partial<Record<ProfileKey, string>>;

/** The configuration file. */
export interface CliConfig {
  /** The profile used when neither --profile nor DENDRA_PROFILE names one. */
  profile?: string;
  profiles?: Record<string, Profile>;
}

const SCHEMA = JSON.parse(readFileSync(new URL('./config.schema.json', import.meta.url), 'utf8')) as object;

/**
 * The configuration file's path: `$XDG_CONFIG_HOME/dendra/config.json` when XDG_CONFIG_HOME is an
 * absolute path (the XDG rule: a relative one is ignored), else `~/.config/dendra/config.json`.
 */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || homedir(), '.config');
  return path.join(base, 'dendra', 'config.json');
}

/** `/profiles/lab/broker` -> `profiles.lab.broker` (`(top level)` for the root). */
function field(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return parts.length ? parts.join('.') : '(top level)';
}

/**
 * Reads and validates the configuration file; undefined when it does not exist.
 * @throws UsageError (exit 2) with one line naming the file and the field: unreadable, not JSON,
 *   or not valid against config.schema.json (unknown field, wrong type, bad broker URL, ...).
 */
export function readConfig(file: string): CliConfig | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`config ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config ${file}: not JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const validate = new Ajv({ allErrors: false }).compile<CliConfig>(SCHEMA);
  if (!validate(data)) {
    const err = validate.errors![0];
    if (err.keyword === 'additionalProperties') {
      throw new UsageError(`config ${file}: ${field(err.instancePath, String(err.params.additionalProperty))}: unknown field`);
    }
    const name = (err as { propertyName?: string }).propertyName ?? (err.keyword === 'propertyNames' ? String(err.params.propertyName) : undefined);
    if (name !== undefined) {
      throw new UsageError(`config ${file}: ${field(err.instancePath, name)}: profile names are 1-64 of A-Z a-z 0-9 _ . -`);
    }
    throw new UsageError(`config ${file}: ${field(err.instancePath)}: ${err.message ?? 'invalid'}`);
  }
  return data;
}

/**
 * The profile to use: `name` (from --profile or DENDRA_PROFILE) or else the file's `profile`.
 * Returns undefined when none is named.
 * @throws UsageError (exit 2) when a named profile is not in the file (or there is no file).
 */
export function selectProfile(cfg: CliConfig | undefined, file: string, name: string | undefined): { name: string; values: Profile } | undefined {
  const want = name ?? cfg?.profile;
  if (want === undefined) return undefined;
  if (!cfg) throw new UsageError(`profile '${want}': no config file ${file}`);
  const values = cfg.profiles?.[want];
  if (!values) {
    const known = Object.keys(cfg.profiles ?? {});
    throw new UsageError(`config ${file}: profile '${want}' is not defined (${known.length ? `profiles: ${known.join(', ')}` : 'no profiles'})`);
  }
  return { name: want, values };
}

/**
 * Fills `cmd`'s profile-backed options (options.ts) that neither the command line nor the
 * environment set from the selected profile, then checks the required ones. The profile is named
 * by `--profile` (on the command, else on the program), else DENDRA_PROFILE, else the file.
 * @throws UsageError (exit 2): invalid file or profile, or a required option that no layer gives.
 */
export function applyProfile(program: Command, cmd: Command, env: NodeJS.ProcessEnv = process.env): void {
  const backed = profileOptions(cmd);
  if (backed.length === 0) return;
  const name = (cmd.opts().profile as string | undefined) ?? (program.opts().profile as string | undefined);
  const file = configPath(env);
  const cfg = readConfig(file);
  const profile = selectProfile(cfg, file, name);
  for (const { option, key, required } of backed) {
    const attr = option.attributeName();
    const source = cmd.getOptionValueSource(attr);
    const fromProfile = profile?.values[key];
    if ((source === undefined || source === 'default') && fromProfile !== undefined) cmd.setOptionValueWithSource(attr, fromProfile, 'config');
    if (required && cmd.getOptionValue(attr) === undefined) {
      const env = option.envVar ? `${option.envVar}, or ` : '';
      throw new UsageError(`missing required option '${option.flags}' (or ${env}"${key}" in a profile of ${file})`);
    }
  }
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { applyProfile, configPath, readConfig, selectProfile } from './config.ts';
import { brokerOption, profileOption, profileSelectOption, serialPortOption } from './options.ts';

function xdg(config: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dendra-xdg-'));
  mkdirSync(path.join(dir, 'dendra'));
  writeFileSync(path.join(dir, 'dendra', 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

/** Parses `args` for a command with a broker, a required port and a board, applying the profile as the CLI does. */
function parse(args: string[], env: NodeJS.ProcessEnv): Record<string, unknown> {
  const saved = { ...process.env };
  // commander reads .env() options from process.env (an undefined value: the variable is unset)
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    const program = new Command().exitOverride().addOption(profileSelectOption());
    let got: Record<string, unknown> = {};
    program.command('x')
      .addOption(brokerOption())
      .addOption(serialPortOption())
      .addOption(profileOption('--board <name>', 'board', 'board', { def: 'sim' }))
      .addOption(profileSelectOption())
      .action((opts) => { got = opts; });
    program.hook('preAction', (_p, cmd) => applyProfile(program, cmd, process.env));
    program.parse(['node', 'dendra', ...args]);
    return got;
  } finally {
    for (const k of Object.keys(env)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

test('configPath: $XDG_CONFIG_HOME/dendra/config.json, else ~/.config (a relative XDG_CONFIG_HOME is ignored)', () => {
  assert.equal(configPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' }), '/x/dendra/config.json');
  assert.equal(configPath({ HOME: '/h' }), '/h/.config/dendra/config.json');
  assert.equal(configPath({ XDG_CONFIG_HOME: 'rel', HOME: '/h' }), '/h/.config/dendra/config.json');
});

test('precedence: flag > environment > profile > default', () => {
  const dir = xdg({ profile: 'lab', profiles: { lab: { broker: 'mqtt://lab:1883', port: '/dev/ttyLAB', board: 'teensy41' }, bench: { port: '/dev/ttyB' } } });
  const env = { XDG_CONFIG_HOME: dir, DENDRA_BROKER: undefined, DENDRA_PORT: undefined, DENDRA_PROFILE: undefined };
  // profile (the file's default profile) over the defaults
  assert.deepEqual(parse(['x'], env), { broker: 'mqtt://lab:1883', port: '/dev/ttyLAB', board: 'teensy41' });
  // environment over the profile
  assert.equal(parse(['x'], { ...env, DENDRA_BROKER: 'mqtt://env:1' }).broker, 'mqtt://env:1');
  assert.equal(parse(['x'], { ...env, DENDRA_PORT: '/dev/ttyENV' }).port, '/dev/ttyENV');
  // flag over the environment
  assert.equal(parse(['x', '--broker', 'mqtt://flag:2'], { ...env, DENDRA_BROKER: 'mqtt://env:1' }).broker, 'mqtt://flag:2');
  // --profile (program or command) and DENDRA_PROFILE select another profile; its missing fields keep the defaults
  assert.deepEqual(parse(['--profile', 'bench', 'x'], env), { broker: 'mqtt://127.0.0.1:1883', port: '/dev/ttyB', board: 'sim' });
  assert.equal(parse(['x', '--profile', 'bench'], env).port, '/dev/ttyB');
  assert.equal(parse(['x'], { ...env, DENDRA_PROFILE: 'bench' }).port, '/dev/ttyB');
});

test('a required option that no layer gives is a usage error naming the env variable and the profile key', () => {
  const dir = xdg({ profiles: {} });
  assert.throws(() => parse(['x'], { XDG_CONFIG_HOME: dir, DENDRA_PORT: undefined }),
    (e: Error & { exitCode?: number }) => e.exitCode === 2 && /missing required option '--port <tty>' \(or DENDRA_PORT, or "port" in a profile of .*config\.json\)/.test(e.message));
});

test('invalid files: one line naming the file and the field, exit 2', () => {
  const cases: [unknown, RegExp][] = [
    ['{ not json', /config .*config\.json: not JSON/],
    [{ profiles: { lab: { brokr: 'mqtt://x' } } }, /config .*config\.json: profiles\.lab\.brokr: unknown field/],
    [{ profiles: { lab: { broker: 'localhost:1883' } } }, /config .*config\.json: profiles\.lab\.broker: must match pattern/],
    [{ profiles: { lab: { port: 5 } } }, /profiles\.lab\.port: must be string/],
    [{ profiles: { 'a b': {} } }, /profiles\.a b: profile names are/],
    [[], /\(top level\): must be object/],
  ];
  for (const [content, re] of cases) {
    const dir = xdg(content);
    assert.throws(() => readConfig(configPath({ XDG_CONFIG_HOME: dir })), (e: Error & { exitCode?: number }) => {
      assert.match(e.message, re);
      assert.equal(e.message.includes('\n'), false);
      return e.exitCode === 2;
    });
  }
});

test('a profile that is not defined, or a profile with no file: usage error', () => {
  assert.throws(() => selectProfile({ profiles: { lab: {} } }, '/c.json', 'prod'), /config \/c\.json: profile 'prod' is not defined \(profiles: lab\)/);
  assert.throws(() => selectProfile(undefined, '/c.json', 'prod'), /profile 'prod': no config file \/c\.json/);
  assert.equal(selectProfile(undefined, '/c.json', undefined), undefined);
  assert.equal(readConfig('/nonexistent/dendra/config.json'), undefined);
});

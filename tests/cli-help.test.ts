// The compiled CLI (what `make build` ships in build/cli/): every command and subcommand answers
// --help (exit 0, usage on stdout), every option shows at most one default, and start-up loads no
// npm package but commander (the command actions load when a command runs). Built here into a
// fresh directory under build/, so the test checks the build of these sources whatever build/cli holds.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './proc.ts';

// Inside the repository (build/ is not committed), so the compiled modules find node_modules.
mkdirSync(path.join(ROOT, 'build'), { recursive: true });
const OUT = mkdtempSync(path.join(ROOT, 'build', 'cli-test-'));
after(() => rmSync(OUT, { recursive: true, force: true }));
const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs'), OUT], { cwd: ROOT, encoding: 'utf8' });
const MAIN = path.join(OUT, 'main.js');

function run(args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, XDG_CONFIG_HOME: OUT } });
}

/** The subcommand names in a help text's "Commands:" section (without `help`). */
function subcommands(help: string): string[] {
  const at = help.indexOf('\nCommands:\n');
  if (at < 0) return [];
  return help.slice(at + 11).split('\n').map((l) => /^ {2}([a-z][\w-]*)/.exec(l)?.[1]).filter((n): n is string => !!n && n !== 'help');
}

/** Each option's help entry (its flag line plus its wrapped description lines). */
function optionEntries(help: string): string[] {
  const at = help.indexOf('\nOptions:\n');
  if (at < 0) return [];
  const end = help.indexOf('\nCommands:\n', at);
  const entries: string[] = [];
  for (const line of help.slice(at + 10, end < 0 ? undefined : end).split('\n')) {
    if (/^ {2}-/.test(line)) entries.push(line);
    else if (entries.length && line.trim()) entries[entries.length - 1] += ' ' + line.trim();
  }
  return entries;
}

test('the CLI compiles with esbuild', () => {
  assert.equal(built.status, 0, built.stderr);
  assert.match(built.stdout, /cli: \d+ modules/);
});

test('--help of every command and subcommand: exit 0, usage on stdout, at most one default per option', { timeout: 600_000 }, () => {
  const seen: string[] = [];
  const visit = (cmdPath: string[]) => {
    const r = run([...cmdPath, '--help']);
    const name = ['dendra', ...cmdPath].join(' ');
    assert.equal(r.status, 0, `${name} --help: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: ${name.replace(/ /g, ' ')}`), `${name} --help prints its usage`);
    assert.equal(r.stderr, '', `${name} --help writes nothing on stderr`);
    for (const entry of optionEntries(r.stdout)) {
      assert.ok((entry.match(/default:/g) ?? []).length <= 1, `${name}: one default per option, got: ${entry}`);
    }
    seen.push(name);
    for (const sub of subcommands(r.stdout)) visit([...cmdPath, sub]);
  };
  visit([]);
  // The ones the issue names, and the lazily registered groups, were all reached.
  for (const c of ['dendra flash', 'dendra alerts', 'dendra sim', 'dendra ports', 'dendra keys new', 'dendra train pack', 'dendra materials eval', 'dendra pack simulate']) {
    assert.ok(seen.includes(c), `${c} was not reached from dendra --help (reached: ${seen.join(', ')})`);
  }
});

test('--version prints the version', () => {
  const r = run(['--version']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('start-up loads no npm package but commander: the actions are separate modules imported when a command runs', () => {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(path.join(OUT, file), 'utf8');
    // static imports only (esbuild writes `import ... from "x";` and `import "x";`); import() is lazy
    for (const m of text.matchAll(/^import\s+(?:[^'"]*?\s+from\s+)?["']([^"']+)["'];?$/gm)) {
      if (m[1].startsWith('./')) visit(m[1].slice(2));
      else if (!m[1].startsWith('node:')) packages.add(m[1].split('/').slice(0, m[1].startsWith('@') ? 2 : 1).join('/'));
    }
  };
  visit('main.js');
  assert.deepEqual([...packages].sort(), ['commander']);
  assert.match(readFileSync(MAIN, 'utf8'), /import\(["']\.\/flash-[A-Z0-9]+\.js["']\)/, 'flash action is a lazily imported module');
});

test('`dendra help flash` is help (exit 0); a group without its subcommand (`dendra keys`) is a usage error (exit 2, help on stderr)', () => {
  const h = run(['help', 'flash']);
  assert.equal(h.status, 0, h.stderr);
  assert.match(h.stdout, /^Usage: dendra flash /);
  const k = run(['keys']);
  assert.equal(k.status, 2);
  assert.match(k.stderr, /^Usage: dendra keys /);
  assert.equal(k.stdout, '');
});

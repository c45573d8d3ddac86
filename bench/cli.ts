/**
 * CLI start-up bench (`node --import tsx bench/cli.ts`; also run by bench/run.ts): the CPU time
 * (user + sys) of `dendra --help`, `--version`, `flash --help` and `alerts --help` through
 * bin/dendra.js on the compiled build (built first, as `make build` does), against the 0.3 s
 * limit of issue 17 and against `node -e 0` (Node's own start-up) measured in the same run. Each
 * child reports its own process.resourceUsage() at exit (bench/cpu-probe.mjs, preloaded with
 * --import into every runner, the peer too). Runners are interleaved round by round; the figure is
 * the median over the rounds. The same commands from the TypeScript sources through tsx
 * (DENDRA_CLI=source, the fallback of a stale build) are reported beside them.
 * Writes bench/results/cli.json and cli.md. Env: DENDRA_BENCH_CLI_ROUNDS (default 11).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'bench', 'results');
const PROBE = pathToFileURL(path.join(ROOT, 'bench', 'cpu-probe.mjs')).href;
const DENDRA = path.join(ROOT, 'bin', 'dendra.js');
const LIMIT_S = 0.3;
const ROUNDS = Number(process.env.DENDRA_BENCH_CLI_ROUNDS ?? 11);

interface Runner { name: string; args: string[]; env?: Record<string, string> }

const COMMANDS = [['--help'], ['--version'], ['flash', '--help'], ['alerts', '--help']];
const PEER: Runner = { name: 'node -e 0', args: ['-e', '0'] };
const BUILT: Runner[] = COMMANDS.map((c) => ({ name: `dendra ${c.join(' ')}`, args: [DENDRA, ...c], env: { DENDRA_CLI: 'build' } }));
const SOURCE: Runner[] = [['--help'], ['flash', '--help']].map((c) => ({ name: `dendra ${c.join(' ')} (sources via tsx)`, args: [DENDRA, ...c], env: { DENDRA_CLI: 'source' } }));

/** Runs one child with the probe; returns its user + sys CPU seconds. @throws when it fails. */
function cpuOf(r: Runner, dir: string): number {
  const file = path.join(dir, 'cpu.json');
  rmSync(file, { force: true });
  const res = spawnSync(process.execPath, ['--import', PROBE, ...r.args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...r.env, DENDRA_CPU_OUT: file }, timeout: 60_000,
  });
  if (res.status !== 0) throw new Error(`${r.name}: exit ${res.status}: ${res.stderr.slice(0, 500)}`);
  const u = JSON.parse(readFileSync(file, 'utf8')) as { userUs: number; systemUs: number };
  return (u.userUs + u.systemUs) / 1e6;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Builds the CLI, runs the rounds, writes cli.json and cli.md; returns the result. */
export async function runCliBench() {
  const b = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`CLI build failed: ${b.stderr}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'dendra-cli-bench-'));
  const runners = [PEER, ...BUILT, ...SOURCE];
  const samples = new Map<string, number[]>(runners.map((r) => [r.name, []]));
  try {
    for (const r of runners) cpuOf(r, dir); // warm the file cache
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of runners) samples.get(r.name)!.push(cpuOf(r, dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const peer = median(samples.get(PEER.name)!);
  const rows = runners.filter((r) => r !== PEER).map((r) => {
    const cpu = median(samples.get(r.name)!);
    return { command: r.name, cpuSeconds: cpu, ofLimit: cpu / LIMIT_S, vsNodeE0: cpu / peer, withinLimit: cpu < LIMIT_S };
  });
  const result = { date: new Date().toISOString(), rounds: ROUNDS, limitSeconds: LIMIT_S, nodeE0CpuSeconds: peer, rows };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, 'cli.json'), JSON.stringify(result, null, 2) + '\n');
  const md = [
    '# Dendra CLI start-up',
    '',
    `Run ${result.date}. CPU time (user + sys) of each child process, from its own process.resourceUsage() at exit, median of ${ROUNDS} interleaved rounds; bin/dendra.js on the compiled build (build/cli/), against the ${LIMIT_S} s limit and against \`node -e 0\` (${peer.toFixed(3)} s) in the same run.`,
    '',
    '| command | CPU s | / 0.3 s limit | / node -e 0 | within limit |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.command} | ${r.cpuSeconds.toFixed(3)} | ${r.ofLimit.toFixed(2)} | ${r.vsNodeE0.toFixed(2)}x | ${r.withinLimit ? 'yes' : 'NO'} |`),
    '',
    'The rows "(sources via tsx)" are the fallback bin/dendra.js takes when build/cli is missing or older than a source.',
    '',
  ].join('\n');
  writeFileSync(path.join(OUT, 'cli.md'), md);
  process.stdout.write(md);
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runCliBench();

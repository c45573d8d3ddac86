// Every pointer and length the firmware hands the native runtime is bounds-checked: a probe
// firmware (AssemblyScript, compiled here with asc against the real firmware/assembly/hal
// declarations) calls each HAL import that takes a pointer or a flash range with ranges outside
// linear memory or flash, and the real build/dendra-runtime answers each with a negative status,
// keeps running (no crash, no trap) and stops cleanly. Valid calls beside them return >= 0.
// Also the watchdog: a firmware that traps in every tick reboots, then halts after 3 in a row.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { startProcess, ROOT, type LiveCli } from './proc.ts';
import { waitFor } from './support/wait.ts';

/** The binary under test: build/dendra-runtime, or $DENDRA_RUNTIME (e.g. a sanitizer build). */
const BIN = process.env.DENDRA_RUNTIME ?? path.join(ROOT, 'build/dendra-runtime');
const hasCmake = spawnSync('cmake', ['--version']).status === 0;
const skip = !existsSync(BIN) && !hasCmake ? 'build/dendra-runtime is absent and cmake is missing (scripts/deps.sh installs it)' : false;
const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-rt-bounds-'));
// asc resolves the probe's relative imports from its own folder: it lives in build/ (not committed).
const PROBE_DIR = path.join(ROOT, 'build/runtime-probe');
const live: LiveCli[] = [];

const BAD = '<usize>0xFFFFFFF0';
/** [name, expression, expect] : expect 'neg' (< 0) or 'ok' (>= 0). */
const CALLS: [string, string, 'neg' | 'ok'][] = [
  ['uart_read', `uart_read(${BAD}, 64)`, 'neg'],
  ['uart_write', `uart_write(${BAD}, 64)`, 'neg'],
  ['uart_set_baud_too_fast', 'uart_set_baud(board_max_baud() + 1)', 'neg'],
  ['flash_read_dst', `flash_read(0, ${BAD}, 64)`, 'neg'],
  ['flash_read_addr', 'flash_read(0xFFFFFFF0, buf, 64)', 'neg'],
  ['flash_write_src', `flash_write(0, ${BAD}, 64)`, 'neg'],
  ['flash_write_addr', 'flash_write(0xFFFFFFF0, buf, 64)', 'neg'],
  ['flash_erase_misaligned', 'flash_erase(1, 4096)', 'neg'],
  ['flash_erase_past_end', 'flash_erase(0xFFFFF000, 8192)', 'neg'],
  ['flash_region_out', `flash_region(1, ${BAD})`, 'neg'],
  ['flash_region_id', 'flash_region(99, buf)', 'neg'],
  ['crypto_sha256_src', 'crypto_sha256(16, 0xFFFFFFFF, buf)', 'neg'],
  ['crypto_sha256_dst', `crypto_sha256(buf, 16, ${BAD})`, 'neg'],
  ['crypto_ed25519_sig', `crypto_ed25519_verify(buf, 16, ${BAD}, buf)`, 'neg'],
  ['boot_flash_sha256_range', 'boot_flash_sha256(0xFFFFFFF0, 64, buf)', 'neg'],
  ['boot_flash_sha256_dst', `boot_flash_sha256(0, 16, ${BAD})`, 'neg'],
  ['boot_flash_ed25519_pub', `boot_flash_ed25519_verify(0, 16, buf, ${BAD})`, 'neg'],
  ['board_family_dst', `board_family(${BAD}, 16)`, 'neg'],
  ['dma_start_dst', `dma_start(0, ${BAD}, 2688)`, 'neg'],
  ['net_publish_payload', `net_publish(buf, 5, ${BAD}, 64, 1, 0)`, 'neg'],
  ['net_cmd_poll_dst', `net_cmd_poll(${BAD}, 64)`, 'neg'],
  ['crypto_sha256_valid', 'crypto_sha256(buf, 16, buf + 64)', 'ok'],
  ['flash_read_valid', 'flash_read(0, buf, 64)', 'ok'],
  ['board_family_valid', 'board_family(buf, 16)', 'ok'],
];

const SAY = `const sayBuf: usize = memory.data(160);
function say(level: u32, msg: string, code: i32 = 0, withCode: bool = false): void {
  let n = min<i32>(msg.length, 100);
  for (let i = 0; i < n; i++) store<u8>(sayBuf + i, <u8>msg.charCodeAt(i));
  if (withCode) {
    const t = code.toString();
    store<u8>(sayBuf + n++, 0x20);
    for (let i = 0; i < t.length; i++) store<u8>(sayBuf + n++, <u8>t.charCodeAt(i));
  }
  logw(level, sayBuf, <u32>n);
}
`;
/** A factory image whose fw_tick always traps: the watchdog reboots it, then halts the board. */
const TRAP_SOURCE = `import { log_write as logw } from "../../firmware/assembly/hal/log";
${SAY}export function fw_init(): i32 { say(1, "trap probe booted"); return 0; }
export function fw_tick(): i32 { unreachable(); return 0; }
`;

function probeSource(): string {
  const hal = ['uart', 'flash', 'crypto', 'boot', 'board', 'dma', 'net', 'pmu', 'clock', 'log']
    .map((g) => `import * as ${g} from "../../firmware/assembly/hal/${g}";`).join('\n');
  const groupOf = (fn: string) => fn.split('_')[0];
  const body = CALLS.map(([name, expr]) => {
    const call = expr.replace(/\b([a-z0-9]+_[a-z0-9_]+)\(/g, (_m, fn: string) => `${groupOf(fn)}.${fn}(`);
    return `  say(1, "probe ${name}", <i32>${call}, true);`;
  }).join('\n');
  return `${hal}
import { log_write as logw } from "../../firmware/assembly/hal/log";
${SAY}
const buf: usize = memory.data(256);
export function fw_init(): i32 {
  log.log_write(1, <usize>0xFFFFFFF0, 64); // void: a bad range is dropped, never a crash
${body}
  say(1, "probe done");
  return 0;
}
export function fw_tick(): i32 {
  pmu.pmu_sleep_until(clock.clock_now_ms() + 60000.0);
  return 0;
}
`;
}

before(() => {
  if (skip) return void process.stderr.write(`runtime-bounds: skipped: ${skip}\n`);
  if (!existsSync(BIN)) execFileSync(path.join(ROOT, 'scripts/build-runtime.sh'), { cwd: ROOT, stdio: 'inherit' });
  mkdirSync(PROBE_DIR, { recursive: true });
  writeFileSync(path.join(PROBE_DIR, 'probe.ts'), probeSource());
  writeFileSync(path.join(PROBE_DIR, 'trap.ts'), TRAP_SOURCE);
  for (const name of ['probe', 'trap']) {
    execFileSync(path.join(ROOT, 'node_modules/.bin/asc'), [path.join(PROBE_DIR, `${name}.ts`), '--outFile', path.join(PROBE_DIR, `${name}.wasm`),
      '--runtime', 'stub', '--optimizeLevel', '1'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  }
});

after(async () => {
  for (const c of live) await c.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('dendra-runtime: out-of-range pointers and flash ranges get negative statuses, never a crash', { skip }, async () => {
  const rt = startProcess(BIN, ['--flash', path.join(tmp, 'b.flash'), '--firmware', path.join(PROBE_DIR, 'probe.wasm'), '--json']);
  live.push(rt);
  await rt.waitLine((l) => l.startsWith('{'), 30_000);
  // stderr is its own pipe: the probe's lines may come after the ready line on stdout.
  await waitFor(() => /board: probe done/.test(rt.stderr()), 'the probe to finish', 10_000, { intervalMs: 50, detail: () => rt.stderr().slice(-1500) });
  const got = new Map<string, number>();
  for (const m of rt.stderr().matchAll(/^board: probe (\w+) (-?\d+)$/gm)) got.set(m[1], Number(m[2]));
  for (const [name, , expect] of CALLS) {
    const v = got.get(name);
    assert.ok(v !== undefined, `${name} ran`);
    assert.ok(expect === 'neg' ? v < 0 : v >= 0, `${name} returned ${v}, expected ${expect}`);
  }
  assert.doesNotMatch(rt.stderr(), /trapped/);
  await rt.stop();
  assert.equal(rt.child.exitCode, 0, rt.stderr().slice(-500));
});

test('dendra-runtime: a firmware that traps in every tick is rebooted by the watchdog, then halted after 3 in a row; the process stays up', { skip }, async () => {
  const rt = startProcess(BIN, ['--flash', path.join(tmp, 't.flash'), '--firmware', path.join(PROBE_DIR, 'trap.wasm'), '--json']);
  live.push(rt);
  await rt.waitLine((l) => l.startsWith('{'), 30_000);
  await waitFor(() => /board halted/.test(rt.stderr()), 'the runtime to halt the board', 10_000, { intervalMs: 50, detail: () => rt.stderr().slice(-1500) });
  const err = rt.stderr();
  assert.match(err, /board: firmware trapped 3 times in a row: board halted/);
  assert.equal(err.match(/trapped in fw_tick/g)?.length, 3);
  assert.equal(err.match(/trap probe booted/g)?.length, 3, 'booted once, then rebooted twice by the watchdog');
  assert.equal(rt.child.exitCode, null, 'a halted board keeps the process (and its UART) up');
  await rt.stop();
  assert.equal(rt.child.exitCode, 0);
});

// The README's signing examples, run as written through the real CLI (issue 20): every
// `dendra sign ...` example must make an image the board it names accepts, i.e. one whose family
// is the sim board's family (boards/: `sim-soc`), checked with `dendra verify --family`. And
// `dendra sign --board NAME` checks --family against boards/ before anything is written.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, ROOT } from './proc.ts';
import { loadBoard } from '@dendra/device/boards/board.ts';
import { boardFamily } from '@dendra/device/sim/hal.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-sign-readme-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A minimal valid WebAssembly module (magic, version 1, no sections). */
const EMPTY_WASM = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/** The `dendra sign ...` command lines of the README (table cells and code blocks). */
function readmeSignExamples(): string[][] {
  const text = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return [...text.matchAll(/dendra sign [^`\n|]+/g)].map((m) => m[0].trim().split(/\s+/).slice(1));
}

async function newKey(): Promise<{ pub: string; key: string }> {
  const r = await runCli(['keys', 'new', '--out', path.join(tmp, 'keys'), '--name', 'ops', '--json'], 30_000);
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout) as { publicPath: string; privatePath: string };
  return { pub: o.publicPath, key: o.privatePath };
}

test('every README `dendra sign` example makes an image for the sim board family', { timeout: 120_000 }, async () => {
  const examples = readmeSignExamples();
  assert.ok(examples.length >= 2, `README has its signing examples (found ${examples.length})`);
  const { pub, key } = await newKey();
  const family = boardFamily(loadBoard('sim'));
  for (const [i, ex] of examples.entries()) {
    const args = [...ex];
    const at = (o: string) => args.indexOf(o) + 1;
    assert.ok(at('--family') > 0 || at('--board') > 0, `example ${i} names the family or the board: ${ex.join(' ')}`);
    args[at('--key')] = key;
    const out = path.join(tmp, `example-${i}.dimg`);
    if (at('--out') > 0) args[at('--out')] = out;
    else args.push('--out', out);
    const payload = path.join(ROOT, args[1]);
    if (!existsSync(payload)) { // build/firmware.wasm before `make build`: any module signs the same way
      args[1] = path.join(tmp, `payload-${i}.wasm`);
      writeFileSync(args[1], EMPTY_WASM);
    }
    const r = await runCli(args, 30_000);
    assert.equal(r.code, 0, `README example failed: dendra ${ex.join(' ')}\n${r.stderr}`);
    const v = await runCli(['verify', out, '--pubkey', pub, '--family', family], 30_000);
    assert.equal(v.code, 0, `the sim board (family ${family}) would refuse the image of: dendra ${ex.join(' ')}\n${v.stderr}`);
  }
});

test('dendra sign --board checks --family against boards/ (one line, exit 2) and fills it in', { timeout: 60_000 }, async () => {
  const { key } = await newKey().catch(() => ({ key: path.join(tmp, 'keys', 'ops.key.json') }));
  const model = path.join(ROOT, 'models', 'grid', 'grid.tflite');
  const bad = await runCli(['sign', model, '--key', key, '--type', 'model', '--board', 'sim', '--family', 'sim', '--version', '1.0.0', '--out', path.join(tmp, 'bad.dimg')], 30_000);
  assert.equal(bad.code, 2, bad.stderr);
  const lines = bad.stderr.trim().split('\n');
  assert.equal(lines.length, 1, bad.stderr);
  assert.match(lines[0], /^dendra: --family sim does not match board sim, whose family is sim-soc/);
  assert.ok(!existsSync(path.join(tmp, 'bad.dimg')), 'nothing written');
  const good = await runCli(['sign', model, '--key', key, '--type', 'model', '--board', 'sim', '--version', '1.0.0', '--out', path.join(tmp, 'good.dimg'), '--json'], 30_000);
  assert.equal(good.code, 0, good.stderr);
  assert.equal(JSON.parse(good.stdout).family, 'sim-soc');
  const none = await runCli(['sign', model, '--key', key, '--type', 'model', '--version', '1.0.0', '--out', path.join(tmp, 'none.dimg')], 30_000);
  assert.equal(none.code, 2);
  assert.match(none.stderr.trim(), /^dendra: sign needs --family <family> or --board <name>/);
});

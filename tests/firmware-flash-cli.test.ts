// Firmware A/B flashing through the real CLI: `dendra sign --type firmware` of the real firmware
// build -> `dendra sim --trust` (real firmware .wasm, UART on a paced pty, the simulator's boot ROM)
// -> `dendra flash` with serialport: the image goes to the inactive slot, the board boots it on a
// test boot, its self-test reproduces an inference on the real grid model (also after a pack model
// flash), it confirms itself.
// `dendra info --port` reads the slot table, refusals are one line with exit 1, `dendra rollback`
// returns to the factory image, `dendra boards` lists the slots.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, startCli, ROOT, type LiveCli, type RunResult } from './proc.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-fw-cli-'));
const FIRMWARE = path.join(ROOT, 'build/firmware.wasm');
const MODEL = path.join(ROOT, 'models/grid/grid.tflite');
const live: LiveCli[] = [];

after(async () => {
  for (const c of live) await c.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function oneLineError(r: RunResult, re: RegExp): void {
  assert.notEqual(r.code, 0, r.stdout);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('dendra: '));
  assert.equal(errors.length, 1, `one error line, got: ${r.stderr}`);
  assert.match(errors[0]!, re);
}

async function ok(args: string[]): Promise<RunResult> {
  const r = await runCli(args, 120_000);
  assert.equal(r.code, 0, `dendra ${args.join(' ')}: ${r.stderr}`);
  return r;
}

async function sign(key: string, file: string, type: 'model' | 'firmware', version: string, out: string): Promise<string> {
  const o = path.join(tmp, out);
  await ok(['sign', file, '--key', key, '--type', type, '--family', 'sim-soc', '--version', version, '--out', o]);
  return o;
}

interface InfoJson {
  firmware: { running: number; test: boolean; slots: { name: string; version: string | null; state: Record<string, boolean> }[] };
}

test('dendra flash <signed firmware>: inactive slot, test boot, self-test on the real model, confirmed; info, refusals, rollback, boards', async () => {
  const keys = JSON.parse((await ok(['keys', 'new', '--out', path.join(tmp, 'keys'), '--name', 'ops', '--json'])).stdout) as { publicPath: string; privatePath: string };
  const fw = await sign(keys.privatePath, FIRMWARE, 'firmware', '1.0.0', 'fw-1.0.0.dimg'); // the sim's factory build, signed
  // Another build of it (a custom section "dendra.build" appended: new bytes, same code) for the refusals.
  const tag = new TextEncoder().encode('\x0cdendra.buildrefused');
  const wasm = path.join(tmp, 'firmware-b.wasm');
  writeFileSync(wasm, Buffer.concat([readFileSync(FIRMWARE), Buffer.from([0, tag.length]), tag]));
  const old = await sign(keys.privatePath, wasm, 'firmware', '0.9.0', 'fw-0.9.0.dimg');
  const model = await sign(keys.privatePath, MODEL, 'model', '1.0.0', 'grid.dimg');
  const pack = await sign(keys.privatePath, path.join(ROOT, 'models/pack/pack.tflite'), 'model', '1.0.0', 'pack.dimg');
  const tampered = new Uint8Array(readFileSync(await sign(keys.privatePath, wasm, 'firmware', '1.1.0', 'fw-1.1.0.dimg')));
  tampered[tampered.length - 5] ^= 0x10;
  writeFileSync(path.join(tmp, 'tampered.dimg'), tampered);

  const sim = startCli(['sim', '--board', 'sim', '--flash', path.join(tmp, 'board.flash'), '--trust', keys.publicPath, '--json']);
  live.push(sim);
  const pty = JSON.parse(await sim.waitLine((l) => l.includes('"pty"'), 30_000)).pty as string;

  await ok(['flash', '--port', pty, model]);
  // The pack model last: the bootloader's last transfer is slot 2, and the self-test must still
  // take the grid model (slot 0), the one resident in the interpreter.
  await ok(['flash', '--port', pty, pack]);
  const r = await ok(['flash', '--port', pty, fw, '--pubkey', keys.publicPath]);
  assert.match(r.stdout, /flashed signed firmware, \d+ bytes, to slot A of .*booted and confirmed/);
  assert.match(r.stderr, /activate: .*\n.*reset: .*\n.*confirm: /);

  const info = JSON.parse((await ok(['info', '--port', pty, '--json'])).stdout) as InfoJson;
  assert.equal(info.firmware.running, 0);
  assert.equal(info.firmware.test, false);
  assert.equal(info.firmware.slots[0].version, '1.0.0');
  assert.equal(info.firmware.slots[0].state.confirmed, true);
  assert.match((await ok(['info', '--port', pty])).stdout, /firmware {2}runs slot A\n {2}slot A {2}committed\+pending\+tried\+confirmed, v1\.0\.0/);
  assert.match(sim.stderr(), /self-test passed: confirmed/, 'the new firmware ran the self-test inference');

  oneLineError(await runCli(['flash', '--port', pty, path.join(tmp, 'tampered.dimg')], 120_000), /board refused FINISH: .*status -20/);
  // A downgrade is refused by the host after INFO, before anything is sent (the board would refuse it at FINISH, -23).
  oneLineError(await runCli(['flash', '--port', pty, old], 120_000), /firmware 0\.9\.0 is older than the board's confirmed 1\.0\.0: the board refuses a downgrade \(nothing sent\)/);
  oneLineError(await runCli(['flash', '--port', pty, wasm], 120_000), /board refused BEGIN: .*status -20/);

  assert.match((await ok(['rollback', '--port', pty])).stdout, /rolled back: the board leaves slot A/);
  let after: InfoJson | null = null;
  for (let i = 0; i < 20; i++) {
    after = JSON.parse((await ok(['info', '--port', pty, '--json'])).stdout) as InfoJson;
    if (after.firmware.running === -1) break;
  }
  assert.equal(after!.firmware.running, -1, 'back on the factory image');
  assert.equal(after!.firmware.slots[0].state.revoked, true);

  const boards = JSON.parse((await ok(['boards', '--json'])).stdout) as { name: string; slots: { slot: string; imageBytes: number }[] }[];
  const simBoard = boards.find((b) => b.name === 'sim')!;
  assert.deepEqual(simBoard.slots.map((s) => s.slot).slice(0, 2), ['firmware A', 'firmware B']);
  assert.ok(simBoard.slots.every((s) => s.imageBytes > 0));
});

test('dendra flash <firmware>: bad input is one line and exit 1, before any port is opened', async () => {
  const keys = JSON.parse((await ok(['keys', 'new', '--out', path.join(tmp, 'keys2'), '--name', 'k', '--json'])).stdout) as { publicPath: string; privatePath: string };
  const other = JSON.parse((await ok(['keys', 'new', '--out', path.join(tmp, 'keys2'), '--name', 'other', '--json'])).stdout) as { publicPath: string };
  const fw = await sign(keys.privatePath, FIRMWARE, 'firmware', '1.0.0', 'fw-k.dimg');
  const nowhere = path.join(tmp, 'no-such-tty');
  oneLineError(await runCli(['flash', '--port', nowhere, FIRMWARE]), /port .*no-such-tty does not exist/);
  oneLineError(await runCli(['flash', '--port', nowhere, FIRMWARE, '--pubkey', keys.publicPath]), /unsigned firmware/);
  oneLineError(await runCli(['flash', '--port', nowhere, fw, '--pubkey', other.publicPath]), /not trusted|trusted key/);
  const notWasm = path.join(tmp, 'not-a-firmware.dimg');
  writeFileSync(notWasm, Buffer.concat([readFileSync(fw).subarray(0, 6), Buffer.from([2]), readFileSync(fw).subarray(7)]));
  oneLineError(await runCli(['flash', '--port', nowhere, notWasm]), /payload is not a TFLite model/); // type byte says model
  oneLineError(await runCli(['sign', MODEL, '--key', keys.privatePath, '--type', 'firmware', '--family', 'sim-soc', '--version', '1.0.0', '--out', path.join(tmp, 'x.dimg')]),
    /not a WebAssembly module/);
});

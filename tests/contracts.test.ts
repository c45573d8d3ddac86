/**
 * One source for what the firmware, the Node simulator and the native runtime must agree on
 * (issue 15 item 2): the generated C headers are up to date, and the host's hand-kept mirrors
 * (status codes, slot header words, key table) and both HAL implementations (the simulator's
 * import object, the runtime's NativeSymbol tables) match the firmware's declarations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ROOT } from './proc.ts';
// @ts-expect-error plain ESM script without types
import { halImports, constants } from '../scripts/gen-contracts.mjs';
import { FW_STATUS } from '@dendra/core/status.ts';
import { FW, FwState } from '@dendra/device/sim/bootrom.ts';
import { KEYS_MAGIC, KEYS_OFFSET, MAX_TRUSTED_KEYS } from '@dendra/device/sim/trust.ts';
import { SLOT_MAGIC, SLOT_VALID, SLOT_HEADER_BYTES, HDR_DATA_OFF } from '@dendra/device/image/slotimage.ts';
import { SimHal } from '@dendra/device/sim/hal.ts';
import { loadBoard } from '@dendra/device/boards/board.ts';
import { FlashFile } from '@dendra/device/sim/flashfile.ts';
import { WindowDma, MAX_WINDOW_HOURS } from '@dendra/device/sim/sensors.ts';
import { NET_CMD_EMPTY } from '@dendra/device/sim/net.ts';

type Hal = { name: string; sig: string };
type Const = { name: string; value: number };
const GEN = join(ROOT, 'runtime/src/gen');
const fwConst = (rel: string, prefix: string): Map<string, number> =>
  new Map((constants(rel, (n: string) => n.startsWith(prefix)) as Const[]).map((c) => [c.name, c.value]));

test('runtime/src/gen is what scripts/gen-contracts.mjs makes from the firmware sources now', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dendra-contracts-'));
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts/gen-contracts.mjs'), dir]);
    const made = readdirSync(dir).sort();
    assert.deepEqual(made, ['fwslot.h', 'hal_contract.h', 'status.h']);
    for (const f of made) {
      assert.equal(readFileSync(join(GEN, f), 'utf8'), readFileSync(join(dir, f), 'utf8'),
        `runtime/src/gen/${f} is stale: run node scripts/gen-contracts.mjs and commit it`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('host/core/src/status.ts FW_STATUS has exactly the firmware status codes', () => {
  const fw = [...fwConst('status.ts', '').values()].sort((a, b) => a - b);
  const host = Object.keys(FW_STATUS).map(Number).sort((a, b) => a - b);
  assert.deepEqual(host, fw);
  assert.ok(fw.length > 20 && fw.includes(0) && fw.includes(-1), 'the parser read the status file');
});

test('the sim stack reports an empty command as the firmware\'s E_COMMAND (the runtime uses the generated FW_E_COMMAND)', () => {
  assert.equal(NET_CMD_EMPTY, fwConst('status.ts', 'E_COMMAND').get('E_COMMAND'));
  assert.match(readFileSync(join(ROOT, 'runtime/src/net_state.c'), 'utf8'), /c->length == 0\) return FW_E_COMMAND;/);
});

test('host/device/src/sim/bootrom.ts slot words and state bits equal firmware/assembly/boot/fwslot.ts', () => {
  const fw = fwConst('boot/fwslot.ts', 'FW_');
  const pairs: [keyof typeof FW, string][] = [['MAGIC', 'FW_MAGIC'], ['MARK', 'FW_MARK'], ['HEADER', 'FW_HEADER_BYTES'],
    ['DATA_OFF', 'FW_DATA_OFF'], ['VERSION', 'FW_VERSION'], ['GEN', 'FW_GEN'], ['COMMITTED', 'FW_COMMITTED'],
    ['PENDING', 'FW_PENDING'], ['TRIED', 'FW_TRIED'], ['CONFIRMED', 'FW_CONFIRMED'], ['REVOKED', 'FW_REVOKED']];
  for (const [host, name] of pairs) assert.equal(FW[host], fw.get(name), `FW.${host} vs ${name}`);
  const st = fwConst('boot/fwslot.ts', 'ST_');
  for (const [k, v] of Object.entries(FwState)) assert.equal(v, st.get(`ST_${k.toUpperCase()}`), `FwState.${k}`);
  assert.equal(Object.keys(FwState).length, st.size, 'every ST_ bit has a host name');
});

test('host key table and model slot constants equal the firmware (keys.ts, banks.ts)', () => {
  const keys = fwConst('boot/keys.ts', 'KEYS_');
  assert.deepEqual([KEYS_MAGIC, KEYS_OFFSET, MAX_TRUSTED_KEYS], [keys.get('KEYS_MAGIC'), keys.get('KEYS_OFFSET'), keys.get('KEYS_MAX')]);
  const slot = fwConst('boot/banks.ts', 'SLOT_');
  assert.deepEqual([SLOT_MAGIC, SLOT_VALID, SLOT_HEADER_BYTES], [slot.get('SLOT_MAGIC'), slot.get('SLOT_VALID'), slot.get('SLOT_HEADER_BYTES')]);
  assert.equal(HDR_DATA_OFF, fwConst('boot/banks.ts', 'HDR_').get('HDR_DATA_OFF'), 'the header word holding a signed image\'s model offset');
});

test('the longest DMA channel 0 window equals the firmware\'s MAX_WINDOW (sim MAX_WINDOW_HOURS, runtime GEN_MAX_WINDOW)', () => {
  const fw = fwConst('app/meta.ts', 'MAX_WINDOW').get('MAX_WINDOW');
  assert.equal(MAX_WINDOW_HOURS, fw);
  assert.match(readFileSync(join(GEN, 'fwslot.h'), 'utf8'), new RegExp(`^#define GEN_MAX_WINDOW ${fw}u$`, 'm'));
  assert.match(readFileSync(join(ROOT, 'runtime/src/hal_dma.c'), 'utf8'), /<= GEN_MAX_WINDOW;/, 'the runtime bounds channel 0 by the generated constant');
});

test("the simulator's HAL imports are exactly the firmware's @external declarations", () => {
  const dir = mkdtempSync(join(tmpdir(), 'dendra-contracts-'));
  try {
    const board = loadBoard('sim');
    const flash = new FlashFile(join(dir, 'f.bin'), board.flash.sizeBytes, board.flash.sectorBytes);
    const dma = new WindowDma({ rows: 200, channels: 7, values: new Float32Array(1400) }, 0);
    const hal = new SimHal({ board, flash, dma, uartTx: () => {} }).imports().hal as Record<string, unknown>;
    const declared = (halImports() as Hal[]).map((h) => h.name).sort();
    assert.deepEqual(Object.keys(hal).sort(), declared);
    for (const name of declared) assert.equal(typeof hal[name], 'function', name);
    flash.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The NativeSymbol rows { "name", (void *)fn, "sig", NULL } of the runtime's C sources that CMake builds. */
function runtimeNatives(): Map<string, string[]> {
  const src = join(ROOT, 'runtime/src');
  const files = readdirSync(src).filter((f) => f.endsWith('.c')).map((f) => join(src, f));
  for (const [own, group] of [['hal_net.c', 'NET'], ['hal_dma.c', 'DMA']]) {
    if (!existsSync(join(src, own))) files.push(`${join(src, 'placeholder/net_dma_placeholder.c')}#${group}`);
  }
  const out = new Map<string, string[]>();
  for (const f of new Set(files)) {
    let text = readFileSync(f.split('#')[0], 'utf8');
    const part = f.split('#')[1];
    if (part) text = text.split(`#if defined(RT_PLACEHOLDER_${part})`)[1].split('#endif')[0];
    for (const m of text.matchAll(/\{\s*"(\w+)"\s*,\s*\(void \*\)\s*\w+\s*,\s*"([^"]*)"\s*,\s*NULL\s*\}/g)) {
      out.set(m[1], [...(out.get(m[1]) ?? []), m[2]]);
    }
  }
  return out;
}

test("the native runtime registers every declared import once with the firmware's WAMR signature", (t) => {
  const natives = runtimeNatives();
  natives.delete('abort'); // env.abort (AssemblyScript), not a HAL import
  for (const h of halImports() as Hal[]) {
    assert.deepEqual(natives.get(h.name), [h.sig], `hal.${h.name}: runtime ${JSON.stringify(natives.get(h.name))}, firmware ${h.sig}`);
  }
  const extra = [...natives.keys()].filter((n) => !(halImports() as Hal[]).some((h) => h.name === n));
  if (extra.length > 0) t.diagnostic(`runtime natives the firmware does not declare (yet): ${extra.join(', ')}`);
});

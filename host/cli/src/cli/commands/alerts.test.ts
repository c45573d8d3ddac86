// `dendra alerts` as a command (registerAlerts on a fresh commander program) against a real broker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { startBroker } from '@dendra/ops/mqtt/broker.ts';
import { connectDevice } from '@dendra/ops/mqtt/device.ts';
import { alertBytes } from '@dendra/ops/test/testutil.ts';
import { registerAlerts } from './alerts.ts';

const T = { timeout: 20000 };
type Rec = { type: string; [k: string]: unknown };

/** Runs `dendra alerts ...` in-process (the real commander wiring) with captured output. */
async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command().exitOverride();
  registerAlerts(program, { out: (l) => out.push(l), err: (l) => err.push(l) });
  const saved = process.exitCode;
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => { err.push(String(s)); return true; }) as typeof process.stderr.write;
  try {
    await program.parseAsync(['alerts', ...args], { from: 'user' });
    return { code: Number(process.exitCode ?? 0), out, err };
  } finally {
    process.stderr.write = write;
    process.exitCode = saved;
  }
}

test('dendra alerts CLI: --device --kind --severity --json --count print NDJSON and exit; a bad --severity is a usage error', T, async () => {
  const broker = await startBroker({ port: 0 });
  const dev = await connectDevice({ url: broker.url, site: 'north', device: 'tx9' });
  let seq = 0;
  const pump = setInterval(() => {
    dev.publish('alert', alertBytes(seq++, { severity: 'warning' }), 1, false);
    dev.publish('alert', alertBytes(seq++, { severity: 'critical' }), 1, false);
    dev.publish('alert', alertBytes(seq++, { severity: 'critical', kind: 'dendrite.risk', value: 0.9, threshold: 0.5 }), 1, false);
  }, 50);
  try {
    const b = await cli(['--broker', broker.url, '--severity', 'loud']);
    assert.equal(b.code, 2);
    assert.match(b.err.join(''), /^dendra: --severity must be one of info, warning, critical/);
    const r = await cli(['--broker', broker.url, '--device', 'tx9', '--kind', 'overload', '--severity', 'critical', '--json', '--count', '2', '--timeout', '10']);
    assert.equal(r.code, 0, r.err.join(''));
    const recs = r.out.map((l) => JSON.parse(l) as Rec);
    const alerts = recs.filter((x) => x.type === 'alert').map((x) => x.alert as { severity: string; kind: string });
    assert.deepEqual(alerts.map((a) => [a.kind, a.severity]), [['overload.warning', 'critical'], ['overload.warning', 'critical']]);
    assert.ok(recs.some((x) => x.type === 'status' && x.device === 'tx9' && x.state === 'online'));
    assert.equal(recs.at(-1)!.type, 'summary');
    const human = await cli(['--broker', broker.url, '--device', 'tx9', '--severity', 'critical', '--count', '1', '--timeout', '10']);
    assert.equal(human.out.filter((l) => l.includes('RAISED')).length, 1);
    assert.match(human.out.find((l) => l.includes('RAISED'))!, /north\/tx9  (overload\.warning|dendrite\.risk) RAISED \(critical\)/);
    assert.match(human.err.at(-1)!, /^alerts \d+, duplicates 0, gaps 0, filtered \d+, dropped 0 \(oversized 0, malformed 0, schema 0, topic 0\); offline: none/);
  } finally {
    clearInterval(pump);
    await dev.close();
    await broker.close();
  }
});

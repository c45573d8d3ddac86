import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startSecureMosquitto, aclText, type SecureBrokerHandle } from './secure.ts';
import { findMosquitto } from './broker.ts';
import { connectDevice, publishModelInfo } from './device.ts';
import { watchAlerts } from './alerts.ts';
import { BrokerError } from './errors.ts';
import type { AlertPayload } from './schema.ts';
import { waitFor, sleep, alertBytes } from '../../test/testutil.ts';
import { sendCommand } from './command.ts';
import { encodePayload } from './schema.ts';
import { DendraError } from '@dendra/core/errors.ts';

const T = { timeout: 60_000 };
const skip = findMosquitto() ? false : 'mosquitto not installed (apt-get install mosquitto)';

test('aclText confines devices to their own kinds and cmd; operators read all and write cmd and acks only', () => {
  const acl = aclText({ devices: [{ site: 'n', device: 'd1', username: 'n/d1', password: 'x' }], operators: [{ username: 'ops', password: 'y' }] });
  assert.match(acl, /user ops\ntopic read dendra\/v1\/#\ntopic write dendra\/v1\/\+\/\+\/cmd\ntopic write dendra\/v1\/\+\/\+\/ack\/\+\n\n/);
  assert.match(acl, /topic write dendra\/v1\/n\/d1\/alarm\n/, 'the board may publish its own alarm table');
  assert.match(acl, /user n\/d1\ntopic write dendra\/v1\/n\/d1\/telemetry\n(topic write dendra\/v1\/n\/d1\/\w+\n)+topic read dendra\/v1\/n\/d1\/cmd\n/);
  assert.match(acl, /topic write dendra\/v1\/n\/d1\/reply\n/, 'the device answers commands on its own reply topic');
  assert.ok(!/topic (read|readwrite) dendra\/v1\/n\/d1\/reply/.test(acl) && !/write dendra\/v1\/\+\/\+\/reply/.test(acl));
  assert.ok(!/password|x\b/.test(acl.replace(/^#.*$/m, '')));
});

describe('secured mosquitto (passwords + ACL)', { skip }, () => {
  let dir: string;
  let b: SecureBrokerHandle;
  const pw = (u: string) => [...b.credentials.devices, ...b.credentials.operators].find((a) => a.username === u)!.password;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dendra-secure-'));
    b = await startSecureMosquitto({
      dir,
      devices: [{ site: 'north', device: 'tx1' }, { site: 'north', device: 'tx2' }],
      operators: [{ name: 'ops' }, { name: 'ops2', password: 'fixed-pass' }],
    });
  });
  after(async () => {
    await b?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('credentials.json is private and passwords are stored hashed', async () => {
    assert.equal((await stat(b.credentialsFile)).mode & 0o077, 0);
    const passwd = await readFile(join(dir, 'passwd'), 'utf8');
    assert.match(passwd, /^north\/tx1:\$7\$/m);
    assert.ok(!passwd.includes('fixed-pass'));
  });

  test('anonymous and wrong-password clients are refused', T, async () => {
    const refused = (e: unknown) => e instanceof BrokerError && e.code === 'E_BROKER_REFUSED' && !e.message.includes('\n');
    await assert.rejects(watchAlerts({ url: b.url, onAlert: () => {}, connectTimeoutMs: 3000 }), refused);
    await assert.rejects(watchAlerts({ url: b.url, username: 'ops', password: 'wrong', onAlert: () => {}, connectTimeoutMs: 3000 }), refused);
    await assert.rejects(connectDevice({ url: b.url, site: 'north', device: 'tx1', connectTimeoutMs: 3000 }), refused);
  });

  test('a device cannot publish as another device; an operator cannot publish alerts; both reach only what the ACL allows', T, async () => {
    const got: { site: string; device: string; a: AlertPayload }[] = [];
    const w = await watchAlerts({ url: b.url, username: 'ops', password: pw('ops'), onAlert: (a, i) => got.push({ site: i.site, device: i.device, a }) });
    const tx1 = await connectDevice({ url: b.url, site: 'north', device: 'tx1', username: 'north/tx1', password: pw('north/tx1') });
    const ops2 = await mqtt.connectAsync(b.url, { username: 'ops2', password: 'fixed-pass' });
    try {
      // tx1 forges an alert as tx2 (QoS 1: the broker acks it but must not forward it), then
      // ops2 forges one; then tx1 sends a real one. Per-client ordering means the real one
      // arrives after anything forged would have.
      await tx1.client.publishAsync('dendra/v1/north/tx2/alert', Buffer.from(alertBytes(100)), { qos: 1 });
      await ops2.publishAsync('dendra/v1/north/tx1/alert', Buffer.from(alertBytes(200)), { qos: 1 });
      await tx1.client.publishAsync('dendra/v1/north/tx1/alert', Buffer.from(alertBytes(1)), { qos: 1 });
      await waitFor(() => got.length >= 1, 'the legitimate alert');
      await sleep(300);
      assert.deepEqual(got.map((g) => [g.site, g.device, g.a.seq]), [['north', 'tx1', 1]]);
      // The model record is allowed for the device and seen by the operator.
      publishModelInfo(tx1, { model: 'grid@1', model_sha256: 'ab'.repeat(32) });
      await waitFor(() => w.devices.get('north/tx1')?.model?.model === 'grid@1', 'model record');
    } finally {
      await ops2.endAsync();
      await tx1.close();
      await w.close();
    }
  });

  test('acknowledgements: an operator publishes a retained ack every operator sees; it cannot publish an alarm table, a device cannot ack', T, async () => {
    const ops = await mqtt.connectAsync(b.url, { username: 'ops', password: pw('ops') });
    const ops2 = await mqtt.connectAsync(b.url, { username: 'ops2', password: 'fixed-pass' });
    const tx1 = await mqtt.connectAsync(b.url, { username: 'north/tx1', password: pw('north/tx1') });
    const seen: string[] = [];
    try {
      const ack = (by: string) => JSON.stringify({ v: 1, kind: 'dendrite.risk', raised_at: 1, by, at: 2 });
      await tx1.publishAsync('dendra/v1/north/tx1/ack/overload.warning', ack('device'), { qos: 1, retain: true });
      await ops.publishAsync('dendra/v1/north/tx1/alarm', '{"v":1,"ts":1,"source":"bridge","alarms":[]}', { qos: 1, retain: true });
      await ops.publishAsync('dendra/v1/north/tx1/ack/dendrite.risk', ack('ops'), { qos: 1, retain: true });
      // A late operator gets the retained ack (and nothing the ACL refused).
      ops2.on('message', (t, p) => seen.push(`${t} ${p.toString()}`));
      await ops2.subscribeAsync(['dendra/v1/north/tx1/ack/+', 'dendra/v1/north/tx1/alarm'], { qos: 1 });
      await waitFor(() => seen.some((s) => s.includes('"by":"ops"')), 'the retained ack');
      await sleep(300);
      assert.deepEqual(seen.map((s) => s.split(' ')[0]), ['dendra/v1/north/tx1/ack/dendrite.risk']);
    } finally {
      await tx1.endAsync();
      await ops2.endAsync();
      await ops.endAsync();
    }
  });

  test('cmd: an operator commands a device and reads its reply; another device can neither read the cmd nor forge the reply', T, async () => {
    const tx1 = await connectDevice({ url: b.url, site: 'north', device: 'tx1', username: 'north/tx1', password: pw('north/tx1') });
    const tx2 = await connectDevice({ url: b.url, site: 'north', device: 'tx2', username: 'north/tx2', password: pw('north/tx2') });
    const spy = await mqtt.connectAsync(b.url, { username: 'north/tx2', password: pw('north/tx2') });
    const ops2 = await mqtt.connectAsync(b.url, { username: 'ops2', password: 'fixed-pass' });
    const spied: string[] = [];
    const replies: string[] = [];
    try {
      // tx1 answers like the firmware does: a reply with the command's id, through its publisher.
      tx1.onCommand!((bytes) => {
        const c = JSON.parse(new TextDecoder().decode(bytes));
        tx1.publish('reply', encodePayload({ v: 1, id: c.id, op: c.op, ok: true, status: 0, ts: 1, boot: 1, uptime_ms: 1 }), 1, false);
      });
      tx2.onCommand!(() => spied.push('tx2 got a command'));
      spy.on('message', (t) => spied.push(t));
      const sub = await spy.subscribeAsync('dendra/v1/north/+/cmd', { qos: 1 });
      ops2.on('message', (_t, p) => replies.push(p.toString()));
      await ops2.subscribeAsync('dendra/v1/north/tx1/reply', { qos: 1 });
      for (const v of [4, 5] as const) {
        const { reply } = await sendCommand({ url: b.url, site: 'north', device: 'tx1', op: 'ping', username: 'ops', password: pw('ops'), protocolVersion: v, timeoutMs: 15_000 });
        assert.deepEqual([reply.ok, reply.op], [true, 'ping'], `MQTT ${v}`);
      }
      // Forged replies: tx2 as tx1, and an operator publishing a reply (QoS 1: acked, never forwarded).
      await tx2.client.publishAsync('dendra/v1/north/tx1/reply', Buffer.from('{"v":1,"id":"forged","ok":true,"status":0,"ts":1}'), { qos: 1 });
      await ops2.publishAsync('dendra/v1/north/tx1/reply', Buffer.from('{"v":1,"id":"forged2","ok":true,"status":0,"ts":1}'), { qos: 1 });
      await waitFor(() => replies.length >= 2, 'the two real replies');
      await sleep(300);
      assert.equal(replies.length, 2, replies.join(' | '));
      assert.ok(!replies.some((r) => r.includes('forged')));
      assert.deepEqual(spied, [], `another device read tx1's cmd (granted ${JSON.stringify(sub)})`);
      // A device cannot command another device (cmd is operator-only).
      await assert.rejects(sendCommand({ url: b.url, site: 'north', device: 'tx1', op: 'ping', username: 'north/tx2', password: pw('north/tx2'), protocolVersion: 5, timeoutMs: 2000 }),
        (e: unknown) => e instanceof DendraError && /refused the (subscription|publish)/.test(e.message) && !e.message.includes('\n'));
    } finally {
      await ops2.endAsync();
      await spy.endAsync();
      await tx2.close();
      await tx1.close();
    }
  });
});

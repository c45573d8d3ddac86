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
import { waitFor, sleep, alertBytes } from './testutil.ts';

const T = { timeout: 20000 };
const skip = findMosquitto() ? false : 'mosquitto not installed (apt-get install mosquitto)';

test('aclText confines devices to their own kinds and cmd; operators read all and write cmd only', () => {
  const acl = aclText({ devices: [{ site: 'n', device: 'd1', username: 'n/d1', password: 'x' }], operators: [{ username: 'ops', password: 'y' }] });
  assert.match(acl, /user ops\ntopic read dendra\/v1\/#\ntopic write dendra\/v1\/\+\/\+\/cmd\n/);
  assert.match(acl, /user n\/d1\ntopic write dendra\/v1\/n\/d1\/telemetry\n(topic write dendra\/v1\/n\/d1\/\w+\n)+topic read dendra\/v1\/n\/d1\/cmd\n/);
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

  test('cmd: an operator can command a device; another device cannot read it', T, async () => {
    const tx1 = await connectDevice({ url: b.url, site: 'north', device: 'tx1', username: 'north/tx1', password: pw('north/tx1') });
    const spy = await mqtt.connectAsync(b.url, { username: 'north/tx2', password: pw('north/tx2') });
    const ops = await mqtt.connectAsync(b.url, { username: 'ops', password: pw('ops') });
    const own: string[] = [];
    const spied: string[] = [];
    try {
      tx1.client.on('message', (t) => own.push(t));
      spy.on('message', (t) => spied.push(t));
      await tx1.client.subscribeAsync('dendra/v1/north/tx1/cmd', { qos: 1 });
      await spy.subscribeAsync('dendra/v1/north/+/cmd', { qos: 1 });
      await ops.publishAsync('dendra/v1/north/tx1/cmd', '{"v":1,"cmd":"ping"}', { qos: 1 });
      await waitFor(() => own.length === 1, 'cmd delivered to its device');
      await sleep(200);
      assert.deepEqual(spied, []);
    } finally {
      await ops.endAsync();
      await spy.endAsync();
      await tx1.close();
    }
  });
});

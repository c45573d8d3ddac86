// TLS on loopback with a local CA (tls.ts) on a secured mosquitto, and MQTT 5 reason codes there.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSecureMosquitto, type SecureBrokerHandle } from './secure.ts';
import { findMosquitto } from './broker.ts';
import { connectDevice } from './device.ts';
import { watchAlerts } from './alerts.ts';
import { BrokerError } from './errors.ts';
import { createLocalCa, findOpenssl, tlsFailure } from './tls.ts';
import { waitFor, alertBytes } from '../../test/testutil.ts';

const T = { timeout: 20000 };
const skip = !findMosquitto() ? 'mosquitto not installed (apt-get install mosquitto)' : !findOpenssl() ? 'openssl not installed' : false;
const oneLine = (code: string) => (e: unknown) => e instanceof BrokerError && e.code === code && !e.message.includes('\n');

test('tlsFailure: one line for certificate errors, null for others', () => {
  const e = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
  assert.match(tlsFailure('mqtts://127.0.0.1:1', e) ?? '', /^TLS handshake with mqtts:\/\/127\.0\.0\.1:1 failed: SELF_SIGNED_CERT_IN_CHAIN: .*ca/);
  assert.equal(tlsFailure('x', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), null);
});

describe('TLS listener with a local CA (secured mosquitto)', { skip }, () => {
  let dir: string;
  let b: SecureBrokerHandle;
  let ca: Buffer;
  const pw = (u: string) => [...b.credentials.devices, ...b.credentials.operators].find((a) => a.username === u)!.password;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dendra-tls-'));
    b = await startSecureMosquitto({ dir, devices: [{ site: 'north', device: 'tx1' }], operators: [{ name: 'ops' }], tls: true });
    ca = readFileSync(b.caFile!);
  });
  after(async () => {
    await b?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the server certificate is for 127.0.0.1 and localhost, signed by the CA; a second call reuses it', async () => {
    const cert = new X509Certificate(readFileSync(join(dir, 'server.crt')));
    assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.match(cert.subjectAltName ?? '', /DNS:localhost/);
    assert.ok(cert.verify(new X509Certificate(ca).publicKey));
    assert.equal((await createLocalCa(dir)).reused, true);
  });

  test('a device publishes over TLS with credentials and the operator (also over TLS) receives it', T, async () => {
    const got: number[] = [];
    const w = await watchAlerts({ url: b.tlsUrl!, ca, username: 'ops', password: pw('ops'), onAlert: (a) => got.push(a.seq) });
    const dev = await connectDevice({ url: b.tlsUrl!, ca, site: 'north', device: 'tx1', username: 'north/tx1', password: pw('north/tx1') });
    try {
      for (let s = 0; s < 3; s++) dev.publish('alert', alertBytes(s), 1, false);
      await waitFor(() => got.length === 3, 'three alerts over TLS');
      assert.deepEqual(got, [0, 1, 2]);
    } finally {
      await dev.close();
      await w.close();
    }
  });

  test('a client without the CA is refused with one TLS line; plain MQTT to the TLS port gets no CONNACK', T, async () => {
    const creds = { site: 'north', device: 'tx1', username: 'north/tx1', password: pw('north/tx1') };
    await assert.rejects(connectDevice({ url: b.tlsUrl!, ...creds, connectTimeoutMs: 3000 }), oneLine('E_BROKER_TLS'));
    await assert.rejects(connectDevice({ url: `mqtt://127.0.0.1:${b.tlsPort}`, ...creds, connectTimeoutMs: 1500 }), oneLine('E_BROKER_UNREACHABLE'));
  });

  test('MQTT 5: refusals carry their reason code (bad password 135 on mosquitto, ACL-denied publish 135 = 0x87)', T, async () => {
    await assert.rejects(
      connectDevice({ url: b.url, site: 'north', device: 'tx1', username: 'north/tx1', password: 'wrong', protocolVersion: 5, connectTimeoutMs: 3000 }),
      (e: unknown) => oneLine('E_BROKER_REFUSED')(e) && (e as BrokerError).reasonCode === 0x87 && /Not authorized \(reason code 135\)$/.test((e as Error).message));
    // tx1's credentials, but topics of tx2: the ACL denies it and mosquitto says so in the PUBACK.
    const errors: Error[] = [];
    const dev = await connectDevice({ url: b.url, site: 'north', device: 'tx2', username: 'north/tx1', password: pw('north/tx1'), protocolVersion: 5, onError: (e) => errors.push(e) });
    try {
      const err = await new Promise<Error | null>((r) => dev.publishWithAck!('alert', alertBytes(1), 1, false, r));
      assert.equal((err as { code?: string } | null)?.code, 'E_MQTT_REFUSED');
      assert.match(err!.message, /^broker refused the publish on dendra\/v1\/north\/tx2\/alert: Not authorized \(reason code 135\)$/);
      assert.ok(errors.includes(err!));
    } finally {
      await dev.close();
    }
  });
});

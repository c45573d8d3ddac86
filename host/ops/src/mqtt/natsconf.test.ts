import { test } from 'node:test';
import assert from 'node:assert/strict';
import { natsIdProblem, natsNodeConfig, permissionsText, ALERT_STREAM } from './natsconf.ts';
import { brokerUrls, rotateFor } from './connect.ts';
import { natsUrls, topicOfSubject } from './share.ts';
import { parseBrokerList } from '../dashboard/bridge.ts';

const creds = {
  devices: [{ site: 'north', device: 'tx1', username: 'north/tx1', password: 'pd' }],
  operators: [{ username: 'ops', password: 'po' }],
};

test('permissions: a device publishes only its own kinds and reads only its cmd; an operator cannot publish alerts', () => {
  const lines = permissionsText(creds, { password: 'pa' }, ['ops']);
  const dev = lines.find((l) => l.includes('"north/tx1"'))!;
  const pub = JSON.parse(/publish: \{ allow: (\[[^\]]*\])/.exec(dev)![1]) as string[];
  assert.deepEqual(pub, ['telemetry', 'alert', 'status', 'model', 'reply', 'alarm'].map((k) => `dendra.v1.north.tx1.${k}`));
  const sub = JSON.parse(/subscribe: \{ allow: (\[[^\]]*\])/.exec(dev)![1]) as string[];
  assert.deepEqual(sub, ['dendra.v1.north.tx1.cmd', '$MQTT.sub.>']);
  const op = lines.find((l) => l.includes('"ops"'))!;
  const opPub = JSON.parse(/publish: \{ allow: (\[[^\]]*\])/.exec(op)![1]) as string[];
  assert.ok(opPub.includes('dendra.v1.*.*.cmd'));
  assert.ok(!opPub.some((s) => s.startsWith('dendra.') && !s.endsWith('.cmd')), 'an operator publishes no device kind');
  assert.ok(opPub.includes(`$JS.API.CONSUMER.MSG.NEXT.${ALERT_STREAM}.ops`), 'pulls from its share group');
  assert.ok(!opPub.some((s) => /STREAM\.(CREATE|DELETE)|CONSUMER\.DELETE/.test(s)), 'cannot create or delete streams/consumers');
});

test('node config: routes to the other nodes only, MQTT replicas, no cluster block for one node, open mode', () => {
  const ports = { client: 1, route: 11, mqtt: 21, http: 31 };
  const c = natsNodeConfig({ name: 'n1', ports, routes: [11, 12, 13], storeDir: '/d', replicas: 3 }, ['    { user: "u", password: "p" }']);
  assert.match(c, /routes: \["nats-route:\/\/127\.0\.0\.1:12", "nats-route:\/\/127\.0\.0\.1:13"\]/);
  assert.match(c, /stream_replicas: 3/);
  assert.doesNotMatch(c, /no_auth_user/);
  const one = natsNodeConfig({ name: 'n1', ports, routes: [11], storeDir: '/d', replicas: 1 }, null);
  assert.doesNotMatch(one, /cluster \{/);
  assert.match(one, /no_auth_user: "dendra-open"/);
  assert.equal(natsIdProblem('tx1'), null);
  assert.match(natsIdProblem('tx.1')!, /contains '\.'/);
});

test('broker lists: comma-separated or arrays, each URL checked; rotation spreads clients and keeps the order', () => {
  assert.deepEqual(brokerUrls('mqtt://a:1, mqtt://b:2,'), ['mqtt://a:1', 'mqtt://b:2']);
  assert.deepEqual(brokerUrls(['mqtts://a']), ['mqtts://a']);
  assert.throws(() => brokerUrls(' , '), /no broker URL/);
  assert.throws(() => brokerUrls('mqtt://a:1,http://b'), (e: Error & { code?: string }) => e.code === 'E_BROKER_URL' && /http:\/\/b/.test(e.message));
  const list = ['a', 'b', 'c'];
  const starts = new Set(Array.from({ length: 60 }, (_, i) => rotateFor(list, `dendra-s-d${i}`)[0]));
  assert.deepEqual([...starts].sort(), list, 'sixty clients start on all three nodes');
  for (let i = 0; i < 10; i++) {
    const r = rotateFor(list, `k${i}`);
    const k = list.indexOf(r[0]);
    assert.deepEqual(r, [...list.slice(k), ...list.slice(0, k)], 'a rotation of the list');
  }
  assert.deepEqual(parseBrokerList('mqtt://a:1,mqtts://b').map((t) => t.display), ['mqtt://a:1', 'mqtts://b:8883']);
  assert.throws(() => parseBrokerList('mqtt://a,ws://b'), /mqtt:\/\/ or mqtts:\/\//);
  assert.deepEqual(natsUrls('nats://a:1,tls://b:2'), ['nats://a:1', 'tls://b:2']);
  assert.throws(() => natsUrls('mqtt://a:1'), /not nats:\/\//);
  assert.equal(topicOfSubject('dendra.v1.north.tx1.alert'), 'dendra/v1/north/tx1/alert');
});

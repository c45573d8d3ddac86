import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceTopic, parseTopic, tryParseTopic, topicFilter, idProblem, MAX_ID_LENGTH } from './topics.ts';
import { TopicError } from './errors.ts';
import { DendraError } from '@dendra/core/errors.ts';

test('deviceTopic builds dendra/v1/<site>/<device>/<kind> and parseTopic inverts it', () => {
  for (const kind of ['telemetry', 'alert', 'status'] as const) {
    const t = deviceTopic('north-yard', 'tx_01.a', kind);
    assert.equal(t, `dendra/v1/north-yard/tx_01.a/${kind}`);
    assert.deepEqual(parseTopic(t), { site: 'north-yard', device: 'tx_01.a', kind });
  }
});

test('ids with wildcards, separators, empty, too long or odd characters are rejected with TopicError', () => {
  const bad = ['', '+', '#', 'a/b', 'a+b', 'x#', '$SYS', 'a b', 'a\u0000b', '-lead', 'é', 'x'.repeat(MAX_ID_LENGTH + 1)];
  for (const id of bad) {
    assert.notEqual(idProblem(id), null, `expected ${JSON.stringify(id)} to be rejected`);
    assert.throws(() => deviceTopic(id, 'dev', 'alert'), (e: unknown) => e instanceof TopicError && e instanceof DendraError && e.code === 'E_TOPIC' && /site id/.test(e.message));
    assert.throws(() => deviceTopic('site', id, 'alert'), /device id/);
  }
  assert.equal(idProblem('x'.repeat(MAX_ID_LENGTH)), null);
  assert.throws(() => deviceTopic('s', 'd', 'alerts'), /kind "alerts" is not one of/);
});

test('topicFilter uses + for a missing site or device and validates given ones', () => {
  assert.equal(topicFilter('alert'), 'dendra/v1/+/+/alert');
  assert.equal(topicFilter('status', 's1'), 'dendra/v1/s1/+/status');
  assert.equal(topicFilter('alert', undefined, 'd1'), 'dendra/v1/+/d1/alert');
  assert.throws(() => topicFilter('alert', '#'), TopicError);
});

test('tryParseTopic never throws and names the problem', () => {
  const cases: [unknown, RegExp][] = [
    ['dendra/v2/s/d/alert', /is not dendra\/v1/],
    ['dendra/v1/s/d', /is not dendra\/v1/],
    ['dendra/v1/s/d/alert/extra', /is not dendra\/v1/],
    ['dendra/v1/+/d/alert', /site id/],
    ['dendra/v1/s//alert', /device id in topic is empty/],
    ['dendra/v1/s/d/logs', /kind "logs"/],
    ['dendra/v1/' + 'a'.repeat(500), /too long/],
    [42, /not a string/],
  ];
  for (const [topic, re] of cases) {
    const r = tryParseTopic(topic);
    assert.ok('reason' in r, `expected ${String(topic)} to be rejected`);
    assert.match(r.reason, re);
  }
  assert.throws(() => parseTopic('nope'), TopicError);
});

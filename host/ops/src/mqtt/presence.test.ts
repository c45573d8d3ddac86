import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startBroker } from './broker.ts';
import { retainedStatus } from './presence.ts';
import { deviceTopic } from './topics.ts';

test('retainedStatus reads the retained status through a broker list whose first node is dead; none, or a bad URL, is undefined', { timeout: 30_000 }, async () => {
  const b = await startBroker({ port: 0, host: '127.0.0.1' });
  try {
    const c = await mqtt.connectAsync(b.url);
    const online = { v: 1, state: 'online', ts: Date.now(), instance: 'abc' };
    await c.publishAsync(deviceTopic('s1', 'd1', 'status'), JSON.stringify(online), { qos: 1, retain: true });
    await c.endAsync();
    const list = `mqtt://127.0.0.1:1,${b.url}`; // port 1: nothing listens there
    assert.deepEqual(await retainedStatus({ url: list, site: 's1', device: 'd1' }), online);
    assert.deepEqual(await retainedStatus({ url: [b.url], site: 's1', device: 'd1' }), online);
    assert.equal(await retainedStatus({ url: list, site: 's1', device: 'd2' }), undefined);
    assert.equal(await retainedStatus({ url: 'not a url', site: 's1', device: 'd1' }), undefined);
  } finally {
    await b.close();
  }
});

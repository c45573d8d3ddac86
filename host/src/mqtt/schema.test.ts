import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePayload, encodePayload, MAX_PAYLOAD_BYTES } from './schema.ts';

const enc = (s: string) => new TextEncoder().encode(s);

// Literal examples from docs/CONTRACTS.md "MQTT" ("..." in infer_us filled with a number).
const ALERT = '{"v":1,"seq":7,"ts":123456,"kind":"overload.warning","state":"raised","severity":"warning","value":81.23,"threshold":80.00,"lead_h":5,"raw":-12,"window":42,"model":"grid@1"}';
const TELEMETRY = '{"v":1,"seq":8,"ts":123456,"window":42,"ot":61.5,"pred_peak":81.23,"raw":-12,"energy_uj":1520.5,"infer_us":830}';
const WILL = '{"state":"offline"}';

test('accepts the CONTRACTS.md examples (alert, telemetry, will) and the boot field', () => {
  const a = parsePayload('alert', enc(ALERT));
  assert.ok(a.ok, a.ok ? '' : a.reason);
  assert.equal(a.value.kind, 'overload.warning');
  assert.equal(a.value.threshold, 80);
  const t = parsePayload('telemetry', enc(TELEMETRY));
  assert.ok(t.ok);
  assert.equal(t.value.window, 42);
  const w = parsePayload('status', enc(WILL));
  assert.ok(w.ok);
  assert.equal(w.value.state, 'offline');
  const online = parsePayload('status', encodePayload({ v: 1, state: 'online', ts: Date.now(), boot: 3 }));
  assert.ok(online.ok);
  const cleared = parsePayload('alert', enc(ALERT.replace('"raised"', '"cleared"').replace('"lead_h":5', '"lead_h":null').replace('{"v":1', '{"v":1,"boot":2')));
  assert.ok(cleared.ok && cleared.value.boot === 2 && cleared.value.lead_h === null);
});

test('rejects malformed payloads with a one-line reason, never throwing', () => {
  const bad: [string, Uint8Array, RegExp][] = [
    ['alert', enc(ALERT.replace('"v":1', '"v":2')), /v must be equal to constant/],
    ['alert', enc(ALERT.replace('"seq":7,', '')), /must have required property 'seq'/],
    ['alert', enc(ALERT.replace('"seq":7', '"seq":-1')), /seq must be >= 0/],
    ['alert', enc(ALERT.replace('"seq":7', '"seq":1.5')), /seq must be integer/],
    ['alert', enc(ALERT.replace('"raised"', '"on"')), /state must be equal to one of/],
    ['alert', enc(ALERT.replace('"value":81.23', '"value":"81.23"')), /value must be number/],
    ['alert', enc(ALERT.replace('"raw":-12', '"raw":300')), /raw must be <= 127/],
    ['alert', enc(ALERT.replace('overload.warning', 'Overload Warning')), /kind must match pattern/],
    ['telemetry', enc('[1,2,3]'), /not a JSON object/],
    ['telemetry', enc('null'), /not a JSON object/],
    ['telemetry', enc('{"v":1,"seq":1'), /not JSON/],
    ['status', enc('{"state":"asleep"}'), /state must be equal to one of/],
    ['status', new Uint8Array(0), /empty/],
    ['status', Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d), /not valid UTF-8/],
  ];
  for (const [kind, bytes, re] of bad) {
    const r = parsePayload(kind as 'alert', bytes);
    assert.equal(r.ok, false, `expected rejection: ${new TextDecoder().decode(bytes)}`);
    if (!r.ok) {
      assert.match(r.reason, re);
      assert.ok(!r.reason.includes('\n'));
    }
  }
  assert.equal(parsePayload('bogus' as 'alert', enc(ALERT)).ok, false);
  assert.equal(parsePayload('alert', 'not bytes' as unknown as Uint8Array).ok, false);
});

test('oversized payloads are rejected before parsing; the limit itself is accepted', () => {
  const pad = (n: number) => {
    const base = ALERT.slice(0, -1) + ',"note":"';
    return enc(base + 'x'.repeat(n - base.length - 2) + '"}');
  };
  const atLimit = pad(MAX_PAYLOAD_BYTES);
  assert.equal(atLimit.length, MAX_PAYLOAD_BYTES);
  assert.ok(parsePayload('alert', atLimit).ok);
  const over = parsePayload('alert', pad(MAX_PAYLOAD_BYTES + 1));
  assert.ok(!over.ok && /16385 bytes, more than the 16384 allowed/.test(over.reason));
  const deep = parsePayload('alert', enc('['.repeat(8000) + ']'.repeat(8000)));
  assert.equal(deep.ok, false);
});

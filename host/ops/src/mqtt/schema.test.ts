import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePayload, encodePayload, commandProblem, ackProblem, MAX_PAYLOAD_BYTES } from './schema.ts';

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

test('docs/schemas/*.schema.json are valid draft-07 schemas and are what parsePayload uses', async () => {
  const { Ajv } = await import('ajv');
  const { readFileSync } = await import('node:fs');
  const { alertSchema, telemetrySchema, statusSchema, modelSchema, SCHEMA_DIR } = await import('./schema.ts');
  const ajv = new Ajv({ strict: false });
  for (const [kind, s] of Object.entries({ alert: alertSchema, telemetry: telemetrySchema, status: statusSchema, model: modelSchema })) {
    assert.equal(ajv.validateSchema(s), true, `${kind}: ${ajv.errorsText()}`);
    assert.deepEqual(s, JSON.parse(readFileSync(new URL(`${kind}.schema.json`, SCHEMA_DIR), 'utf8')));
  }
});

test('payloads shaped like firmware/assembly/app/publish.ts validate (boot first, energy_total_uj, infer_ms, dropped, model)', () => {
  const fwAlert = '{"v":1,"boot":3,"seq":1,"ts":5400000,"kind":"overload.warning","state":"raised","severity":"warning","value":81.23,"threshold":80.00,"lead_h":5,"raw":-12,"window":42,"model":"grid@1"}';
  const fwCleared = fwAlert.replace('"raised"', '"cleared"').replace('"lead_h":5', '"lead_h":0');
  const fwTele = '{"v":1,"boot":3,"seq":120,"ts":5400000,"window":42,"ot":61.50,"pred_peak":81.23,"raw":-12,"energy_uj":1520.50,"energy_total_uj":99120.25,"infer_ms":0.83,"dropped":0,"model":"grid@4294967295"}';
  assert.ok(parsePayload('alert', enc(fwAlert)).ok);
  assert.ok(parsePayload('alert', enc(fwCleared)).ok);
  const withTop = fwAlert.replace('"model":"grid@1"}', '"model":"grid@1","top":[{"input":"OT","delta_c":1.83},{"input":"HUFL","delta_c":0.15},{"input":"MUFL","delta_c":-0.05}]}');
  const top = parsePayload('alert', enc(withTop));
  assert.ok(top.ok && top.value.top?.[0].input === 'OT' && top.value.top[0].delta_c === 1.83, top.ok ? '' : top.reason);
  assert.equal(parsePayload('alert', enc(withTop.replace('"input":"OT",', ''))).ok, false, 'an entry without its input is refused');
  const t = parsePayload('telemetry', enc(fwTele));
  assert.ok(t.ok, t.ok ? '' : t.reason);
  assert.equal(parsePayload('telemetry', enc(fwTele.replace('"dropped":0', '"dropped":-1'))).ok, false);
});

test('dendrite.risk and device.fault alerts: top, cells, code; kind-specific rules', () => {
  const base = { v: 1, seq: 1, ts: 0, state: 'raised', severity: 'critical' };
  const ok = (o: object) => { const r = parsePayload('alert', encodePayload(o)); assert.ok(r.ok, r.ok ? '' : r.reason); };
  const bad = (o: object, re: RegExp) => { const r = parsePayload('alert', encodePayload(o)); assert.ok(!r.ok && r.code === 'schema' && re.test(r.reason), r.ok ? 'accepted' : r.reason); };
  ok({ ...base, kind: 'dendrite.risk', value: 0.93, threshold: 0.8, lead_cycles: 12, model: 'pack@2', top: [{ input: 'cell7.dv', weight: 0.61, value: -0.02 }], cells: [0.1, 0.93, { risk: 0.2, row: 0, col: 2 }] });
  ok({ ...base, kind: 'device.fault', code: 'sensor.stuck', value: 61.5, threshold: 0, message: 'oil sensor constant for 6 h' });
  bad({ ...base, kind: 'device.fault', value: 1, threshold: 0 }, /required property 'code'/);
  bad({ ...base, kind: 'dendrite.risk', value: 1.5, threshold: 0.8 }, /value must be <= 1/);
  bad({ ...base, kind: 'dendrite.risk', value: 0.5, threshold: 0.8, top: [{ weight: 1 }] }, /top\.0 must have required property 'input'/);
  bad({ ...base, kind: 'dendrite.risk', value: 0.5, threshold: 0.8, top: Array(17).fill({ input: 'x' }) }, /top must NOT have more than 16 items/);
  bad({ ...base, kind: 'overload.warning', value: 1, threshold: 0, model: 'grid' }, /model must match pattern/);
});

test('model records: name@version required, hashes are 64 lowercase hex; failures carry a drop code', () => {
  const m = parsePayload('model', encodePayload({ v: 1, model: 'grid@1', model_sha256: 'ab'.repeat(32), firmware: '0.1.0+g1a2b', firmware_sha256: 'cd'.repeat(32), board: 'sim' }));
  assert.ok(m.ok && m.value.model === 'grid@1');
  const noModel = parsePayload('model', encodePayload({ v: 1 }));
  assert.ok(!noModel.ok && noModel.code === 'schema');
  const badHash = parsePayload('model', encodePayload({ v: 1, model: 'grid@1', model_sha256: 'AB'.repeat(32) }));
  assert.ok(!badHash.ok && /model_sha256 must match pattern/.test(badHash.reason));
  const codes = [
    parsePayload('status', new Uint8Array(MAX_PAYLOAD_BYTES + 1)),
    parsePayload('status', enc('{')),
    parsePayload('status', enc('[]')),
    parsePayload('status', enc('{"state":"x"}')),
  ].map((r) => (r.ok ? 'ok' : r.code));
  assert.deepEqual(codes, ['oversized', 'malformed', 'malformed', 'schema']);
});

test('pts: alerts and telemetry accept the device publish time, refuse a negative or non-numeric one', () => {
  assert.ok(parsePayload('alert', enc(ALERT.replace('}', ',"pts":7323456}'))).ok);
  assert.ok(parsePayload('telemetry', enc(TELEMETRY.replace('}', ',"pts":123460}'))).ok);
  for (const bad of ['-1', '"late"', 'null']) {
    const r = parsePayload('alert', enc(ALERT.replace('}', `,"pts":${bad}}`)));
    assert.ok(!r.ok && r.code === 'schema' && r.reason.includes('pts'), bad);
  }
});

test('cmd and reply schemas: the documented examples pass; bad ids, unknown ops, missing set-limit values, out-of-range limits fail', () => {
  assert.equal(commandProblem({ v: 1, id: 'a1', op: 'ping' }), null);
  assert.equal(commandProblem({ v: 1, id: 'a3', op: 'set-limit', limit_c: 85, hysteresis_c: 3 }), null);
  assert.match(commandProblem({ v: 1, id: 'a3', op: 'set-limit', limit_c: 85 })!, /hysteresis_c/);
  assert.match(commandProblem({ v: 1, id: 'a3', op: 'set-limit', limit_c: 151, hysteresis_c: 3 })!, /limit_c must be <= 150/);
  // the host no longer applies a fixed 20 degC floor: the grid model forecasts down to ~10.5 degC
  assert.equal(commandProblem({ v: 1, id: 'a4', op: 'set-limit', limit_c: 11, hysteresis_c: 1 }), null);
  assert.match(commandProblem({ v: 1, id: 'a5', op: 'set-limit', limit_c: -51, hysteresis_c: 1 })!, /limit_c must be >= -50/);
  assert.match(commandProblem({ v: 1, id: 'a b', op: 'ping' })!, /id must match/);
  assert.match(commandProblem({ v: 1, id: 'a', op: 'reboot' })!, /op must be equal to one of/);
  const ok = '{"v":1,"id":"a1","op":"ping","ok":true,"status":0,"boot":3,"ts":5400000,"uptime_ms":5400000,"cmd_ok":1,"cmd_errors":0,"pts":5400001}';
  assert.ok(parsePayload('reply', enc(ok)).ok);
  const set = '{"v":1,"id":"a3","op":"set-limit","ok":true,"status":0,"boot":3,"ts":1,"old":{"limit_c":80.00,"hysteresis_c":2.00},"new":{"limit_c":85.00,"hysteresis_c":3.00}}';
  assert.ok(parsePayload('reply', enc(set)).ok);
  assert.ok(!parsePayload('reply', enc(set.replace(/,"old".*\}\}/, '}'))).ok, 'set-limit ok needs old and new');
  const err = '{"v":1,"id":null,"ok":false,"status":-26,"boot":3,"ts":1,"error":"malformed","uptime_ms":1,"cmd_ok":0,"cmd_errors":1}';
  assert.ok(parsePayload('reply', enc(err)).ok);
  assert.ok(!parsePayload('reply', enc(err.replace(',"error":"malformed"', ''))).ok, 'a refusal says why');
  assert.ok(!parsePayload('reply', enc(err.replace('-26', '5'))).ok, 'status is 0 or negative');
});

test('lead: one name and unit per kind (overload.warning lead_h in hours, dendrite.risk lead_cycles in cycles)', () => {
  const risk = { v: 1, seq: 4, ts: 1, kind: 'dendrite.risk', state: 'raised', severity: 'critical', value: 0.93, threshold: 0.8 };
  assert.equal(parsePayload('alert', enc(JSON.stringify({ ...risk, lead_cycles: 12 }))).ok, true);
  const wrong = parsePayload('alert', enc(JSON.stringify({ ...risk, lead_h: 12 })));
  assert.ok(!wrong.ok && wrong.code === 'schema', 'docs/mqtt.md used to show lead_h on a dendrite.risk alert');
  const over = JSON.parse(ALERT);
  assert.equal(parsePayload('alert', enc(JSON.stringify(over))).ok, true);
  assert.equal(parsePayload('alert', enc(JSON.stringify({ ...over, lead_cycles: 3 }))).ok, false);
});

test('alarm table and ack records validate against their schemas', () => {
  const alarm = { v: 1, ts: 1764054000000, source: 'bridge', alarms: [{ kind: 'dendrite.risk', state: 'active', severity: 'critical', raised_at: 1764053990000, updated_at: 1764054000000, raises: 5, value: 0.99, peak: 0.99, threshold: 0.8, lead_cycles: 40, boot: 1, seq: 9, ts: 5000 }] };
  assert.equal(parsePayload('alarm', enc(JSON.stringify(alarm))).ok, true);
  assert.equal(parsePayload('alarm', enc(JSON.stringify({ ...alarm, alarms: [{ ...alarm.alarms[0], state: 'raised again' }] }))).ok, false);
  assert.equal(parsePayload('alarm', enc(JSON.stringify({ ...alarm, source: 'someone' }))).ok, false);
  assert.equal(ackProblem({ v: 1, kind: 'dendrite.risk', raised_at: 1764053990000, by: 'ops', at: 1764054001000 }), null);
  assert.match(ackProblem({ v: 1, kind: 'dendrite.risk', raised_at: 1, by: '<b>x</b>', at: 2 }) ?? '', /ack payload: \/by/);
});

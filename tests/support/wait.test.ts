// tests/support/wait.ts: waitFor resolves with the probe's first value that holds, polls async
// probes, and gives up with a WaitTimeout naming what it waited for and the state seen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, WaitTimeout } from './wait.ts';

test('waitFor resolves with the first value that holds (a lookup, a boolean, an async probe)', async () => {
  let n = 0;
  assert.equal(await waitFor(() => (++n >= 3 ? `found at ${n}` : undefined), 'the third poll', 1000, { intervalMs: 1 }), 'found at 3');
  let m = 0;
  assert.equal(await waitFor(() => ++m >= 2, 'two polls', 1000, { intervalMs: 1 }), true);
  assert.equal(await waitFor(async () => 0, 'a zero', 1000), 0, 'zero is a value, not a pending result');
});

test('waitFor times out naming what it waited for, with the detail seen, after about timeoutMs', async () => {
  const t0 = Date.now();
  let polls = 0;
  await assert.rejects(waitFor(() => { polls++; return false; }, 'the board to publish', 120, { intervalMs: 10, detail: () => 'got 0 records' }), (e: unknown) => {
    assert.ok(e instanceof WaitTimeout);
    assert.equal(e.code, 'E_WAIT_TIMEOUT');
    assert.equal(e.message, 'timed out after 120 ms waiting for the board to publish: got 0 records');
    return true;
  });
  assert.ok(Date.now() - t0 >= 120, 'not before the deadline');
  assert.ok(polls >= 3, `polled until the deadline (${polls} polls)`);
});

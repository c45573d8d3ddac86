import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { formatEta, formatRate, makeProgress, reportError, setJsonErrors } from './run.ts';
import { UsageError } from './errors.ts';

/** A TTY-like stream that keeps every frame cli-progress draws. */
function ttyStream(): { stream: Writable & { isTTY: boolean; columns: number }; text: () => string } {
  let out = '';
  const stream = Object.assign(new Writable({ write(chunk, _enc, cb) { out += String(chunk); cb(); } }), { isTTY: true, columns: 200 });
  return { stream, text: () => out };
}

test('formatEta: never NaN or Infinity, "-" while unknown', () => {
  assert.equal(formatEta(Number.NaN), '-');
  assert.equal(formatEta(Infinity), '-');
  assert.equal(formatEta(-1), '-');
  assert.equal(formatEta(7.4), '7s');
  assert.equal(formatEta(185), '3m05s');
  assert.equal(formatEta(3720), '1h02m');
});

test('progress bar: the ETA of the first frames (no rate yet) is "-", never "NFs"/NaN; the last rate shown is rate()', async () => {
  const { stream, text } = ttyStream();
  const bar = makeProgress(false, 'B', '', stream);
  bar.start(16960, 'flash', 0);
  bar.update(0); // the second frame: cli-progress's own ETA read "NFs" (Infinity) here
  await new Promise((r) => setTimeout(r, 30));
  bar.update(8192);
  await new Promise((r) => setTimeout(r, 30));
  bar.update(16960);
  bar.stop();
  const frames = text();
  assert.doesNotMatch(frames, /NF|NaN|Infinity/);
  assert.match(frames, /ETA -/);
  const shown = [...frames.matchAll(/\| ([\d.]+ KiB\/s) \|/g)].map((m) => m[1]);
  assert.ok(shown.length >= 2, frames);
  assert.equal(shown.at(-1), formatRate(bar.rate(), 'B'), 'the summary prints the rate the bar showed last');
  assert.ok(bar.rate() > 0);
});

test('progress: a resumed transfer rates only what this run sent (base)', async () => {
  const bar = makeProgress(true, 'B');
  bar.start(1000, 'flash', 900);
  await new Promise((r) => setTimeout(r, 50));
  bar.update(1000);
  const r = bar.rate();
  assert.ok(r > 0 && r < 100 / 0.04, `rate ${r} counts 100 B over >= 50 ms`);
});

test('reportError: one text line, or one JSON line under setJsonErrors; the exit code is the error\'s', () => {
  const writes: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  const code = process.exitCode;
  (process.stderr as { write: unknown }).write = (s: string) => { writes.push(s); return true; };
  try {
    reportError(new UsageError('option --x must be a number'));
    setJsonErrors(true);
    reportError(new UsageError('option --x must be a number'));
    reportError(new Error('boom'));
  } finally {
    setJsonErrors(false);
    (process.stderr as { write: unknown }).write = orig;
  }
  const exit = process.exitCode;
  process.exitCode = code;
  assert.equal(writes[0], 'dendra: option --x must be a number\n');
  assert.deepEqual(JSON.parse(writes[1]), { error: { code: 'E_USAGE', message: 'option --x must be a number' } });
  assert.equal(writes[1].split('\n').length, 2, 'one line');
  assert.equal(JSON.parse(writes[2]).error.code, 'E_INTERNAL');
  assert.equal(exit, 70);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { datasetOf, PUBLISHED, publishedFor, publishedForDataset } from './published.ts';
import { dataSource, protocolFindings } from './card.ts';
import { checkDataMatchesModel, DEFAULT_GRID_DIR, evalGrid, loadGrid, type ProtocolEvalRow } from './eval.ts';
import { formatProtocol } from './eval_format.ts';
import { checkSplits, loadEtt, parseEtt } from './data.ts';
import { DEFAULT_ETT } from '@dendra/core/paths.ts';
import type { ProtocolReport } from './protocol.ts';

const card = JSON.parse(readFileSync(path.join(DEFAULT_GRID_DIR, 'grid.card.json'), 'utf8')) as { protocol?: ProtocolReport; published?: unknown[]; limitations: string[] };

function cardRows(p: ProtocolReport): ProtocolEvalRow[] {
  return [...p.rows, ...p.thermal.rows].map((r) => ({ label: r.label, config: r.config, file: r.file, float: r.float, int8: r.int8, baselines: r.baselines }));
}

test('published figures are keyed by dataset: ETTh1 and ETTh2 get their own anchors, a user file none', () => {
  assert.equal(datasetOf('/x/y/ETTh2.csv'), 'ETTh2');
  assert.equal(datasetOf('C:\\data\\ETTh1.csv'), 'ETTh1');
  assert.ok(publishedForDataset('ETTh1').length > 0);
  // ETTh2: the L = 336/512 multivariate figures at 96 only, never an ETTh1 figure; no univariate anchor is cited
  const h2 = publishedFor('ETTh2', 'M', 96);
  assert.deepEqual(h2.map((p) => `${p.model}@${p.lookback}:${p.mse}`), ['DLinear@336:0.289', 'NLinear@336:0.277', 'PatchTST/42@336:0.274', 'PatchTST/64@512:0.274']);
  assert.deepEqual(publishedFor('ETTh2', 'S', 96), []);
  assert.deepEqual(publishedFor('my-transformer', 'S', 96), []);
  assert.deepEqual(publishedForDataset('my-transformer'), []);
  assert.ok(publishedFor('ETTh1', 'M', 96).every((p) => p.dataset === 'ETTh1' && p.setting === 'M'));
});

test('every PatchTST and DLinear anchor names its paper table and URL and says how it was checked', () => {
  for (const p of PUBLISHED.filter((x) => /PatchTST|Linear/.test(x.model))) {
    assert.match(p.source, /Table \d|univariate table/, `${p.dataset} ${p.model} ${p.setting}-${p.horizon}`);
    assert.match(p.source, /https:\/\/arxiv\.org\/abs\/22(05\.13504|11\.14730)/);
    assert.match(p.checked, /^matches .*the paper's own table is not readable|neither is confirmed against the paper/);
  }
});

test('no DLinear/NLinear figure is cited at L = 96 (the benchmark file\'s I = 96 rows are the L = 336 table swapped)', () => {
  const linear = PUBLISHED.filter((p) => /Linear/.test(p.model));
  assert.ok(linear.length >= 2);
  for (const p of linear) {
    assert.equal(p.lookback, 336, `${p.model} ${p.setting}-${p.horizon}`);
    assert.doesNotMatch(p.source, /LTSF-Benchmark/);
  }
  const m96 = (model: string) => PUBLISHED.find((p) => p.model === model && p.setting === 'M' && p.horizon === 96 && p.dataset === 'ETTh1');
  assert.deepEqual([m96('DLinear')?.mse, m96('DLinear')?.mae], [0.375, 0.399]);
  assert.deepEqual([m96('NLinear')?.mse, m96('NLinear')?.mae], [0.374, 0.394]);
});

test('the committed card carries the corrected anchors and no verdict against an L = 96 DLinear figure', () => {
  const pub = card.published as { model: string; lookback: number; dataset: string }[];
  assert.deepEqual(pub, publishedForDataset('ETTh1').map((p) => ({ ...p })));
  assert.ok(!card.limitations.some((l) => /published DLinear/.test(l) && /same input length 96/.test(l)));
  if (card.protocol) assert.deepEqual(protocolFindings(card.protocol, 'ETTh1').filter((l) => / vs published /.test(l)), card.limitations.filter((l) => / vs published /.test(l)));
});

test('a non-ETTh1 protocol table prints no ETTh1 figure, no "ETTh1 protocol", and says where it has no anchor', (t) => {
  if (!card.protocol) return t.skip('the committed card has no protocol table');
  const text = formatProtocol(cardRows(card.protocol), card.protocol.window, 'ETTh2').join('\n');
  assert.doesNotMatch(text, /ETTh1|Informer|0\.375/);
  assert.match(text, /published PatchTST\/42 M-96 \(L=336\): 0\.274\/0\.336/);
  assert.match(text, /no anchor cited for ETTh2/);
  // verdicts only at the same input length: the L = 96 table gets none against ETTh2's L = 336 figures
  assert.deepEqual(protocolFindings(card.protocol, 'ETTh2').filter((l) => /published/.test(l)), []);
  const user = formatProtocol(cardRows(card.protocol), card.protocol.window, 'plant7').join('\n');
  assert.doesNotMatch(user, /published (DLinear|Informer|PatchTST|NLinear)/);
  assert.match(user, /no anchor cited for plant7/);
  assert.match(dataSource('ETTh2'), /ETDataset ETTh2/);
  assert.doesNotMatch(dataSource('ETTh2'), /ETTh1/);
  assert.match(dataSource('plant7'), /user data/);
});

test('eval grid refuses data whose training statistics differ from the model\'s card, in one line', () => {
  const g = loadGrid();
  const data = loadEtt();
  checkDataMatchesModel(data, checkSplits(data, g.splits).train, g.meta, g.file); // the model's own data passes
  // ETTh2-like data: the same layout, other values (every load and OT shifted and scaled)
  const lines = readFileSync(DEFAULT_ETT, 'utf8').trim().split('\n');
  const other = [lines[0], ...lines.slice(1).map((l) => { const [d, ...v] = l.split(','); return [d, ...v.map((x) => (Number(x) * 1.3 + 2).toFixed(3))].join(','); })].join('\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'dendra-ettx-'));
  const file = path.join(dir, 'ETTh2.csv');
  writeFileSync(file, other);
  assert.throws(() => checkDataMatchesModel(parseEtt(other, file), g.splits.train, g.meta, g.file), (e: Error & { code?: string }) => e.code === 'E_DATA_MISMATCH' && !e.message.includes('\n') && /ETTh2\.csv: training-split statistics do not match the model's card \(HUFL/.test(e.message));
  assert.throws(() => evalGrid({ dataCsv: file, protocol: false }), (e: Error & { code?: string }) => e.code === 'E_DATA_MISMATCH');
});

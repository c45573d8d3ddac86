import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupedFolds } from './groups.ts';
import { nestedCv, VARIANTS } from './nested.ts';
import type { Candidate, SelectData } from './select.ts';
import type { MaterialRow } from './features.ts';
import { mulberry32 } from '@dendra/core/random.ts';

/** Synthetic rows: 40 formula groups of 3 rows; every 3rd group has CIFs; y = 2 x0 - x1 + noise; a few bounds. */
function synthetic(): SelectData {
  const rand = mulberry32(5);
  const rows: MaterialRow[] = [], X: number[][] = [], targets: { value: number; censored: boolean }[] = [], hasCif: boolean[] = [];
  for (let g = 0; g < 40; g++) {
    for (let r = 0; r < 3; r++) {
      // the same normalized formula written three ways (multiples), so only formula grouping joins them
      rows.push({ id: `g${g}r${r}`, doi: `10.1/${g}.${r}`, trueComposition: `Li${(r + 1) * (g + 1)}.0O${r + 1}.0` } as unknown as MaterialRow);
      const x = [rand(), rand(), rand()];
      X.push(x);
      const censored = g % 13 === 0 && r === 0;
      targets.push({ value: censored ? -8 : 2 * x[0] - x[1] + 0.2 * (rand() - 0.5) - 5, censored });
      hasCif.push(g % 3 === 0);
    }
  }
  const wide = X.map((x) => [...x, x[0] * x[1]]);
  return { rows, targets, hasCif, X: { comp: X, struct: wide, phys: wide.map((x) => [...x, x[2] ** 2]), obelix: X.map((x) => [...x, 1]) } };
}

const cands: Candidate[] = [
  { id: 'comp/median', features: 'comp', kind: 'median', config: {} },
  { id: 'comp/gbt-cens/d3', features: 'comp', kind: 'gbt-cens', config: { gbtRounds: 15, gbtSubsample: 0.8 } },
  { id: 'struct/gbt', features: 'struct', kind: 'gbt', config: { gbtRounds: 15, gbtSubsample: 0.8 } },
  { id: 'phys/gbt-cens/d3', features: 'phys', kind: 'gbt-cens', config: { gbtRounds: 15, gbtSubsample: 0.8 } },
];

test('nested CV: no inner fit sees an outer test row; refits predict exactly the outer test fold', () => {
  const data = synthetic();
  const folds = groupedFolds(data.rows, 4, 3);
  const fits: { f: number; id: string; fitOn: readonly number[]; predicted: readonly number[] }[] = [];
  const r = nestedCv(data, { candidates: cands, outerK: 4, innerK: 3, seed: 3, baselineTrees: 0, hook: (f, id, fitOn, predicted) => fits.push({ f, id, fitOn, predicted }) });
  assert.equal(r.folds.length, 4);
  for (let f = 0; f < 4; f++) {
    const test = new Set(folds.flatMap((g, i) => (g === f ? [i] : [])));
    const mine = fits.filter((x) => x.f === f);
    assert.ok(mine.length >= 3 * cands.length, `fold ${f}: ${mine.length} fits`);
    for (const x of mine) assert.ok(x.fitOn.every((i) => !test.has(i)), `fold ${f}: ${x.id} trained on an outer test row`);
    const inner = mine.filter((x) => x.predicted.some((i) => test.has(i)));
    // only the outer refits touch the test fold, and they predict all of it and nothing else
    assert.ok(inner.length >= 1 && inner.length <= 2 * VARIANTS.length);
    for (const x of inner) assert.deepEqual([...x.predicted].sort((a, b) => a - b), [...test].sort((a, b) => a - b));
    assert.equal(mine.length - inner.length, 3 * cands.length, 'inner fits = inner folds x candidates');
  }
});

test('nested CV: outer folds keep each normalized formula whole (Li2O1 == Li4O2 == Li6O3)', () => {
  const data = synthetic();
  const folds = groupedFolds(data.rows, 5, 0);
  for (let g = 0; g < 40; g++) assert.ok(folds[3 * g] === folds[3 * g + 1] && folds[3 * g] === folds[3 * g + 2], `group ${g} split across folds`);
});

test('nested CV: seeded, reproducible, learns the signal, reports every variant and per-fold values', () => {
  const data = synthetic();
  const o = { candidates: cands, outerK: 4, innerK: 3, seed: 1, baselineTrees: 0 };
  const a = nestedCv(data, o), b = nestedCv(data, o);
  assert.deepEqual(a, b);
  const sel = a.summary.find((s) => s.model === 'selected')!;
  assert.equal(sel.all.folds.length, 4);
  assert.deepEqual(a.summary.map((s) => s.model).sort(), [...VARIANTS].sort());
  // the median candidate cannot win: the signal is learnable
  assert.ok(a.folds.every((f) => f.choices.selected.comp !== 'comp/median'), JSON.stringify(a.folds.map((f) => f.choices.selected)));
  const noStructure = a.summary.find((s) => s.model === 'no-structure')!;
  assert.ok(a.folds.every((f) => f.choices['no-structure'].cif.startsWith('comp/')));
  assert.ok(Number.isFinite(noStructure.cif.pooled) && sel.all.pooled < 1.5);
  for (const c of [...a.coverage.all, ...a.coverage.cif]) assert.ok(c >= 0 && c <= 1);
});

test('nested CV: forest and blend candidates; a blend\'s out-of-fold prediction is its members\' mean; ablations drop a component wherever it appears', async () => {
  const { allowedFor } = await import('./nested.ts');
  const { blend, innerCv } = await import('./select.ts');
  const data = synthetic();
  const forest: Candidate = { id: 'obelix/forest', features: 'obelix', kind: 'forest', config: { forestTrees: 15 } };
  const b = blend([forest, cands[1]]), bPhys = blend([forest, cands[3]]);
  const all = [...cands, forest, b, bPhys];
  const train = data.rows.map((_, i) => i).filter((i) => i % 4 !== 0);
  const inner = innerCv(data, train, all, 3, 2);
  const [pb, pf, pg] = [b, forest, cands[1]].map((c) => inner.oof.get(c.id)!.pred);
  for (const i of train) assert.ok(Math.abs(pb[i] - (pf[i] + pg[i]) / 2) < 1e-12, `row ${i}`);
  assert.deepEqual(allowedFor('no-forest', all).map((c) => c.id), cands.map((c) => c.id));
  assert.deepEqual(allowedFor('no-blend', all).map((c) => c.id), [...cands, forest].map((c) => c.id));
  assert.ok(!allowedFor('no-obelix-features', all).some((c) => c.id.includes('obelix/')));
  assert.ok(!allowedFor('no-physics', all).some((c) => c.id.includes('phys/')));
  assert.deepEqual(allowedFor('no-structure', all).map((c) => c.id), ['comp/median', 'comp/gbt-cens/d3', 'obelix/forest', b.id]);
  const r = nestedCv(data, { candidates: all, outerK: 3, innerK: 3, seed: 0, baselineTrees: 0 });
  assert.deepEqual(r.summary.map((s) => s.model).sort(), [...VARIANTS].sort());
  for (const f of r.folds) assert.ok(!f.choices['no-forest'].comp.includes('forest') && !f.choices['no-forest'].cif.includes('forest'));
});

test('nested CV: outer folds run one at a time and merged equal the whole run; a missing or repeated fold is refused', async () => {
  const { mergeNested } = await import('./nested.ts');
  const data = synthetic();
  const o = { candidates: cands.slice(0, 2), outerK: 3, innerK: 2, seed: 2, baselineTrees: 0, variants: ['selected', 'fixed'] as const };
  const whole = nestedCv(data, o);
  const parts = [[2], [0, 1]].map((onlyFolds) => nestedCv(data, { ...o, onlyFolds }));
  assert.deepEqual(mergeNested(parts), whole);
  assert.throws(() => mergeNested([parts[1]]), /need 0\.\.2 once each/);
  assert.throws(() => mergeNested([parts[0], parts[0], parts[1]]), RangeError);
  assert.throws(() => nestedCv(data, { ...o, onlyFolds: [3] }), /outer fold 3 is not in 0\.\.2/);
});

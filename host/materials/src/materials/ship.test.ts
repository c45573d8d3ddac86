import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainSelected } from './ship.ts';
import { predictRows } from './model.ts';
import type { Candidate, SelectData } from './select.ts';
import type { MaterialRow } from './features.ts';
import { mulberry32 } from '@dendra/core/random.ts';

const HEAD = { reducedComposition: 'x', z: 1, conductivity: '1e-4', spaceGroupNumber: 1, family: 'x', doi: '', line: 2 };

/** Rows Li_a O_b with a in 1..2 and b in 1..2 fixed lattice; y depends on the Li fraction. */
function data(): { d: SelectData; rows: MaterialRow[] } {
  const rand = mulberry32(2);
  const rows: MaterialRow[] = [];
  for (let i = 0; i < 60; i++) {
    const li = 1 + rand(), o = 1 + rand();
    const y = -8 + 6 * (li / (li + o)) + 0.1 * rand();
    rows.push({ ...HEAD, id: `r${i}`, doi: `10.1/${i}`, trueComposition: `Li${li.toFixed(4)}O${o.toFixed(4)}`, conductivity: String(10 ** y),
      cell: { a: 4, b: 4, c: 4, alpha: 90, beta: 90, gamma: 90 } } as unknown as MaterialRow);
  }
  return { rows, d: { rows, targets: rows.map((r) => ({ value: Math.log10(Number(r.conductivity)), censored: false })), hasCif: rows.map(() => false),
    X: { comp: [], struct: [], phys: [], obelix: [] } } };
}

test('trainSelected ships a model whose rows get per-row conformal intervals, wider far from the training rows', async () => {
  const { featureTable } = await import('./features.ts');
  const { rows, d } = data();
  const spec = { vocabulary: ['Li', 'O'], structure: false };
  const X = featureTable(rows, spec);
  const sd: SelectData = { ...d, X: { comp: X, struct: X, phys: X, obelix: X } };
  const cands: Candidate[] = [{ id: 'comp/gbt-cens/d3', features: 'comp', kind: 'gbt-cens', config: { gbtRounds: 20, gbtSubsample: 0.8 } },
    { id: 'phys/gbt-cens/d3', features: 'phys', kind: 'gbt-cens', config: { gbtRounds: 20, gbtSubsample: 0.8 } }];
  const { file, selection } = trainSelected(sd, cands, ['Li', 'O'], [], { k: 3, seed: 0, variant: 'selected' });
  assert.equal(selection.composition, 'comp/gbt-cens/d3');
  assert.ok(file.composition.conformal && file.composition.conformal.ref.length === 60);
  const near = { ...rows[0], id: 'near' };
  const far = { ...rows[0], id: 'far', trueComposition: 'Li9O1', cell: { a: 20, b: 4, c: 4, alpha: 90, beta: 90, gamma: 90 } };
  const [pn, pf] = predictRows(file, [near, far] as MaterialRow[], new Map());
  for (const p of [pn, pf]) {
    assert.equal(p.uncertaintyKind, 'conformal');
    assert.ok(p.interval68![0] < p.log10Sigma! && p.log10Sigma! < p.interval68![1] && p.interval90![1] - p.interval90![0] > p.interval68![1] - p.interval68![0]);
  }
  assert.ok(pf.uncertainty! > 1.5 * pn.uncertainty!, `far ${pf.uncertainty} vs near ${pn.uncertainty}`);
});

test('a shipped blend keeps both members and predicts their mean (also after a JSON round trip); an unknown element falls back to the median with calibrated intervals', async () => {
  const { featureTable } = await import('./features.ts');
  const { blend } = await import('./select.ts');
  const { rows, d } = data();
  const Xc = featureTable(rows, { vocabulary: ['Li', 'O'], structure: false });
  const Xo = featureTable(rows, { vocabulary: ['Li', 'O'], structure: false, obelix: true });
  const sd: SelectData = { ...d, X: { comp: Xc, struct: Xc, phys: Xc, obelix: Xo } };
  const gbt: Candidate = { id: 'comp/gbt-cens/d3', features: 'comp', kind: 'gbt-cens', config: { gbtRounds: 20, gbtSubsample: 0.8 } };
  const forest: Candidate = { id: 'obelix/forest', features: 'obelix', kind: 'forest', config: { forestTrees: 30 } };
  const b = blend([forest, gbt]);
  const { file } = trainSelected(sd, [b, forest, gbt], ['Li', 'O'], [], { k: 3, seed: 0, variant: 'no-structure' });
  // force the blend to be what ships, whatever the tiny CV preferred
  const { file: fb } = trainSelected(sd, [b], ['Li', 'O'], [], { k: 3, seed: 0, variant: 'selected' });
  assert.equal(fb.composition.candidate, b.id);
  assert.equal(fb.composition.blend?.length, 1);
  assert.ok(fb.composition.spec.obelix && !fb.composition.blend![0].spec.obelix);
  const back = JSON.parse(JSON.stringify(fb)) as typeof fb;
  const single = (sub: typeof fb.composition) => ({ ...fb, composition: { ...sub, conformal: undefined }, structure: { ...sub, conformal: undefined } });
  const q = rows.slice(0, 5);
  const pBlend = predictRows(back, q, new Map()).map((p) => p.log10Sigma!);
  const pForest = predictRows(single({ ...back.composition, blend: undefined }), q, new Map()).map((p) => p.log10Sigma!);
  const pGbt = predictRows(single({ ...back.composition, ...back.composition.blend![0], blend: undefined }), q, new Map()).map((p) => p.log10Sigma!);
  pBlend.forEach((v, i) => assert.ok(Math.abs(v - (pForest[i] + pGbt[i]) / 2) < 1e-9, `row ${i}`));
  // an element outside the training vocabulary: per-row error, median fallback, intervals from the held-out folds' medians
  const ag = { ...rows[0], id: 'ag', trueComposition: 'Li1Ag1O1' };
  const [pa, pn] = predictRows(file, [ag, rows[1]] as MaterialRow[], new Map());
  assert.match(pa.error!, /Ag outside the 2 elements/);
  assert.equal(pa.fallback, 'median');
  assert.equal(pa.log10Sigma, file.median);
  assert.ok(pa.interval90![1] - pa.interval90![0] > pa.interval68![1] - pa.interval68![0] && pa.interval68![1] - pa.interval68![0] > 0);
  assert.equal(pa.uncertaintyScope, 'global');
  assert.equal(pn.error, null);
  assert.ok(file.medianIntervals!.n >= 10 && file.medianIntervals!.n <= 60);
});

test('a file whose two sides hold the same fitted model stores it once and reads back to the same predictions', async () => {
  const { featureTable } = await import('./features.ts');
  const { packModelFile, unpackModelFile } = await import('./model.ts');
  const { rows, d } = data();
  const X = featureTable(rows, { vocabulary: ['Li', 'O'], structure: false });
  const sd: SelectData = { ...d, X: { comp: X, struct: X, phys: X, obelix: X } };
  const { file } = trainSelected(sd, [{ id: 'comp/forest', features: 'comp', kind: 'forest', config: { forestTrees: 10 } }], ['Li', 'O'], [], { k: 3, seed: 0, variant: 'selected' });
  const packed = JSON.stringify(packModelFile(file));
  assert.ok(packed.length < 0.7 * JSON.stringify(file).length, 'one copy of the forest');
  const back = unpackModelFile(JSON.parse(packed));
  assert.deepEqual(predictRows(back, rows.slice(0, 4), new Map()), predictRows(file, rows.slice(0, 4), new Map()));
});

test('the median fallback is calibrated on the rows holding an element the other folds lack, and falls back to every exact row when too few', async () => {
  const { medianFallback } = await import('./ship.ts');
  const mk = (n: number, rare: number): SelectData => {
    const rows = Array.from({ length: n }, (_, i) => ({ id: `r${i}`, trueComposition: i < rare ? `Li1X${['Na', 'K', 'Rb', 'Cs', 'Mg', 'Ca', 'Sr', 'Ba', 'Zn', 'Cd', 'Ga', 'In'][i]}1O1`.replace('X', '') : 'Li1O1' })) as unknown as MaterialRow[];
    // rare rows sit far from the median (|y - m| = 6), the others close (0.1 steps)
    return { rows, targets: rows.map((_, i) => ({ value: i < rare ? -10 : -4 + 0.01 * i, censored: false })), hasCif: rows.map(() => false), X: { comp: [], struct: [], phys: [], obelix: [] } };
  };
  const folds = Array.from({ length: 60 }, (_, i) => i % 3);
  const r = medianFallback(mk(60, 12), folds);
  assert.equal(r.medianIntervals!.calibratedOn, 'unseen-element');
  assert.equal(r.medianIntervals!.n, 12);
  assert.ok(r.medianIntervals!.halfWidths[0] > 5, JSON.stringify(r));
  const few = medianFallback(mk(60, 3), folds);
  assert.equal(few.medianIntervals!.calibratedOn, 'all');
  assert.equal(few.medianIntervals!.n, 60);
});

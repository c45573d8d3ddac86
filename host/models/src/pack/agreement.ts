/**
 * Agreement statistics between a score and a reference, as used to compare the pack model's risk
 * with a label column of a BMS export: Pearson correlation, the Mann-Whitney U test of the scores
 * of positive vs negative references (with its AUC = U / (n1 n0) and a two-sided normal-
 * approximation p-value with tie correction), and Bland-Altman bias and 95% limits of agreement
 * (mean of score - reference, +-1.96 sample SD). Pure; every function says when it returns null.
 */

/** Pearson's r, or null for fewer than 3 pairs or a constant side. */
export function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = Math.min(x.length, y.length);
  if (n < 3) return null;
  let mx = 0, my = 0;
  for (let k = 0; k < n; k++) { mx += x[k] / n; my += y[k] / n; }
  let sxy = 0, sxx = 0, syy = 0;
  for (let k = 0; k < n; k++) { sxy += (x[k] - mx) * (y[k] - my); sxx += (x[k] - mx) ** 2; syy += (y[k] - my) ** 2; }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}

/** Standard normal CDF (Abramowitz & Stegun 26.2.17, absolute error < 7.5e-8). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const d = 0.3989422804014327 * Math.exp(-z * z / 2);
  const p = d * t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return z >= 0 ? 1 - p : p;
}

/** Mann-Whitney U of the positives' scores against the negatives'. */
export interface MannWhitney { u: number; auc: number; z: number; p: number; nPos: number; nNeg: number }

/**
 * Mann-Whitney U test of `scores` split by `positive`; null when either group is empty.
 * U counts pairs (positive above negative, ties 1/2); z uses the tie-corrected variance.
 */
export function mannWhitney(scores: readonly number[], positive: readonly boolean[]): MannWhitney | null {
  const n = scores.length;
  const order = scores.map((s, k) => [s, k] as const).sort((a, b) => a[0] - b[0]);
  const rank = new Array<number>(n);
  let tie = 0;
  for (let a = 0; a < n;) {
    let b = a;
    while (b + 1 < n && order[b + 1][0] === order[a][0]) b++;
    for (let j = a; j <= b; j++) rank[order[j][1]] = (a + b) / 2 + 1;
    const t = b - a + 1;
    tie += t ** 3 - t;
    a = b + 1;
  }
  const n1 = positive.filter(Boolean).length, n0 = n - n1;
  if (n1 === 0 || n0 === 0) return null;
  const r1 = rank.reduce((s, r, k) => s + (positive[k] ? r : 0), 0);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const sd = Math.sqrt(((n1 * n0) / 12) * ((n + 1) - tie / (n * (n - 1))));
  const z = sd > 0 ? (u - (n1 * n0) / 2) / sd : 0;
  return { u, auc: u / (n1 * n0), z, p: 2 * (1 - normalCdf(Math.abs(z))), nPos: n1, nNeg: n0 };
}

/** Bland-Altman of score - reference. */
export interface BlandAltman { bias: number; sd: number; lower: number; upper: number; n: number }

/** Bland-Altman bias and 95% limits of agreement; null for fewer than 2 pairs. */
export function blandAltman(score: readonly number[], ref: readonly number[]): BlandAltman | null {
  const n = Math.min(score.length, ref.length);
  if (n < 2) return null;
  const d = Array.from({ length: n }, (_, k) => score[k] - ref[k]);
  const bias = d.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - bias) ** 2, 0) / (n - 1));
  return { bias, sd, lower: bias - 1.96 * sd, upper: bias + 1.96 * sd, n };
}

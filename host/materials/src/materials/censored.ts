/**
 * Censored squared loss for upper-bound targets (left-censored log10 conductivities, `<1E-10`).
 *
 * For an exact target y: (f - y)². For an upper bound b (the true value is only known to be
 * <= b): max(0, f - b)², i.e. a prediction at or below the bound costs nothing and one above it
 * is penalized quadratically. This is the squared-hinge analogue of a Tobit-style censored
 * likelihood; it needs no assumption about how far below the bound the true value lies.
 * Gradient boosting fits trees to the negative gradient (J. H. Friedman, "Greedy function
 * approximation: a gradient boosting machine", Ann. Statist. 29 (2001) 1189), which for this
 * loss is (y - f) for exact rows and min(0, b - f) for bounds (halved constant dropped).
 */

/** Loss of one prediction. */
export function censoredLoss(pred: number, target: number, censored: boolean): number {
  const d = pred - target;
  return censored ? (d > 0 ? d * d : 0) : d * d;
}

/** Mean censored loss over arrays of equal length. @throws RangeError on length mismatch. */
export function meanCensoredLoss(pred: readonly number[], target: readonly number[], censored: readonly boolean[]): number {
  if (pred.length !== target.length || pred.length !== censored.length) throw new RangeError('length mismatch');
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += censoredLoss(pred[i], target[i], censored[i]);
  return pred.length > 0 ? s / pred.length : 0;
}

/**
 * Negative gradient (pseudo-residual, up to the factor 2) of the censored loss per row: the
 * values the next boosting tree is fitted to. Zero for bound rows predicted at or below the bound.
 */
export function censoredResiduals(pred: readonly number[], target: readonly number[], censored: readonly boolean[]): number[] {
  return pred.map((f, i) => (censored[i] ? Math.min(0, target[i] - f) : target[i] - f));
}

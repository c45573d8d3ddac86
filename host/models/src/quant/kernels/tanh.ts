/**
 * TANH int8 -> int8, TFLite Micro's integer reference (reference_integer_ops::Tanh with tanh.cc's
 * scaling): the LOGISTIC input path (logistic.ts), gemmlowp tanh, then RoundingDivideByPOT(., 24)
 * clamped to int8. Output zero point 0 and scale 1/128 (within 1%; TFLite Micro checks neither).
 */
import {
  INT32_MAX, expOnNegativeValues, roundingDivideByPOT, roundingHalfSum, saturatingRoundingDoublingHighMul as mul,
  saturatingRoundingMultiplyByPOT,
} from '../fixedpoint.ts';
import { clamp, type OpSite, type PreparedOp } from './common.ts';
import { prepareSigmoidLike } from './logistic.ts';

/**
 * gemmlowp one_minus_x_over_one_plus_x_for_x_in_0_1 on Q0.31 raw values: three Newton-Raphson
 * steps on Q2.29 values, then Rescale<0>(x - 1).
 */
export function oneMinusXOverOnePlusX(a: number): number {
  const halfDenominator = roundingHalfSum(a, INT32_MAX);
  const oneQ2 = 1 << 29;
  let x = (1515870810 + mul(halfDenominator, -1010580540)) | 0;
  for (let i = 0; i < 3; i++) {
    const oneMinus = (oneQ2 - mul(halfDenominator, x)) | 0;
    x = (x + saturatingRoundingMultiplyByPOT(mul(x, oneMinus), 2)) | 0;
  }
  return saturatingRoundingMultiplyByPOT((x - oneQ2) | 0, 2);
}

/**
 * gemmlowp tanh of a Q4.27 raw value, as a Q0.31 raw value: t = (1 - e) / (1 + e) with
 * e = exp(-2|a|) (the same raw read as Q5.26), negated for a < 0.
 */
export function tanhQ4(a: number): number {
  if (a === 0) return 0;
  const t = oneMinusXOverOnePlusX(expOnNegativeValues(-Math.abs(a), 5));
  return a < 0 ? -t : t;
}

/**
 * Validates a TANH op.
 *
 * @throws InputError (code `E_MODEL`) when input/output are not int8 per-tensor of the same shape,
 *   the output is not zero point 0 and scale 1/128 (within 1%), or the input scale is out of range.
 */
export function prepareTanh(site: OpSite): PreparedOp {
  return prepareSigmoidLike(site, 1 / 128, 0, (q4) => clamp(roundingDivideByPOT(tanhQ4(q4), 24), -128, 127));
}

// Fixed-point primitives: exact-integer references (BigInt transcriptions of the C formulas),
// hand-computed values, and accuracy of the gemmlowp transcendental approximations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  INT32_MAX, INT32_MIN, calculateInputRadius, expOnNegativeValues, frexp, getReciprocal, multiplyByQuantizedMultiplier,
  oneOverOnePlusXForXIn01, preprocessSoftmaxScaling, quantizeMultiplier, roundingDivideByPOT, roundingHalfSum,
  saturatingRoundingDoublingHighMul,
} from './fixedpoint.ts';
import { xorshift } from '@dendra/core/tflite/fixtures.ts';

/** SaturatingRoundingDoublingHighMul on int64 (C++ `/` truncates toward zero, as BigInt does). */
function srdhmRef(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n));
}

const EDGES = [INT32_MIN, INT32_MIN + 1, -(2 ** 30), -65537, -65536, -1, 0, 1, 65535, 65536, 2 ** 30, INT32_MAX - 1, INT32_MAX];

test('saturatingRoundingDoublingHighMul equals the int64 formula on edges and 200k random pairs', () => {
  for (const a of EDGES) for (const b of EDGES) assert.equal(saturatingRoundingDoublingHighMul(a, b), srdhmRef(a, b), `${a} x ${b}`);
  const rnd = xorshift(2024);
  for (let i = 0; i < 200000; i++) {
    const a = rnd() | 0;
    const b = i % 3 === 0 ? (rnd() & 0xffff) - 32768 : rnd() | 0;
    assert.equal(saturatingRoundingDoublingHighMul(a, b), srdhmRef(a, b), `${a} x ${b}`);
  }
});

test('saturatingRoundingDoublingHighMul: ties of x * 0.5 round toward +inf (gemmlowp nudge)', () => {
  assert.equal(saturatingRoundingDoublingHighMul(5, 2 ** 30), 3); // 2.5 -> 3
  assert.equal(saturatingRoundingDoublingHighMul(-5, 2 ** 30), -2); // -2.5 -> -2
  assert.equal(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN), INT32_MAX);
});

test('roundingDivideByPOT rounds to nearest, ties away from zero', () => {
  const cases: [number, number, number][] = [
    [5, 1, 3], [-5, 1, -3], [4, 1, 2], [-3, 1, -2], [7, 2, 2], [6, 2, 2], [-6, 2, -2], [-7, 2, -2], [-5, 2, -1],
    [INT32_MAX, 31, 1], [INT32_MIN, 31, -1], [123, 0, 123], [1, 31, 0],
  ];
  for (const [x, e, want] of cases) assert.equal(roundingDivideByPOT(x, e), want, `${x} / 2^${e}`);
});

test('frexp matches the definition on normal, tiny and subnormal values', () => {
  for (const v of [1, 0.5, 0.75, 3, 1e-300, 5e-324, 2 ** -1030 * 3, 123456.789, -0.3]) {
    const [m, e] = frexp(v);
    assert.ok(Math.abs(m) >= 0.5 && Math.abs(m) < 1, `mantissa of ${v}`);
    assert.equal(m * 2 ** e, v);
  }
  assert.deepEqual(frexp(0), [0, 0]);
});

test('quantizeMultiplier: known values and the 2^31 carry', () => {
  assert.deepEqual(quantizeMultiplier(0), { multiplier: 0, shift: 0 });
  assert.deepEqual(quantizeMultiplier(0.5), { multiplier: 2 ** 30, shift: 0 });
  assert.deepEqual(quantizeMultiplier(1), { multiplier: 2 ** 30, shift: 1 });
  assert.deepEqual(quantizeMultiplier(0.75), { multiplier: 1610612736, shift: 0 });
  assert.deepEqual(quantizeMultiplier(0.1), { multiplier: 1717986918, shift: -3 }); // round(0.8 * 2^31)
  assert.deepEqual(quantizeMultiplier(1 - 2 ** -40), { multiplier: 2 ** 30, shift: 1 }); // q*2^31 rounds to 2^31
  assert.deepEqual(quantizeMultiplier(2 ** -40), { multiplier: 0, shift: 0 }); // shift < -31 flushes
  assert.throws(() => quantizeMultiplier(-1), RangeError);
});

test('multiplyByQuantizedMultiplier equals the double-rounding formula (BigInt) on random values', () => {
  const rnd = xorshift(77);
  for (let i = 0; i < 50000; i++) {
    const real = 2 ** (-(rnd() % 20)) * (0.5 + (rnd() % 1000) / 2000);
    const { multiplier, shift } = quantizeMultiplier(real);
    const x = ((rnd() % 2000001) - 1000000) | 0;
    const left = Math.max(shift, 0);
    const want = roundingDivideByPOT(srdhmRef(x * 2 ** left, multiplier), Math.max(-shift, 0));
    assert.equal(multiplyByQuantizedMultiplier(x, multiplier, shift), want);
    assert.ok(Math.abs(want - x * real) <= 1, `${x} * ${real}`);
  }
});

test('preprocessSoftmaxScaling and calculateInputRadius for beta 1, input scale 0.1f', () => {
  const s = preprocessSoftmaxScaling(1, Math.fround(0.1), 5);
  assert.equal(s.leftShift, 23); // 0.1f * 2^26 = 6710886.5 = 0.8 * 2^23
  assert.ok(Math.abs(s.multiplier * 2 ** (s.leftShift - 31) - Math.fround(0.1) * 2 ** 26) < 2 ** -6);
  assert.equal(calculateInputRadius(5, 23), 248); // floor(31 * 2^26 / 2^23)
  assert.equal(calculateInputRadius(5, 31), 0);
});

test('expOnNegativeValues (Q5.26 -> Q0.31) is within 3e-7 of exp (4th-order Taylor on quarter intervals) and exact at 0', () => {
  assert.equal(expOnNegativeValues(0, 5), INT32_MAX);
  const rnd = xorshift(5);
  for (let i = 0; i < 20000; i++) {
    const a = -(rnd() % (32 * 2 ** 26));
    const got = expOnNegativeValues(a, 5) / 2 ** 31;
    assert.ok(Math.abs(got - Math.exp(a / 2 ** 26)) < 3e-7, `exp(${a / 2 ** 26}) = ${got}`);
  }
});

test('oneOverOnePlusXForXIn01 is within 4e-9 of 1/(1+x)', () => {
  for (let i = 0; i <= 1000; i++) {
    const raw = Math.min(INT32_MAX, Math.round((i / 1000) * 2 ** 31));
    const got = oneOverOnePlusXForXIn01(raw) / 2 ** 31;
    assert.ok(Math.abs(got - 1 / (1 + raw / 2 ** 31)) < 4e-9, `x = ${raw / 2 ** 31}: ${got}`);
  }
});

test('getReciprocal of a Q12.19 sum: value and scale', () => {
  const sum = 3 * 2 ** 19; // 3.0
  const { reciprocal, numBitsOverUnit } = getReciprocal(sum, 12);
  // 3 = 1.5 * 2^1: clz(3 * 2^19) = 11, numBitsOverUnit = 12 - 11 = 1, reciprocal = 1 / 1.5 in Q0.31.
  assert.equal(numBitsOverUnit, 1);
  assert.ok(Math.abs(reciprocal / 2 ** 31 - 2 / 3) < 4e-9);
  assert.ok(Math.abs((reciprocal / 2 ** 31) * 2 ** -numBitsOverUnit - 1 / 3) < 4e-9);
  assert.equal(roundingHalfSum(3, 4), 4);
  assert.equal(roundingHalfSum(-3, -4), -4);
});

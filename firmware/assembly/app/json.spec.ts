// The bounded JSON writer's number and `top` formatting (json.ts).
import { jsonReset, jsonPtr, jsonLen, jsonOverflowed, jsonByte, jsonFixed, jsonFixed2, jsonTop } from "./json";
import * as X from "../texts";

/** The payload so far as a string. */
function text(): string {
  return String.UTF8.decodeUnsafe(jsonPtr(), jsonLen());
}

function fixed(v: f64, d: i32): string {
  jsonReset();
  jsonFixed(v, d);
  return text();
}

const NAMES: u32[] = [X.OT, X.HUFL, X.MULL];
function nameAt(i: i32): u32 { return NAMES[i]; }
function valueAt(i: i32): f64 { return <f64>i * 1.23456 - 1.0; }

describe("jsonFixed", () => {
  it("rounds half away from zero at the given number of decimals", () => {
    expect(fixed(1.005, 2)).toBe("1.00"); // 1.005 is 1.00499.. in binary
    expect(fixed(2.5, 0)).toBe("3");
    expect(fixed(-2.5, 0)).toBe("-3");
    expect(fixed(0.74218750, 4)).toBe("0.7422");
    expect(fixed(-0.00005, 4)).toBe("-0.0001");
    expect(fixed(12.3, 4)).toBe("12.3000");
    expect(fixed(0.0, 2)).toBe("0.00");
  });

  it("non-finite and too large values are null", () => {
    expect(fixed(NaN, 2)).toBe("null");
    expect(fixed(Infinity, 4)).toBe("null");
    expect(fixed(2e15, 2)).toBe("null");
    expect(fixed(9e14, 2)).toBe("900000000000000.00");
  });

  it("jsonFixed2 is two decimals", () => {
    jsonReset();
    jsonFixed2(81.234);
    expect(text()).toBe("81.23");
  });
});

describe("jsonTop", () => {
  it("writes one object per input with the key and decimals asked for", () => {
    jsonReset();
    const head = '{"v":1';
    for (let i = 0; i < head.length; i++) jsonByte(<u8>head.charCodeAt(i));
    jsonTop(3, nameAt, X.K_DELTA_C, valueAt, 2);
    expect(text()).toBe('{"v":1,"top":[{"input":"OT","delta_c":-1.00},{"input":"HUFL","delta_c":0.23},{"input":"MULL","delta_c":1.47}]');
  });

  it("writes nothing for no inputs", () => {
    jsonReset();
    jsonTop(0, nameAt, X.K_WEIGHT, valueAt, 4);
    expect(jsonLen()).toBe(0);
    expect(jsonOverflowed()).toBe(false);
  });
});

// The command parser (app/cmdparse.ts) on well-formed, hostile and truncated inputs: it accepts one
// flat object of the known fields, each once and of the right type, reads only [ptr, ptr+len), and
// says why it refuses (the reply's `error`, docs/mqtt.md "Commands").
import {
  cmdParse, cmdOpIs, cmdIdLen, cmdIdPtr, cmdLimitC, cmdHysteresisC, cmdVersion, CMD_ID_MAX,
} from "./cmdparse";
import * as X from "../texts";
import { txt } from "../../tests/texts";

function parse(s: string): string | null {
  const b = String.UTF8.encode(s);
  return txt(cmdParse(changetype<usize>(b), <u32>b.byteLength));
}

/** Parses raw bytes (not necessarily UTF-8). */
function parseBytes(bytes: u8[]): string | null {
  const b = new ArrayBuffer(bytes.length);
  for (let i = 0; i < bytes.length; i++) store<u8>(changetype<usize>(b) + i, bytes[i]);
  return txt(cmdParse(changetype<usize>(b), <u32>bytes.length));
}

/** The bytes of ASCII `s` with `mid` inserted at offset `at`. */
function withBytes(s: string, at: i32, mid: u8[]): u8[] {
  const out: u8[] = [];
  for (let i = 0; i < at; i++) out.push(<u8>s.charCodeAt(i));
  for (let i = 0; i < mid.length; i++) out.push(mid[i]);
  for (let i = at; i < s.length; i++) out.push(<u8>s.charCodeAt(i));
  return out;
}

function id(): string {
  return String.UTF8.decodeUnsafe(cmdIdPtr(), <usize>cmdIdLen());
}

function expectAll(cases: string[], why: string): void {
  for (let i = 0; i < cases.length; i++) expect(parse(cases[i])).toBe(why, cases[i]);
}

describe("cmdParse", () => {
  it("reads v, id, op and the set-limit numbers, with any whitespace", () => {
    expect(parse('{"v":1,"id":"a1","op":"ping"}')).toBeNull();
    expect(id()).toBe("a1");
    expect(cmdOpIs(X.OP_PING)).toBe(true);
    expect(cmdOpIs(X.OP_STATUS)).toBe(false);
    expect(parse('{"v":1,"id":"a1","op":"pin"}')).toBeNull();
    expect(cmdOpIs(X.OP_PING)).toBe(false); // a prefix is another op
    expect(parse(' { "v" : 1 , "id":"x.y_Z-9", "op":"set-limit", "limit_c": 85.25,\n\t"hysteresis_c":-0.5 } ')).toBeNull();
    expect(cmdLimitC()).toBeCloseTo(85.25);
    expect(cmdHysteresisC()).toBeCloseTo(-0.5);
    expect(cmdVersion()).toBe(1.0);
    expect(id()).toBe("x.y_Z-9");
    expect(parse('{"v":1.0,"id":"a","op":"set-limit","limit_c":0,"hysteresis_c":-0.125}')).toBeNull();
    expect(cmdLimitC()).toBe(0.0);
    expect(cmdHysteresisC()).toBe(-0.125);
    expect(parse('{"v":1,"id":"a","op":"set-limit","limit_c":1234567890123,"hysteresis_c":1.234567890123}')).toBeNull();
    expect(cmdLimitC()).toBe(1234567890123.0);
  });

  it("refuses an empty payload as `empty` (no id)", () => {
    expect(parse("")).toBe("empty");
    expect(cmdIdLen()).toBe(0);
  });

  it("refuses what is not one flat JSON object as `malformed`", () => {
    expectAll([
      "   ", "not json", "[1]", '"x"', "1", '{"v":1,"id":"a"', '{"v":1,"id":"a",}', '{"v":1 "id":"a"}', '{"v" 1}',
      '{"v":1,"id":"a\\"b"}', '{"v":1,"id":"a","op":"p\\u0069ng"}', '{v:1}', "{'v':1}", "{,}", '{"v":1,,"id":"a"}',
    ], "malformed");
  });

  it("refuses trailing bytes after the object as `malformed`", () => {
    expectAll([
      '{"v":1,"id":"a","op":"ping"} x', '{"v":1,"id":"a","op":"ping"}}', '{"v":1,"id":"a","op":"ping"}{}',
      '{"v":1,"id":"a","op":"ping"}\x00', '{"v":1,"id":"a","op":"ping"},',
    ], "malformed");
  });

  it("refuses numbers outside the subset (exponent, leading zero, lone sign or dot, > 13 digits) as `malformed`", () => {
    expectAll([
      '{"v":1e0,"id":"a"}', '{"v":1E0,"id":"a"}', '{"v":01,"id":"a"}', '{"v":-01,"id":"a"}', '{"v":1.,"id":"a"}',
      '{"v":-,"id":"a"}', '{"v":-.5,"id":"a"}', '{"v":1.2.3,"id":"a"}', '{"v":--1,"id":"a"}', '{"v":1-,"id":"a"}',
      '{"v":1,"id":"a","op":"set-limit","limit_c":12345678901234,"hysteresis_c":1}',
      '{"v":1,"id":"a","op":"set-limit","limit_c":1.2345678901234,"hysteresis_c":1}',
      '{"v":1,"id":"a","op":"set-limit","limit_c":' + "9".repeat(200) + ',"hysteresis_c":1}',
    ], "malformed");
  });

  it("refuses a key given twice as `duplicate key` (the first id stays for the reply)", () => {
    expect(parse('{"op":"ping","op":"set-limit"}')).toBe("duplicate key");
    expect(cmdIdLen()).toBe(0);
    expect(parse('{"v":1,"id":"d1","op":"ping","op":"set-limit","limit_c":10,"hysteresis_c":1}')).toBe("duplicate key");
    expect(id()).toBe("d1");
    expect(parse('{"v":1,"id":"d1","id":"d2","op":"ping"}')).toBe("duplicate key");
    expect(id()).toBe("d1");
    expectAll([
      '{"v":1,"v":1,"id":"a","op":"ping"}',
      '{"v":1,"id":"a","op":"set-limit","limit_c":50,"limit_c":60,"hysteresis_c":1}',
      '{"v":1,"id":"a","op":"set-limit","limit_c":50,"hysteresis_c":1,"hysteresis_c":2}',
    ], "duplicate key");
  });

  it("refuses a field the commands do not have, or one its op does not take, as `unknown field`", () => {
    expectAll([
      '{"v":1,"id":"a","op":"ping","note":"hi"}', '{"v":1,"id":"a","op":"ping","x":{"y":1}}',
      '{"x":1,"v":1,"id":"a","op":"ping"}', '{"v":1,"id":"a","op":"ping","":1}', '{"v":1,"id":"a","op":"ping","V":1}',
      '{"v":1,"id":"a","op":"ping","id ":"b"}', '{"v":1,"id":"a","op":"ping","limit_c":50}',
      '{"v":1,"id":"a","op":"status","hysteresis_c":1}', '{"v":1,"id":"a","op":"ping","limit_c_":50}',
    ], "unknown field");
  });

  it("refuses a value of the wrong type as `wrong type`, without parsing inside it", () => {
    expectAll([
      '{"v":"1","id":"a","op":"ping"}', '{"v":1,"id":7,"op":"ping"}', '{"v":1,"id":"a","op":true}',
      '{"v":1,"id":"a","op":null}', '{"v":1,"id":"a","op":["ping"]}', '{"v":1,"id":{"x":"a"},"op":"ping"}',
      '{"v":1,"id":"a","op":"set-limit","limit_c":"50","hysteresis_c":1}', '{"v":1,"id":"a","op":"set-limit","limit_c":50,"hysteresis_c":false}',
    ], "wrong type");
    // A value that starts as neither a string nor a number is not one of the two types a field takes.
    expectAll(['{"v":.5,"id":"a"}', '{"v":+1,"id":"a"}', '{"v":1,"id":a}', '{"v":1,"id":}'], "wrong type");
    // Deep nesting: refused at its first byte, whatever follows (no recursion, nothing read inside).
    expect(parse('{"v":1,"id":"a","op":' + "[".repeat(200) + "]".repeat(200) + "}")).toBe("wrong type");
    expect(parse('{"v":' + "{".repeat(240))).toBe("wrong type");
    expect(parse("[".repeat(256))).toBe("malformed");
  });

  it("refuses non-ASCII and control bytes in strings (the id's, the op's, a key's)", () => {
    const okCmd = '{"v":1,"id":"ab","op":"ping"}';
    expect(parseBytes(withBytes(okCmd, 13, [0xc3, 0xa9]))).toBe("bad id"); // é inside the id
    expect(parseBytes(withBytes(okCmd, 13, [0xff]))).toBe("bad id"); // not UTF-8
    expect(parseBytes(withBytes(okCmd, 23, [0xed, 0xa0, 0x80]))).toBeNull(); // a UTF-16 surrogate in UTF-8 form in the op:
    expect(cmdOpIs(X.OP_PING)).toBe(false); // no op the board knows (app/cmd.ts answers `unknown op`)
    expect(parseBytes(withBytes(okCmd, 2, [0xc0, 0xb6]))).toBe("unknown field"); // an overlong encoding inside the key "v"
    expect(parseBytes(withBytes(okCmd, 13, [0x00]))).toBe("malformed"); // control bytes end the parse
    expect(parseBytes(withBytes(okCmd, 13, [0x0a]))).toBe("malformed");
  });

  it("checks the id, the op's length, the version", () => {
    expect(parse('{"v":1,"op":"ping"}')).toBe("missing id");
    expect(parse('{"v":1,"id":"","op":"ping"}')).toBe("bad id");
    expect(parse('{"v":1,"id":"a b","op":"ping"}')).toBe("bad id");
    expect(parse('{"v":1,"id":"' + "x".repeat(CMD_ID_MAX + 1) + '","op":"ping"}')).toBe("bad id");
    expect(parse('{"v":1,"id":"' + "x".repeat(CMD_ID_MAX) + '","op":"ping"}')).toBeNull();
    expect(parse('{"v":2,"id":"a","op":"ping"}')).toBe("unsupported version");
    expect(parse('{"v":-1,"id":"a","op":"ping"}')).toBe("unsupported version");
    expect(parse('{"id":"a","op":"ping"}')).toBe("unsupported version");
    expect(parse('{"v":1,"id":"a","op":"' + "o".repeat(17) + '"}')).toBe("unknown op");
    expect(parse('{"v":1,"id":"a","op":""}')).toBe("unknown op");
  });

  it("keeps the id read before an error (the error reply carries it)", () => {
    expect(parse('{"v":1,"id":"keep","op":"ping","x":{}}')).toBe("unknown field");
    expect(id()).toBe("keep");
    expect(parse("garbage")).toBe("malformed");
    expect(cmdIdLen()).toBe(0);
  });

  it("never reads past len: a prefix of a valid command is refused", () => {
    const s = '{"v":1,"id":"a1","op":"ping"}';
    const b = String.UTF8.encode(s);
    for (let n = 0; n < b.byteLength; n++) expect(txt(cmdParse(changetype<usize>(b), <u32>n))).not.toBeNull();
    expect(txt(cmdParse(changetype<usize>(b), <u32>b.byteLength))).toBeNull();
  });
});

// The command parser (app/cmdparse.ts) on well-formed, hostile and truncated inputs: it accepts one
// flat object, reads only [ptr, ptr+len), and says why it refuses.
import {
  cmdParse, cmdOpIs, cmdIdLen, cmdIdPtr, cmdLimitC, cmdHysteresisC, cmdVersion, CMD_ID_MAX,
} from "./cmdparse";
import * as X from "../texts";
import { txt } from "../../tests/texts";

function parse(s: string): string | null {
  const b = String.UTF8.encode(s);
  return txt(cmdParse(changetype<usize>(b), <u32>b.byteLength));
}

function id(): string {
  return String.UTF8.decodeUnsafe(cmdIdPtr(), <usize>cmdIdLen());
}

describe("cmdParse", () => {
  it("reads v, id, op and the set-limit numbers; skips other fields", () => {
    expect(parse('{"v":1,"id":"a1","op":"ping"}')).toBeNull();
    expect(id()).toBe("a1");
    expect(cmdOpIs(X.OP_PING)).toBe(true);
    expect(cmdOpIs(X.OP_STATUS)).toBe(false);
    expect(parse('{"v":1,"id":"a1","op":"pin"}')).toBeNull();
    expect(cmdOpIs(X.OP_PING)).toBe(false); // a prefix is another op
    expect(parse(' { "v" : 1 , "id":"x.y_Z-9", "op":"set-limit", "limit_c": 85.25, "hysteresis_c":-0.5, "note":"hi", "f":false, "n":null } ')).toBeNull();
    expect(cmdLimitC()).toBeCloseTo(85.25);
    expect(cmdHysteresisC()).toBeCloseTo(-0.5);
    expect(cmdVersion()).toBe(1.0);
    expect(id()).toBe("x.y_Z-9");
  });

  it("refuses what is not one flat JSON object", () => {
    const bad = [
      "", "   ", "not json", "[1]", '{"v":1,"id":"a"', '{"v":1,"id":"a",}', '{"v":1 "id":"a"}', '{"v":1,"id":"a","x":{"y":1}}',
      '{"v":1,"id":"a","x":[1]}', '{"v":1,"id":"a\\"b"}', '{"v":1,"id":"a","l":1e3}', '{"v":1,"id":"a","l":1.}',
      '{"v":1,"id":"a","l":-}', '{"v":1,"id":"a","l":12345678901234}', '{"v":1,"id":"a"} x', '{"v":1,"id":"a","t":tru}',
    ];
    for (let i = 0; i < bad.length; i++) expect(parse(bad[i])).toBe("malformed", bad[i]);
  });

  it("checks the id, the version and the field count", () => {
    expect(parse('{"v":1,"op":"ping"}')).toBe("missing id");
    expect(parse('{"v":1,"id":"","op":"ping"}')).toBe("bad id");
    expect(parse('{"v":1,"id":"a b","op":"ping"}')).toBe("bad id");
    expect(parse('{"v":1,"id":"' + "x".repeat(CMD_ID_MAX + 1) + '","op":"ping"}')).toBe("bad id");
    expect(parse('{"v":1,"id":"' + "x".repeat(CMD_ID_MAX) + '","op":"ping"}')).toBeNull();
    expect(parse('{"v":2,"id":"a","op":"ping"}')).toBe("unsupported version");
    expect(parse('{"id":"a","op":"ping"}')).toBe("unsupported version");
    expect(parse('{"v":1,"id":"a","op":"' + "o".repeat(17) + '"}')).toBe("unknown op");
    let many = '{"v":1,"id":"a"';
    for (let i = 0; i < 20; i++) many += ',"k' + i.toString() + '":1';
    expect(parse(many + "}")).toBe("malformed");
  });

  it("keeps the id read before an error (the error reply carries it)", () => {
    expect(parse('{"v":1,"id":"keep","op":"ping","x":{}}')).toBe("malformed");
    expect(id()).toBe("keep");
    expect(parse("garbage")).toBe("malformed");
    expect(cmdIdLen()).toBe(0);
  });

  it("never reads past len: a prefix of a valid command is malformed", () => {
    const s = '{"v":1,"id":"a1","op":"ping"}';
    const b = String.UTF8.encode(s);
    for (let n = 0; n < b.byteLength; n++) expect(txt(cmdParse(changetype<usize>(b), <u32>n))).not.toBeNull();
    expect(txt(cmdParse(changetype<usize>(b), <u32>b.byteLength))).toBeNull();
  });
});

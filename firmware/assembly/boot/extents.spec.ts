// Receive table of a windowed transfer (extents.ts): the contiguous prefix and out-of-order extents.
import { rxAdd, rxReceived, rxReset, MAX_EXTENTS, RX_TABLE_BYTES } from "./extents";

const t: usize = memory.data(RX_TABLE_BYTES);

describe("receive table", () => {
  beforeEach(() => { rxReset(t); });

  it("in-order writes advance the prefix; a rewrite below it changes nothing", () => {
    rxAdd(t, 0, 100);
    rxAdd(t, 100, 50);
    expect(rxReceived(t)).toBe(150);
    rxAdd(t, 20, 30);
    expect(rxReceived(t)).toBe(150);
  });

  it("a write beyond a hole waits until the hole fills, then the prefix jumps over every extent it reaches", () => {
    rxAdd(t, 0, 100);
    rxAdd(t, 200, 100); // hole [100, 200)
    rxAdd(t, 300, 50);
    rxAdd(t, 500, 10);  // a second hole [350, 500)
    expect(rxReceived(t)).toBe(100);
    rxAdd(t, 100, 100);
    expect(rxReceived(t)).toBe(350);
    rxAdd(t, 350, 150);
    expect(rxReceived(t)).toBe(510);
  });

  it("extents reached in reverse order merge in one write", () => {
    rxAdd(t, 300, 100);
    rxAdd(t, 200, 100);
    rxAdd(t, 100, 100);
    expect(rxReceived(t)).toBe(0);
    rxAdd(t, 0, 100);
    expect(rxReceived(t)).toBe(400);
  });

  it("when MAX_EXTENTS are held, a further write beyond the hole is refused (false) and not recorded", () => {
    for (let i = 0; i < MAX_EXTENTS; i++) {
      expect(rxAdd(t, <u32>(1000 + 20 * i), 10)).toBe(true); // a hole of 10 bytes before each
    }
    expect(rxAdd(t, 5000, 10)).toBe(false);
    expect(rxAdd(t, 1010, 5)).toBe(true, "a write right after a held extent joins it");
    expect(rxAdd(t, 0, 1000)).toBe(true, "a write at the prefix is always taken");
    expect(rxReceived(t)).toBe(1015, "the refused write was not remembered (the joined one was)");
    for (let i = 0; i < MAX_EXTENTS; i++) rxAdd(t, <u32>(1010 + 20 * i), 10);
    expect(rxReceived(t)).toBe(1000 + 20 * MAX_EXTENTS);
  });

  it("frames in order behind one hole take one extent, however many they are; a resend inside an extent changes nothing", () => {
    for (let i = 1; i <= 4 * MAX_EXTENTS; i++) {
      expect(rxAdd(t, <u32>(100 * i), 100)).toBe(true);
    }
    rxAdd(t, 300, 50); // already held
    for (let i = 0; i < MAX_EXTENTS - 1; i++) rxAdd(t, <u32>(100000 + 100 * i), 10); // more holes fit beside it (past the run)
    expect(rxAdd(t, 200000, 10)).toBe(false);
    expect(rxReceived(t)).toBe(0);
    rxAdd(t, 0, 100);
    expect(rxReceived(t)).toBe(100 * (4 * MAX_EXTENTS + 1));
  });

  it("reset empties the table", () => {
    rxAdd(t, 100, 10);
    rxReset(t);
    rxAdd(t, 0, 10);
    expect(rxReceived(t)).toBe(10);
  });
});

// Receive table of a windowed transfer (extents.ts): the contiguous prefix and out-of-order extents.
import { rxAdd, rxFull, rxReceived, rxReset, MAX_EXTENTS, RX_TABLE_BYTES } from "./extents";

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

  it("when MAX_EXTENTS are held, a further write beyond the hole is refused (rxFull) and not recorded", () => {
    for (let i = 0; i < MAX_EXTENTS; i++) {
      expect(rxFull(t, <u32>(1000 + 10 * i))).toBe(false);
      rxAdd(t, <u32>(1000 + 10 * i), 10);
    }
    expect(rxFull(t, 5000)).toBe(true);
    expect(rxFull(t, 0)).toBe(false, "a write at the prefix is always taken");
    rxAdd(t, 5000, 10);
    rxAdd(t, 0, 1000);
    expect(rxReceived(t)).toBe(1000 + 10 * MAX_EXTENTS, "the refused write was not remembered");
  });

  it("reset empties the table", () => {
    rxAdd(t, 100, 10);
    rxReset(t);
    rxAdd(t, 0, 10);
    expect(rxReceived(t)).toBe(10);
  });
});

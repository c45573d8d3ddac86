// Test support (never shipped): texts of firmware/assembly/texts.ts as AssemblyScript strings.
import { txPtr, txLen } from "../assembly/texts";

/** Text `t` as a string; null for 0 (no text). */
export function txt(t: u32): string | null {
  return t == 0 ? null : String.UTF8.decodeUnsafe(txPtr(t), <usize>txLen(t));
}

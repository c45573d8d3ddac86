/** Firmware status codes (mirror of firmware/assembly/status.ts) and their one-line messages. */
export const FW_STATUS: Record<number, string> = {
  0: 'ok',
  [-1]: 'an offset or length points outside the model',
  [-2]: 'bad magic (not a TFLite model / not a Dendra slot)',
  [-3]: 'unsupported format version',
  [-4]: 'model uses an operator the firmware does not support',
  [-5]: 'model uses a tensor type the firmware does not support',
  [-6]: 'tensor shapes do not fit the operator',
  [-7]: 'missing or invalid quantization parameters',
  [-8]: 'model needs more arena than the board has',
  [-9]: 'model has more tensors or operators than the interpreter supports',
  [-10]: 'no valid model loaded',
  [-11]: 'SHA-256 of the stored image does not match',
  [-12]: 'flash error',
  [-13]: 'bad frame',
  [-14]: 'command not valid in this state',
  [-15]: 'image is larger than its slot',
  [-16]: 'missing or malformed Dendra metadata',
  [-17]: 'DMA error',
  [-18]: 'malformed model graph (tensor or operator indices, graph inputs/outputs, operator order)',
  [-19]: 'a GATHER index is outside its axis',
  [-20]: 'signature check failed (bad Ed25519 signature, or an unsigned model on a board that only accepts signed images)',
  [-21]: 'image is signed by a key this board does not trust',
  [-22]: 'image is for another board family',
  [-23]: 'image version is older than the one the board holds (downgrade refused)',
  [-24]: 'malformed signed image (magic, type, reserved bytes or lengths)',
  [-25]: 'signed image payload does not match the SHA-256 in its header (altered)',
  [-26]: 'malformed, oversized or unknown command',
  [-27]: 'command value out of range',
  [-28]: 'compressed WRITE data is not a valid raw deflate stream (or inflates past 4 KiB)',
};

/** The message for a firmware status code; never throws (unknown codes are named). */
export function fwStatusMessage(code: number): string {
  return FW_STATUS[code] ?? `unknown firmware status ${code}`;
}

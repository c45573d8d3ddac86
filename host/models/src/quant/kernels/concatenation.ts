/**
 * CONCATENATION int8 (TFLite Micro concatenation.cc): inputs of equal rank and dims except on
 * `axis`, each with exactly the output's scale and zero point (TFLite's int8 restriction, no
 * requantization), fused activation NONE; bytes copied block by block.
 */
import { elementCount, input, opError, output, perTensor, type OpSite, type PreparedOp, type Values } from './common.ts';

/**
 * Validates a CONCATENATION op.
 *
 * @throws InputError (code `E_MODEL`) when there are no inputs, a tensor is not int8, ranks or
 *   off-axis dims differ, the output axis dim is not the sum, the axis is out of range, the
 *   fused activation is not NONE, or an input's quantization differs from the output's.
 */
export function prepareConcatenation(site: OpSite): PreparedOp {
  const n = site.op.inputs.length;
  if (n < 1) opError(site, 'has no inputs');
  const y = output(site, 'int8');
  const yq = perTensor(site, y);
  const act = site.op.options.activation ?? 'NONE';
  if (act !== 'NONE') opError(site, `fused activation ${act} is not supported (TFLite int8: NONE only)`);
  const r = y.shape.length;
  let axis = site.op.options.axis ?? 0;
  if (axis < 0) axis += r;
  if (r < 1 || axis < 0 || axis >= r) opError(site, `axis ${site.op.options.axis ?? 0} does not fit output rank ${r}`);
  let sum = 0;
  const blocks: number[] = [];
  const outer = elementCount(y.shape.slice(0, axis));
  for (let k = 0; k < n; k++) {
    const t = input(site, k, 'int8');
    if (t.shape.length !== r || t.shape.some((d, i) => i !== axis && d !== y.shape[i])) opError(site, `input ${k} [${t.shape}] does not fit output [${y.shape}] on axis ${axis}`);
    const q = perTensor(site, t);
    if (q.scale !== yq.scale || q.zeroPoint !== yq.zeroPoint) opError(site, `input ${k} quantization differs from the output's (TFLite int8 does not rescale)`);
    sum += t.shape[axis];
    blocks.push(elementCount(t.shape) / outer);
  }
  if (sum !== y.shape[axis]) opError(site, `output axis ${axis} is ${y.shape[axis]}, inputs sum to ${sum}`);
  const ins = site.op.inputs.slice();
  const yi = site.op.outputs[0];
  return {
    eval(values: Values): void {
      const out = new Int8Array(elementCount(y.shape));
      let w = 0;
      for (let q = 0; q < outer; q++) {
        for (let k = 0; k < n; k++) {
          const src = values[ins[k]] as Int8Array;
          out.set(src.subarray(q * blocks[k], (q + 1) * blocks[k]), w);
          w += blocks[k];
        }
      }
      values[yi] = out;
    },
  };
}

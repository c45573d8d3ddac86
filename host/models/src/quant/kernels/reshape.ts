/** RESHAPE (TFLite reference: a copy of the bytes; only the shape changes). */
import { elementCount, opError, output, type OpSite, type PreparedOp, type Values } from './common.ts';

/**
 * Validates a RESHAPE op: input 0 and the output have the same type and element count (the
 * optional shape input 1 and options.newShape are not needed at run time: the output tensor's
 * shape is authoritative, as in TFLite with static shapes).
 *
 * @throws InputError (code `E_MODEL`) when input 0 is missing, types differ, or counts differ.
 */
export function prepareReshape(site: OpSite): PreparedOp {
  const xi = site.op.inputs[0];
  const x = xi !== undefined && xi >= 0 ? site.model.tensors[xi] : undefined;
  if (!x) opError(site, 'input 0 is missing');
  const y = output(site, x.type);
  if (elementCount(x.shape) !== elementCount(y.shape)) opError(site, `cannot reshape [${x.shape}] to [${y.shape}]`);
  if (site.op.options.newShape && elementCount(site.op.options.newShape) !== elementCount(y.shape)) {
    opError(site, `new_shape [${site.op.options.newShape}] does not match output [${y.shape}]`);
  }
  const yi = site.op.outputs[0];
  return {
    eval(values: Values): void {
      values[yi] = values[xi]!.slice();
    },
  };
}

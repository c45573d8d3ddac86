/**
 * GATHER (TFLite Micro gather.cc, reference Gather): params int8 (or int32), indices int32,
 * axis / batch_dims from the options (negative counts from the end); output shape
 * params[:axis] + indices[batch_dims:] + params[axis+1:]; bytes copied, no requantization.
 */
import { InputError } from '@dendra/core/errors.ts';
import { elementCount, input, opError, type OpSite, type PreparedOp, type Values } from './common.ts';

/**
 * Validates a GATHER op and precomputes its loop bounds.
 *
 * @throws InputError (code `E_MODEL`) when params are not int8/int32, indices not int32, the
 *   output type differs from params, axis/batch_dims are out of range, batch dims differ, or the
 *   output shape is not params[:axis] + indices[batch_dims:] + params[axis+1:].
 */
export function prepareGather(site: OpSite): PreparedOp {
  const params = site.model.tensors[site.op.inputs[0]];
  if (!params || (params.type !== 'int8' && params.type !== 'int32')) opError(site, 'params must be int8 or int32');
  const idx = input(site, 1, 'int32');
  if (site.op.outputs.length !== 1) opError(site, `has ${site.op.outputs.length} outputs, want 1`);
  const y = site.model.tensors[site.op.outputs[0]] ?? opError(site, 'output names a missing tensor');
  if (y.type !== params.type) opError(site, `output ${y.name} is ${y.type}, want ${params.type}`);
  const rp = params.shape.length;
  const ri = idx.shape.length;
  let axis = site.op.options.axis ?? 0;
  let bd = site.op.options.batchDims ?? 0;
  if (axis < 0) axis += rp;
  if (bd < 0) bd += ri;
  if (axis < 0 || axis >= rp || bd < 0 || bd > ri || bd > axis) opError(site, `axis ${axis} / batch_dims ${bd} do not fit params [${params.shape}] and indices [${idx.shape}]`);
  for (let d = 0; d < bd; d++) if (params.shape[d] !== idx.shape[d]) opError(site, `batch dim ${d} differs`);
  const want = [...params.shape.slice(0, axis), ...idx.shape.slice(bd), ...params.shape.slice(axis + 1)];
  if (want.length !== y.shape.length || want.some((d, i) => d !== y.shape[i])) opError(site, `output ${y.name} [${y.shape}] should be [${want}]`);
  const batch = elementCount(params.shape.slice(0, bd));
  const outer = elementCount(params.shape.slice(bd, axis));
  const axisSize = params.shape[axis];
  const inner = elementCount(params.shape.slice(axis + 1));
  const coords = elementCount(idx.shape.slice(bd));
  const [pi, ii, yi] = [site.op.inputs[0], site.op.inputs[1], site.op.outputs[0]];
  return {
    eval(values: Values): void {
      const src = values[pi] as Int8Array | Int32Array;
      const ix = values[ii] as Int32Array;
      const out = params.type === 'int8' ? new Int8Array(elementCount(y.shape)) : new Int32Array(elementCount(y.shape));
      let w = 0;
      for (let b = 0; b < batch; b++) {
        for (let r = 0; r < outer; r++) {
          const base = (b * outer + r) * axisSize * inner;
          for (let i = 0; i < coords; i++) {
            const at = ix[b * coords + i];
            if (at < 0 || at >= axisSize) {
              throw new InputError('E_INDEX', `op ${site.index} (GATHER): index ${at} is outside [0, ${axisSize})`);
            }
            out.set(src.subarray(base + at * inner, base + (at + 1) * inner), w);
            w += inner;
          }
        }
      }
      values[yi] = out;
    },
  };
}

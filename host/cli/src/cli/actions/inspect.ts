/** `dendra inspect <model.tflite>`: ops, tensors, quantization and Dendra metadata of a model. */
import { printJson } from '@dendra/core/run.ts';
import { loadModelFile } from '../modelfile.ts';
import { decodeDendraMeta } from '@dendra/core/tflite/metadata.ts';

/** `dendra inspect FILE`: prints the model's ops, tensors and metadata. @throws InputError (one line) for a missing or bad model. */
export async function inspectAction(file: string, opts: { json?: boolean }): Promise<void> {
  const { model, bytes } = loadModelFile(file);
  const meta = model.metadata.dendra ? decodeDendraMeta(model.metadata.dendra) : undefined;
  const summary = {
    file,
    bytes: bytes.length,
    description: model.description,
    inputs: model.inputs.map((i) => ({ name: model.tensors[i].name, shape: model.tensors[i].shape, type: model.tensors[i].type })),
    outputs: model.outputs.map((i) => ({ name: model.tensors[i].name, shape: model.tensors[i].shape, type: model.tensors[i].type })),
    ops: model.ops.map((o) => ({ op: o.op, inputs: o.inputs, outputs: o.outputs })),
    tensors: model.tensors.length,
    metadata: meta,
  };
  if (opts.json) return printJson(summary);
  console.log(`${file}: ${bytes.length} bytes, ${model.ops.length} ops, ${model.tensors.length} tensors`);
  for (const [k, o] of model.ops.entries()) {
    const out = model.tensors[o.outputs[0]];
    console.log(`  ${String(k).padStart(2)} ${o.op.padEnd(16)} -> ${out.name} [${out.shape.join(',')}] ${out.type}`);
  }
  if (meta) console.log(`  metadata: ${JSON.stringify(meta)}`);
}

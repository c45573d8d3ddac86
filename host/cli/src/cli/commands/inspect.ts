/** `dendra inspect <model.tflite>`: ops, tensors, quantization and Dendra metadata of a model. */
import type { Command } from 'commander';
import { action, printJson } from '@dendra/core/run.ts';
import { loadModelFile } from '../modelfile.ts';
import { decodeDendraMeta } from '@dendra/core/tflite/metadata.ts';

/** Registers the command. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show the operators, tensors and Dendra metadata of a .tflite model')
    .argument('<model>', '.tflite file')
    .option('--json', 'print JSON for scripts')
    .action(action(async (file: string, opts: { json?: boolean }) => {
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
    }));
}

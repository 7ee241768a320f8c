// softmax and logSoftmax in one dispatch (norm/softmax.wgsl): along any axis
// of x viewed as [outer, cols, inner], a workgroup per row, or a thread per
// row where reductions take a thread per output (the `reduce` flag's rule).
import { rowsAlongAxis } from '../../../core/axes.js';
import { type WebGpuKernel, gpu, groupsFor } from './common.js';
import { threadPerOutput } from './reduce.js';

export function softmaxKernel(log: boolean): WebGpuKernel<Record<string, number>> {
  return (args) => {
    const backend = gpu(args);
    const { inputs: [logits], attrs, outputs: [spec] } = args;
    const { rows, cols, inner } = rowsAlongAxis(logits.shape, log ? attrs.axis : attrs.dim);
    const out = backend.allocate(spec.shape, 'float32');
    if (rows === 0) return [out];
    const perThread = threadPerOutput(backend, rows, cols);
    backend.run({
      shader: 'norm/softmax.wgsl',
      constants: { LOG: log, THREAD_PER_ROW: perThread },
      bindings: { x: logits.dataId, out, params: { rows, cols, inner } },
      workgroups: perThread ? groupsFor(rows) : rows,
    });
    return [out];
  };
}

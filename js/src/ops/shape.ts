// Shape ops. (reshape is here first because every family's gradients need it.)
import { sizeFromShape } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { aliasKernel } from '../backends/cpu/elementwise.js';
import { defineOp, spec } from './registry.js';
import { type TensorLike, addMethods, runOp } from './run.js';

defineOp<{ shape: number[] }>({
  name: 'reshape',
  inputs: [{ name: 'x' }],
  attrs: { shape: { type: 'ints', doc: 'new shape; one entry may be -1 (inferred)' } },
  shape([x], { shape }) {
    const size = sizeFromShape(x.shape);
    const free = shape.filter((d) => d === -1).length;
    if (free > 1 || shape.some((d) => d < -1)) throw new Error(`attribute shape [${shape}] may hold one -1 and no other negatives`);
    const known = sizeFromShape(shape.filter((d) => d !== -1));
    const out = shape.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
    if (!Number.isInteger(sizeFromShape(out)) || sizeFromShape(out) !== size || (free && known === 0 && size !== 0)) {
      throw new Error(`attribute shape [${shape}] does not fit the input's ${size} elements`);
    }
    return [spec(out, x.dtype)];
  },
  kernels: { cpu: aliasKernel },
  grad: ([dy], { inputs: [x] }) => [reshape(dy, x.shape)],
});

/** tw.reshape(x, shape): the same values in a new shape (a view, no copy on the CPU). */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  return runOp('reshape', [x], { shape: [...shape] });
}

addMethods({ reshape });
declare module '../core/tensor.js' {
  interface Tensor {
    reshape(shape: readonly number[]): Tensor;
  }
}

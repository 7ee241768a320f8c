// Helpers shared by shape rules and gradients of every op family.
import type { TensorSpec } from '../core/backend.js';
import type { DataType } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { reshape } from './shape.js';
import { sum } from './reduction.js';

export { broadcastShapes, normalizeAxes } from '../core/axes.js';

/** Requires every input's dtype to be one of `allowed`; names the op's input in the error. */
export function requireDtypes(inputs: readonly TensorSpec[], names: readonly string[], allowed: readonly DataType[]): void {
  inputs.forEach((input, i) => {
    if (!allowed.includes(input.dtype)) {
      throw new Error(`input ${names[Math.min(i, names.length - 1)]} has dtype ${input.dtype}; this op takes ${allowed.join(' or ')}`);
    }
  });
}

/** Requires all inputs to share one dtype (public functions upcast first, as TF.js does). */
export function requireSameDtype(inputs: readonly TensorSpec[]): DataType {
  const dtype = inputs[0].dtype;
  if (inputs.some((t) => t.dtype !== dtype)) {
    throw new Error(`inputs have different dtypes (${inputs.map((t) => t.dtype).join(', ')})`);
  }
  return dtype;
}

/**
 * The gradient of a broadcast input: sums `dy` over the dims where `shape`
 * was broadcast, then reshapes to `shape`.
 */
export function sumToShape(dy: Tensor, shape: readonly number[]): Tensor {
  const lead = dy.rank - shape.length;
  const axes: number[] = [];
  for (let d = 0; d < dy.rank; d++) {
    if (d < lead || (shape[d - lead] === 1 && dy.shape[d] !== 1)) axes.push(d);
  }
  if (axes.length === 0) return dy.rank === shape.length ? dy : reshape(dy, shape);
  return reshape(sum(dy, axes), shape);
}

// Linear algebra: matMul (the kernel), and dot, outerProduct, einsum as
// decompositions into matMul, transpose, reshape and sum.
import type { TensorSpec } from '../core/backend.js';
import { sizeFromShape } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { type MatMulAttrs, matMulKernel } from '../backends/cpu/linalg.js';
import * as webgpu from '../backends/webgpu/kernels/matmul.js';
import { broadcastShapes, sumToShape } from './helpers.js';
import { defineOp, spec } from './registry.js';
import { sum } from './reduction.js';
import { type TensorLike, addMethods, runOp } from './run.js';
import { reshape, transpose } from './shape.js';

/** The output shape of a (batched) matMul; names the operands in errors. */
export function matMulShape(a: TensorSpec, b: TensorSpec, { transposeA, transposeB }: MatMulAttrs): number[] {
  if (a.shape.length < 2 || b.shape.length < 2) {
    throw new Error(`inputs a and b must have rank >= 2, got ranks ${a.shape.length} and ${b.shape.length}`);
  }
  const [m, ka] = transposeA ? a.shape.slice(-2).reverse() : a.shape.slice(-2);
  const [kb, n] = transposeB ? b.shape.slice(-2).reverse() : b.shape.slice(-2);
  if (ka !== kb) {
    throw new Error(`inner dims differ: a gives ${ka} (transposeA=${transposeA}), b gives ${kb} (transposeB=${transposeB})`);
  }
  let batch: number[];
  try {
    batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  } catch {
    throw new Error(`batch dims [${a.shape.slice(0, -2)}] of a and [${b.shape.slice(0, -2)}] of b do not broadcast`);
  }
  return [...batch, m, n];
}

export function matMulDtype(a: TensorSpec, b: TensorSpec) {
  if (a.dtype !== b.dtype || a.dtype === 'bool') throw new Error(`inputs a and b must both be float32 or int32, got ${a.dtype} and ${b.dtype}`);
  return a.dtype;
}

/** Gradients of a and b for dy = matMul(a, b, transposeA, transposeB), batch broadcasting undone. */
/** The gradients of matMul's two operands; only those `needsGrad` asks for are computed. */
export function matMulGrads(a: Tensor, b: Tensor, dy: Tensor, { transposeA, transposeB }: MatMulAttrs,
  [needA, needB]: readonly boolean[]): [Tensor | null, Tensor | null] {
  // Each operand's gradient as a matMul of (left, right, transposeLeft, transposeRight).
  const [gradA, gradB]: [() => Tensor, () => Tensor] =
    !transposeA && !transposeB ? [() => matMul(dy, b, false, true), () => matMul(a, dy, true, false)]
      : !transposeA && transposeB ? [() => matMul(dy, b, false, false), () => matMul(dy, a, true, false)]
        : transposeA && !transposeB ? [() => matMul(b, dy, false, true), () => matMul(a, dy, false, false)]
          : [() => matMul(b, dy, true, true), () => matMul(dy, a, true, true)];
  return [needA ? sumToShape(gradA(), a.shape) : null, needB ? sumToShape(gradB(), b.shape) : null];
}

defineOp<MatMulAttrs>({
  name: 'matMul',
  inputs: [{ name: 'a' }, { name: 'b' }],
  attrs: { transposeA: { type: 'bool', default: false }, transposeB: { type: 'bool', default: false } },
  shape: ([a, b], attrs) => [spec(matMulShape(a, b, attrs), matMulDtype(a, b))],
  kernels: { cpu: matMulKernel, webgpu: webgpu.matMulKernel },
  grad: ([dy], { inputs: [a, b], needsGrad }, attrs) => matMulGrads(a, b, dy, attrs, needsGrad),
});

/** tw.matMul(a, b, transposeA = false, transposeB = false): batched; batch dims broadcast. */
export function matMul(a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor {
  return runOp('matMul', [a, b], { transposeA, transposeB }, { upcast: true });
}

defineOp<Record<string, never>>({
  name: 'dot',
  inputs: [{ name: 't1' }, { name: 't2' }],
  attrs: {},
  shape([t1, t2]) {
    const [r1, r2] = [t1.shape.length, t2.shape.length];
    if (r1 < 1 || r1 > 2 || r2 < 1 || r2 > 2) throw new Error(`inputs t1 and t2 must have rank 1 or 2, got ${r1} and ${r2}`);
    const k1 = t1.shape[r1 - 1];
    const k2 = t2.shape[0];
    if (k1 !== k2) throw new Error(`inner dims differ: t1 ends in ${k1}, t2 starts with ${k2}`);
    return [spec([...t1.shape.slice(0, -1), ...t2.shape.slice(1)], matMulDtype(t1, t2))];
  },
  decompose([t1, t2]) {
    const product = matMul(reshape(t1, [-1, t1.shape[t1.rank - 1]]), reshape(t2, [t2.shape[0], -1]));
    return [reshape(product, [...t1.shape.slice(0, -1), ...t2.shape.slice(1)])];
  },
});

/** tw.dot(t1, t2): vector/matrix products of rank-1 and rank-2 tensors. */
export function dot(t1: TensorLike, t2: TensorLike): Tensor {
  return runOp('dot', [t1, t2], {}, { upcast: true });
}

defineOp<Record<string, never>>({
  name: 'outerProduct',
  inputs: [{ name: 'v1' }, { name: 'v2' }],
  attrs: {},
  shape([v1, v2]) {
    if (v1.shape.length !== 1 || v2.shape.length !== 1) throw new Error(`inputs v1 and v2 must have rank 1, got ${v1.shape.length} and ${v2.shape.length}`);
    return [spec([v1.shape[0], v2.shape[0]], matMulDtype(v1, v2))];
  },
  decompose: ([v1, v2]) => [matMul(reshape(v1, [-1, 1]), reshape(v2, [1, -1]))],
});

/** tw.outerProduct(v1, v2). */
export function outerProduct(v1: TensorLike, v2: TensorLike): Tensor {
  return runOp('outerProduct', [v1, v2], {}, { upcast: true });
}

// ---- einsum ----

interface EinsumPlan {
  operands: string[];
  output: string;
  /** Size of every label. */
  sizes: Map<string, number>;
}

/** Parses and checks an equation against the operand shapes: explicit ('ij,jk->ik') or implicit ('ij,jk'). */
function planEinsum(equation: string, inputs: readonly TensorSpec[]): EinsumPlan {
  const compact = equation.replace(/\s/g, '');
  // The errors quote TF.js's where it has one; an equation without an arrow (implicit output, as numpy's) is ours.
  if (compact.split('->').length > 2) throw new Error(`attribute equation '${equation}': Equation must contain exactly one arrow ("->") or none`);
  if (!/^[a-zA-Z,]*(->[a-zA-Z]*)?$/.test(compact)) {
    throw new Error(`attribute equation '${equation}' must be letters, commas and at most one '->' (no ellipsis)`);
  }
  const [lhs, rhs] = compact.split('->');
  const operands = lhs.split(',');
  if (operands.length !== inputs.length) throw new Error(`attribute equation '${equation}': Expected ${operands.length} input tensors, received ${inputs.length}`);
  if (operands.length > 2) throw new Error(`attribute equation '${equation}': Support for more than 2 input tensors is not implemented yet.`);
  const sizes = new Map<string, number>();
  operands.forEach((labels, i) => {
    if (labels.length !== inputs[i].shape.length) {
      throw new Error(`attribute equation '${equation}': operand ${i} has ${labels.length} labels for rank ${inputs[i].shape.length}`);
    }
    if (new Set(labels).size !== labels.length) {
      throw new Error(`attribute equation '${equation}': Found duplicate axes in input component ${labels}. ` +
        'Support for duplicate axes in input (diagonals) is not implemented yet.');
    }
    [...labels].forEach((label, d) => {
      const size = inputs[i].shape[d];
      if (sizes.has(label) && sizes.get(label) !== size) {
        throw new Error(`attribute equation '${equation}': Expected dimension ${sizes.get(label)} at axis ${d} of input shaped ` +
          `${JSON.stringify(inputs[i].shape)}, but got dimension ${size}`);
      }
      sizes.set(label, size);
    });
  });
  const counts = (label: string) => operands.filter((o) => o.includes(label)).length;
  const output = rhs ?? [...sizes.keys()].filter((l) => counts(l) === 1).sort().join('');
  if (new Set(output).size !== output.length) throw new Error(`attribute equation '${equation}' repeats an output label`);
  for (const label of output) {
    if (!sizes.has(label)) throw new Error(`attribute equation '${equation}': Output subscripts contain the label ${label} not present in the input subscripts.`);
  }
  return { operands, output, sizes };
}

/** `x` (labelled `labels`) with the labels outside `keep` summed out. */
function sumOutLabels(x: Tensor, labels: string, keep: string): { tensor: Tensor; labels: string } {
  const axes = [...labels].map((l, d) => (keep.includes(l) ? -1 : d)).filter((d) => d >= 0);
  if (axes.length === 0) return { tensor: x, labels };
  return { tensor: sum(x, axes), labels: [...labels].filter((l) => keep.includes(l)).join('') };
}

/** `x` labelled `from`, transposed to the order `to` (same labels). */
function reorder(x: Tensor, from: string, to: string): Tensor {
  const perm = [...to].map((l) => from.indexOf(l));
  return perm.every((p, i) => p === i) ? x : transpose(x, perm);
}

defineOp<{ equation: string }>({
  name: 'einsum',
  inputs: [{ name: 'tensors', variadic: true }],
  attrs: { equation: { type: 'string' } },
  shape(inputs, { equation }) {
    const { output, sizes } = planEinsum(equation, inputs);
    return [spec([...output].map((l) => sizes.get(l)!), matMulDtype(inputs[0], inputs[inputs.length - 1]))];
  },
  // One operand: sum, then transpose. Two: sum out private labels, then one batched matMul over
  // [batch, freeA, contracted] x [batch, contracted, freeB], reshaped and transposed to the output.
  decompose(inputs, { equation }) {
    const { operands, output, sizes } = planEinsum(equation, inputs);
    const size = (labels: string) => sizeFromShape([...labels].map((l) => sizes.get(l)!));
    if (inputs.length === 1) {
      const reduced = sumOutLabels(inputs[0], operands[0], output);
      return [reorder(reduced.tensor, reduced.labels, output)];
    }
    const [la, lb] = operands;
    const a = sumOutLabels(inputs[0], la, lb + output);
    const b = sumOutLabels(inputs[1], lb, la + output);
    const batch = [...a.labels].filter((l) => b.labels.includes(l) && output.includes(l)).join('');
    const contracted = [...a.labels].filter((l) => b.labels.includes(l) && !output.includes(l)).join('');
    const freeA = [...a.labels].filter((l) => !b.labels.includes(l)).join('');
    const freeB = [...b.labels].filter((l) => !a.labels.includes(l)).join('');
    const left = reshape(reorder(a.tensor, a.labels, batch + freeA + contracted), [size(batch), size(freeA), size(contracted)]);
    const right = reshape(reorder(b.tensor, b.labels, batch + contracted + freeB), [size(batch), size(contracted), size(freeB)]);
    const product = reshape(matMul(left, right), [...batch + freeA + freeB].map((l) => sizes.get(l)!));
    return [reorder(product, batch + freeA + freeB, output)];
  },
});

/** tw.einsum(equation, ...tensors): one or two operands, explicit or implicit output, no ellipsis or diagonals. */
export function einsum(equation: string, ...tensors: TensorLike[]): Tensor {
  return runOp('einsum', tensors, { equation }, { upcast: true });
}

addMethods({ matMul, dot });
declare module '../core/tensor.js' {
  interface Tensor {
    matMul(b: TensorLike, transposeA?: boolean, transposeB?: boolean): Tensor;
    dot(t2: TensorLike): Tensor;
  }
}

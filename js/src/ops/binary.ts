// Binary elementwise ops with numpy broadcasting, generated from one table,
// plus where (three-way broadcast) and addN.
import { upcastType } from '../core/dtype.js';
import { tidy } from '../core/globals.js';
import type { Tensor } from '../core/tensor.js';
import { addNKernel, binaryKernel, whereKernel } from '../backends/cpu/elementwise.js';
import { binaryFns, binaryIntFns } from '../backends/cpu/binary.js';
import * as webgpu from '../backends/webgpu/kernels/elementwise.js';
import { broadcastShapes, requireDtypes, requireSameDtype, sumToShape } from './helpers.js';
import type { TensorSpec } from '../core/backend.js';
import { defineOp, spec } from './registry.js';
import { type TensorLike, addMethods, runOp, withTensors } from './run.js';
import { cast, floor, log, neg, square } from './unary.js';
import { zerosLike } from './creation.js';
import { asComplex, complex, imag, onPairs, real } from './complex.js';

/**
 * same: float32/int32 operands, the result keeps their dtype.
 * float: int32/bool operands are cast to float32 first.
 * compare: any matching dtypes, bool result. logical: bool operands and result.
 * int: int32 operands of one shape (no broadcasting, as TF.js's bitwise ops), int32 result.
 */
type Kind = 'same' | 'float' | 'compare' | 'logical' | 'int';
/** Gradients of both operands before un-broadcasting. */
type PairGrad = (a: Tensor, b: Tensor, dy: Tensor, y: Tensor) => [Tensor, Tensor];

interface BinaryEntry {
  kind: Kind;
  grad: PairGrad | 'not-differentiable';
  /** Input names as TF.js calls them. */
  inputs?: [string, string];
  /** The op on complex64 operands (the other one made complex first), as TF.js has it. */
  complex?: (a: Tensor, b: Tensor) => Tensor;
  /** The public function compares bool operands as int32 (TF.js's maximum and minimum). */
  boolAsInt32?: true;
}

// Sums and differences of complex numbers are those of their pairs (broadcasting the pairs works, their dim of 2 is last).
const pairwise = (op: (a: Tensor, b: Tensor) => Tensor) => (a: Tensor, b: Tensor) => onPairs([a, b], ([p, q]) => op(p, q))[0];

const BINARY = {
  add: { kind: 'same', grad: (_a, _b, dy) => [dy, dy], complex: pairwise((p, q) => add(p, q)) },
  sub: { kind: 'same', grad: (_a, _b, dy) => [dy, neg(dy)], complex: pairwise((p, q) => sub(p, q)) },
  mul: {
    kind: 'same', grad: (a, b, dy) => [mul(dy, b), mul(dy, a)],
    complex: (a, b) => {
      const [ar, ai, br, bi] = [real(a), imag(a), real(b), imag(b)];
      return complex(sub(mul(ar, br), mul(ai, bi)), add(mul(ar, bi), mul(ai, br)));
    },
  },
  div: { kind: 'float', grad: (a, b, dy) => [div(dy, b), neg(div(mul(dy, a), square(b)))] },
  divNoNan: { kind: 'float', grad: (a, b, dy) => [divNoNan(dy, b), neg(divNoNan(mul(dy, a), square(b)))] },
  floorDiv: { kind: 'same', grad: 'not-differentiable' },
  mod: { kind: 'same', grad: (a, b, dy) => [dy, neg(mul(dy, floor(div(a, b))))] },
  pow: {
    kind: 'same', inputs: ['base', 'exp'],
    grad: (a, b, dy, y) => [
      mul(dy, mul(b, pow(a, sub(b, 1)))),
      mul(dy, mul(y, where(greater(a, 0), log(a), 0))),
    ],
  },
  maximum: { kind: 'same', boolAsInt32: true, grad: (a, b, dy) => [mul(dy, greaterEqual(a, b)), mul(dy, less(a, b))] },
  minimum: { kind: 'same', boolAsInt32: true, grad: (a, b, dy) => [mul(dy, lessEqual(a, b)), mul(dy, greater(a, b))] },
  squaredDifference: {
    kind: 'same',
    grad: (a, b, dy) => {
      const twice = mul(dy, mul(sub(a, b), 2));
      return [twice, neg(twice)];
    },
  },
  atan2: {
    kind: 'float',
    grad: (a, b, dy) => {
      const norm = add(square(a), square(b));
      return [div(mul(dy, b), norm), neg(div(mul(dy, a), norm))];
    },
  },
  prelu: {
    kind: 'float', inputs: ['x', 'alpha'],
    grad: (x, alpha, dy) => {
      const negative = less(x, 0);
      return [mul(dy, where(negative, alpha, 1)), mul(dy, where(negative, x, 0))];
    },
  },
  equal: { kind: 'compare', grad: 'not-differentiable' },
  notEqual: { kind: 'compare', grad: 'not-differentiable' },
  less: { kind: 'compare', grad: 'not-differentiable' },
  lessEqual: { kind: 'compare', grad: 'not-differentiable' },
  greater: { kind: 'compare', grad: 'not-differentiable' },
  greaterEqual: { kind: 'compare', grad: 'not-differentiable' },
  logicalAnd: { kind: 'logical', grad: 'not-differentiable' },
  logicalOr: { kind: 'logical', grad: 'not-differentiable' },
  logicalXor: { kind: 'logical', grad: 'not-differentiable' },
  bitwiseAnd: { kind: 'int', inputs: ['x', 'y'], grad: 'not-differentiable' },
} satisfies Record<keyof typeof binaryFns, BinaryEntry>;

type BinaryName = keyof typeof BINARY;

for (const [name, entry] of Object.entries(BINARY) as [BinaryName, BinaryEntry][]) {
  const { kind, grad } = entry;
  const inputNames = entry.inputs ?? ['a', 'b'];
  defineOp<Record<string, never>>({
    name,
    inputs: inputNames.map((n) => ({ name: n })),
    attrs: {},
    inputDtype: kind === 'float' ? 'float32' : kind === 'logical' ? 'bool' : undefined,
    // Strings compare as TF.js compares them (as JS strings, on the CPU backend).
    strings: kind === 'compare',
    shape(inputs) {
      if (kind === 'int') return [intOperands(name, inputs)];
      const dtype = requireSameDtype(inputs);
      if (kind === 'same') requireDtypes(inputs, inputNames, ['float32', 'int32']);
      const out = broadcastShapes(inputs[0].shape, inputs[1].shape);
      return [spec(out, kind === 'compare' || kind === 'logical' ? 'bool' : dtype)];
    },
    ...(entry.complex ? { complex: ([a, b]: Tensor[]) => [entry.complex!(asComplex(a), asComplex(b))] } : {}),
    kernels: { cpu: binaryKernel(binaryFns[name], binaryIntFns[name]), webgpu: webgpu.binaryKernel(name) },
    grad: grad === 'not-differentiable' ? grad : ([dy], { inputs: [a, b], outputs: [y] }) => {
      const [ga, gb] = grad(a, b, dy, y);
      return [sumToShape(ga, a.shape), sumToShape(gb, b.shape)];
    },
  });
}

/** The rule of an int op: both int32, one shape; TF.js's messages, which name the kernel (BitwiseAnd). */
function intOperands(name: string, [x, y]: readonly TensorSpec[]): TensorSpec {
  const kernel = name[0].toUpperCase() + name.slice(1);
  if (x.shape.length !== y.shape.length || x.shape.some((d, i) => d !== y.shape[i])) {
    throw new Error(`${kernel}: Tensors must have the same shape. x: ${x.shape}, y: ${y.shape}`);
  }
  if (x.dtype !== 'int32' || y.dtype !== 'int32') {
    throw new Error(`${kernel}: Only supports 'int32' values in tensor, found type of x: ${x.dtype} and type of y: ${y.dtype}`);
  }
  return spec(x.shape, 'int32');
}

type Binary = (a: TensorLike, b: TensorLike) => Tensor;

/** tw.name(a, b): TensorLikes are converted and both operands upcast to a common dtype, as in TF.js. */
function binaryFunction(name: BinaryName): Binary {
  const entry: BinaryEntry = BINARY[name];
  // TF.js parses a logical op's operands as bool (a numeric tensor is refused)
  const dtypes = entry.kind === 'logical' ? ['bool', 'bool'] as const : undefined;
  if (!entry.boolAsInt32) return (a, b) => runOp(name, [a, b], {}, { upcast: true, dtypes });
  return (a, b) => withTensors(name, [['a', a], ['b', b]], (ta, tb) => (ta.dtype === 'bool' && tb.dtype === 'bool'
    ? tidy(() => runOp(name, [cast(ta, 'int32'), cast(tb, 'int32')]))
    : runOp(name, [ta, tb], {}, { upcast: true })));
}

export const add = binaryFunction('add');
export const sub = binaryFunction('sub');
export const mul = binaryFunction('mul');
const realDiv = binaryFunction('div');
/** tw.div(a, b); operands that upcast to int32 (int32 with int32 or bool) divide with floor, as in TF.js. */
export const div: Binary = (a, b) => withTensors('div', [['a', a], ['b', b]], (ta, tb) =>
  (upcastType(ta.dtype, tb.dtype) === 'int32' ? floorDiv(ta, tb) : realDiv(ta, tb)));
export const divNoNan = binaryFunction('divNoNan');
export const floorDiv = binaryFunction('floorDiv');
export const mod = binaryFunction('mod');
export const pow = binaryFunction('pow');
export const maximum = binaryFunction('maximum');
export const minimum = binaryFunction('minimum');
export const squaredDifference = binaryFunction('squaredDifference');
export const atan2 = binaryFunction('atan2');
export const prelu: (x: TensorLike, alpha: TensorLike) => Tensor = binaryFunction('prelu');
export const equal = binaryFunction('equal');
export const notEqual = binaryFunction('notEqual');
export const less = binaryFunction('less');
export const lessEqual = binaryFunction('lessEqual');
export const greater = binaryFunction('greater');
export const greaterEqual = binaryFunction('greaterEqual');
export const logicalAnd = binaryFunction('logicalAnd');
export const logicalOr = binaryFunction('logicalOr');
export const logicalXor = binaryFunction('logicalXor');
/** tw.bitwiseAnd(x, y): int32 tensors of one shape; no upcast, as in TF.js. */
export const bitwiseAnd = (x: TensorLike, y: TensorLike): Tensor => runOp('bitwiseAnd', [x, y]);

defineOp<Record<string, never>>({
  name: 'where',
  inputs: [{ name: 'condition' }, { name: 'a' }, { name: 'b' }],
  strings: true,
  attrs: {},
  shape([condition, a, b]) {
    requireDtypes([condition], ['condition'], ['bool']);
    const dtype = requireSameDtype([a, b]);
    return [spec(broadcastShapes(condition.shape, a.shape, b.shape), dtype)];
  },
  kernels: { cpu: whereKernel, webgpu: webgpu.whereKernel },
  grad: ([dy], { inputs: [condition, a, b] }) => {
    const zero = zerosLike(dy);
    return [null, sumToShape(where(condition, dy, zero), a.shape), sumToShape(where(condition, zero, dy), b.shape)];
  },
});

/** tw.where(condition, a, b): a where condition holds, else b; all three broadcast. */
export function where(condition: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  return runOp('where', [condition, a, b], {}, { upcast: [1, 2], dtypes: ['bool'] });
}

defineOp<Record<string, never>>({
  name: 'addN',
  inputs: [{ name: 'tensors', variadic: true }],
  attrs: {},
  shape(inputs) {
    if (inputs.length === 0) throw new Error('Must pass at least one tensor to tf.addN(), but got 0');
    if (inputs.some((t) => t.dtype !== inputs[0].dtype)) {
      throw new Error(`All tensors passed to tf.addN() must have the same dtype, got ${inputs.map((t) => t.dtype).join(', ')}`);
    }
    if (inputs.some((t) => t.shape.join() !== inputs[0].shape.join())) {
      throw new Error(`All tensors passed to tf.addN() must have the same shape, got ${inputs.map((t) => `[${t.shape}]`).join(', ')}`);
    }
    const dtype = inputs[0].dtype;
    return [spec(inputs[0].shape, dtype)];
  },
  kernels: { cpu: addNKernel, webgpu: webgpu.addNKernel },
  grad: ([dy], { inputs }) => inputs.map(() => dy),
});

/** tw.addN(tensors): elementwise sum of same-shaped tensors. */
export function addN(tensors: TensorLike[]): Tensor {
  if (!Array.isArray(tensors)) throw new Error('The argument passed to tf.addN() must be a list of tensors');
  return runOp('addN', tensors);
}

addMethods({
  add, sub, mul, div, divNoNan, floorDiv, mod, pow, maximum, minimum, squaredDifference, atan2, prelu,
  equal, notEqual, less, lessEqual, greater, greaterEqual, logicalAnd, logicalOr, logicalXor,
  // TF.js's x.where(condition, b): x where condition holds, else b
  where: (x: Tensor, condition: TensorLike, b: TensorLike) => where(condition, x, b),
});
type BinaryMethods = { [K in Exclude<BinaryName, 'bitwiseAnd'>]: (b: TensorLike) => Tensor };
declare module '../core/tensor.js' {
  interface Tensor extends BinaryMethods {
    where(condition: TensorLike, b: TensorLike): Tensor;
  }
}

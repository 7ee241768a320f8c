// Reductions over axes (sum, mean, prod, max, min, all, any), arg-reductions,
// scans, and the decompositions logSumExp, moments, norm.
import type { TensorSpec } from '../core/backend.js';
import type { DataType } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { argReduceKernel, reduceKernel, reducers, scanKernel } from '../backends/cpu/reduce.js';
import * as webgpu from '../backends/webgpu/kernels/reduce.js';
import { add, div, equal, logicalAnd, mul, squaredDifference, sub, where } from './binary.js';
import { onesLike, zerosLike } from './creation.js';
import { normalizeAxes, requireDtypes } from './helpers.js';
import { type AttrSpec, type GradFn, defineOp, spec } from './registry.js';
import { type TensorLike, addMethods, runOp, runOpMulti } from './run.js';
import { reshape } from './shape.js';
import { abs, cast, exp, isFinite, log, sqrt, square } from './unary.js';

type Axis = number | number[] | null;
interface ReduceAttrs {
  axis: Axis;
  keepDims: boolean;
}

const reduceAttrs: { axis: AttrSpec; keepDims: AttrSpec } = {
  axis: { type: 'intOrInts', nullable: true, doc: 'axes to reduce; null reduces all' },
  keepDims: { type: 'bool', default: false },
};

/** The output shape of a reduction, and the same shape with reduced dims kept as 1. */
function reducedShapes(shape: readonly number[], axis: Axis, keepDims: boolean): { out: number[]; kept: number[] } {
  const axes = normalizeAxes(axis, shape.length);
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return { out: keepDims ? kept : shape.filter((_, i) => !axes.includes(i)), kept };
}

/** dy (shaped like the reduced output) broadcast back over x. */
function expandToInput(dy: Tensor, x: Tensor, axis: Axis): Tensor {
  return mul(reshape(dy, reducedShapes(x.shape, axis, true).kept), onesLike(x));
}

/** The reduced output of x, broadcastable against x. */
function keptOutput(y: Tensor, x: Tensor, axis: Axis): Tensor {
  return reshape(y, reducedShapes(x.shape, axis, true).kept);
}

const count = (x: Tensor, axis: Axis) => normalizeAxes(axis, x.rank).reduce((n, a) => n * x.shape[a], 1);

/** Gradient of prod that stays finite at zeros: the product of the other elements of each group. */
const prodGrad: GradFn<ReduceAttrs> = ([dy], { inputs: [x] }, { axis }) => {
  const isZero = equal(x, 0);
  const nonZeroProduct = prod(where(isZero, 1, x), axis, true);
  const zeroCount = sum(cast(isZero, 'float32'), axis, true);
  const others = where(equal(zeroCount, 0), div(nonZeroProduct, x),
    where(logicalAnd(equal(zeroCount, 1), isZero), nonZeroProduct, zerosLike(x)));
  return [mul(expandToInput(dy, x, axis), others)];
};

/** max/min: the gradient goes to every element equal to the result (ties share it, as in TF.js). */
const extremumGrad: GradFn<ReduceAttrs> = ([dy], { inputs: [x], outputs: [y] }, { axis }) =>
  [mul(expandToInput(dy, x, axis), cast(equal(x, keptOutput(y, x, axis)), 'float32'))];

interface ReductionEntry {
  /** float: int32/bool cast to float32; numeric: float32/int32 kept (bool sums as int32); logical: bool. */
  kind: 'float' | 'numeric' | 'sum' | 'logical';
  grad: GradFn<ReduceAttrs> | 'not-differentiable';
}

const REDUCTIONS = {
  sum: { kind: 'sum', grad: ([dy], { inputs: [x] }, { axis }) => [expandToInput(dy, x, axis)] },
  mean: { kind: 'float', grad: ([dy], { inputs: [x] }, { axis }) => [div(expandToInput(dy, x, axis), count(x, axis))] },
  prod: { kind: 'sum', grad: prodGrad },
  max: { kind: 'numeric', grad: extremumGrad },
  min: { kind: 'numeric', grad: extremumGrad },
  all: { kind: 'logical', grad: 'not-differentiable' },
  any: { kind: 'logical', grad: 'not-differentiable' },
} satisfies Record<keyof typeof reducers, ReductionEntry>;

type ReductionName = keyof typeof REDUCTIONS;

for (const [name, { kind, grad }] of Object.entries(REDUCTIONS) as [ReductionName, ReductionEntry][]) {
  defineOp<ReduceAttrs>({
    name,
    inputs: [{ name: 'x' }],
    attrs: reduceAttrs,
    inputDtype: kind === 'float' ? 'float32' : kind === 'logical' ? 'bool' : undefined,
    shape([x], { axis, keepDims }) {
      if (kind === 'numeric') requireDtypes([x], ['x'], ['float32', 'int32']);
      const dtype: DataType = kind === 'sum' && x.dtype !== 'float32' ? 'int32' : x.dtype;
      return [spec(reducedShapes(x.shape, axis, keepDims).out, dtype)];
    },
    kernels: { cpu: reduceKernel(reducers[name]), webgpu: webgpu.reduceKernel(name) },
    grad,
  });
}

type Reduction = (x: TensorLike, axis?: number | number[] | null, keepDims?: boolean) => Tensor;
/** `parse`: the dtype TF.js converts a TensorLike x to (all/any: bool; its errors name it). */
function reductionFunction(name: string, parse?: 'bool'): Reduction {
  const dtypes = parse ? [parse] : undefined;
  return (x, axis = null, keepDims = false) => runOp(name, [x], { axis, keepDims }, { dtypes });
}

export const sum = reductionFunction('sum');
export const mean = reductionFunction('mean');
export const prod = reductionFunction('prod');
export const max = reductionFunction('max');
export const min = reductionFunction('min');
export const all = reductionFunction('all', 'bool');
export const any = reductionFunction('any', 'bool');

for (const [name, better] of [['argMax', (a: number, b: number) => a > b], ['argMin', (a: number, b: number) => a < b]] as const) {
  defineOp<{ axis: number }>({
    name,
    inputs: [{ name: 'x' }],
    attrs: { axis: { type: 'int', default: 0 } },
    shape([x], { axis }) {
      requireDtypes([x], ['x'], ['float32', 'int32', 'bool']);
      const [a] = normalizeAxes(axis, x.shape.length);
      if (x.shape[a] === 0) throw new Error(`axis ${axis} has size 0; there is no ${name}`);
      return [spec(x.shape.filter((_, i) => i !== a), 'int32')];
    },
    kernels: { cpu: argReduceKernel(better), webgpu: webgpu.argReduceKernel(name) },
    grad: 'not-differentiable',
  });
}

export function argMax(x: TensorLike, axis = 0): Tensor {
  return runOp('argMax', [x], { axis });
}
export function argMin(x: TensorLike, axis = 0): Tensor {
  return runOp('argMin', [x], { axis });
}

interface ScanAttrs {
  axis: number;
  exclusive: boolean;
  reverse: boolean;
}

const scanGrads: Record<'cumsum' | 'cumprod', GradFn<ScanAttrs>> = {
  cumsum: ([dy], _saved, { axis, exclusive, reverse }) => [cumsum(dy, axis, exclusive, !reverse)],
  // d/dx_j of prod_{k<=j} x_k: sum over later outputs of dy·y / x_j (exact where x has no zeros).
  cumprod: ([dy], { inputs: [x], outputs: [y] }, { axis, exclusive, reverse }) =>
    [div(cumsum(mul(dy, y), axis, exclusive, !reverse), x)],
};

for (const name of ['cumsum', 'cumprod'] as const) {
  defineOp<ScanAttrs>({
    name,
    inputs: [{ name: 'x' }],
    attrs: { axis: { type: 'int', default: 0 }, exclusive: { type: 'bool', default: false }, reverse: { type: 'bool', default: false } },
    shape([x], { axis }) {
      requireDtypes([x], ['x'], ['float32', 'int32', 'bool']);
      normalizeAxes(axis, x.shape.length);
      return [spec(x.shape, x.dtype === 'float32' ? 'float32' : 'int32')];
    },
    kernels: { cpu: scanKernel(reducers[name === 'cumsum' ? 'sum' : 'prod']), webgpu: webgpu.scanKernel(name) },
    grad: scanGrads[name],
  });
}

export function cumsum(x: TensorLike, axis = 0, exclusive = false, reverse = false): Tensor {
  return runOp('cumsum', [x], { axis, exclusive, reverse });
}
export function cumprod(x: TensorLike, axis = 0, exclusive = false, reverse = false): Tensor {
  return runOp('cumprod', [x], { axis, exclusive, reverse });
}

const floatReduceRule = ([x]: readonly TensorSpec[], { axis, keepDims }: ReduceAttrs) =>
  [spec(reducedShapes(x.shape, axis, keepDims).out, 'float32')];

defineOp<ReduceAttrs>({
  name: 'logSumExp',
  inputs: [{ name: 'x' }],
  attrs: reduceAttrs,
  inputDtype: 'float32',
  shape: floatReduceRule,
  decompose([x], { axis, keepDims }) {
    // Shift by the (finite) max so exp cannot overflow.
    const top = max(x, axis, true);
    const shift = where(isFinite(top), top, 0);
    const result = add(log(sum(exp(sub(x, shift)), axis, true)), shift);
    return [keepDims ? result : reshape(result, reducedShapes(x.shape, axis, false).out)];
  },
});

export function logSumExp(x: TensorLike, axis: number | number[] | null = null, keepDims = false): Tensor {
  return runOp('logSumExp', [x], { axis, keepDims });
}

defineOp<ReduceAttrs>({
  name: 'moments',
  inputs: [{ name: 'x' }],
  attrs: reduceAttrs,
  inputDtype: 'float32',
  outputs: 2,
  shape: ([x], attrs) => {
    const [out] = floatReduceRule([x], attrs);
    return [out, out];
  },
  decompose([x], { axis, keepDims }) {
    const keptMean = mean(x, axis, true);
    const variance = mean(squaredDifference(x, keptMean), axis, keepDims);
    return [keepDims ? keptMean : reshape(keptMean, variance.shape), variance];
  },
});

/** tw.moments(x, axis, keepDims): mean and (population) variance over `axis`. */
export function moments(x: TensorLike, axis: number | number[] | null = null, keepDims = false): { mean: Tensor; variance: Tensor } {
  const [m, v] = runOpMulti('moments', [x], { axis, keepDims });
  return { mean: m, variance: v };
}

type Ord = number | 'euclidean' | 'fro';
interface NormAttrs {
  ord: Ord;
  axis: Axis;
  keepDims: boolean;
}

defineOp<NormAttrs>({
  name: 'norm',
  inputs: [{ name: 'x' }],
  attrs: { ord: { type: 'numberOrString', default: 'euclidean' }, ...reduceAttrs },
  inputDtype: 'float32',
  shape([x], attrs) {
    const axes = normalizeAxes(attrs.axis, x.shape.length);
    const matrix = attrs.axis !== null && axes.length === 2;
    if (attrs.axis !== null && axes.length > 2) throw new Error(`attribute axis [${attrs.axis}] names more than 2 axes`);
    const valid = [1, Infinity, -Infinity, matrix ? 'fro' : 2, 'euclidean'].includes(attrs.ord);
    if (!valid) throw new Error(`Error in norm: invalid ord value: ${attrs.ord} (attribute ord of a ${matrix ? 'matrix' : 'vector'} norm)`);
    return floatReduceRule([x], attrs);
  },
  decompose([x], { ord, axis, keepDims }) {
    const axes = normalizeAxes(axis, x.rank);
    let kept: Tensor;
    if (axis !== null && axes.length === 2) {
      const [rows, cols] = typeof axis === 'number' ? [axis, axis] : axis;
      kept = ord === 1 ? max(sum(abs(x), rows, true), cols, true)
        : ord === Infinity ? max(sum(abs(x), cols, true), rows, true)
          : ord === -Infinity ? min(sum(abs(x), cols, true), rows, true)
            : sqrt(sum(square(x), axes, true));
    } else {
      kept = ord === 'euclidean' || ord === 2 ? sqrt(sum(square(x), axes, true))
        : ord === 1 ? sum(abs(x), axes, true)
          : ord === Infinity ? max(abs(x), axes, true)
            : min(abs(x), axes, true);
    }
    return [keepDims ? kept : reshape(kept, reducedShapes(x.shape, axis, false).out)];
  },
});

/**
 * tw.norm(x, ord, axis, keepDims): vector norms (1, 2/'euclidean', ±Infinity) or, over two axes, matrix
 * norms (1, ±Infinity, 'fro'/'euclidean'), as TF.js's.
 */
export function norm(x: TensorLike, ord: Ord = 'euclidean', axis: number | number[] | null = null, keepDims = false): Tensor {
  return runOp('norm', [x], { ord, axis, keepDims });
}

addMethods({ sum, mean, prod, max, min, all, any, argMax, argMin, cumsum, cumprod, logSumExp, norm });
declare module '../core/tensor.js' {
  interface Tensor {
    sum(axis?: number | number[] | null, keepDims?: boolean): Tensor;
    mean(axis?: number | number[] | null, keepDims?: boolean): Tensor;
    prod(axis?: number | number[] | null, keepDims?: boolean): Tensor;
    max(axis?: number | number[] | null, keepDims?: boolean): Tensor;
    min(axis?: number | number[] | null, keepDims?: boolean): Tensor;
    all(axis?: number | number[] | null, keepDims?: boolean): Tensor;
    any(axis?: number | number[] | null, keepDims?: boolean): Tensor;
    argMax(axis?: number): Tensor;
    argMin(axis?: number): Tensor;
    cumsum(axis?: number, exclusive?: boolean, reverse?: boolean): Tensor;
    cumprod(axis?: number, exclusive?: boolean, reverse?: boolean): Tensor;
    logSumExp(axis?: number | number[] | null, keepDims?: boolean): Tensor;
    norm(ord?: number | 'euclidean' | 'fro', axis?: number | number[] | null, keepDims?: boolean): Tensor;
  }
}

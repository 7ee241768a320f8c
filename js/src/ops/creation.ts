// Creation ops: tensors from values, constants, ranges, identity, one-hot,
// seeded random numbers, variables, clone.
import type { KernelBackend, TensorSpec } from '../core/backend.js';
import { type DataType, type NestedArray, type TypedArray } from '../core/dtype.js';
import { type TensorValues, tensor } from '../core/convert.js';
import { getEngine } from '../core/engine.js';
import { seedValue } from '../core/random.js';
import { Tensor, type Variable } from '../core/tensor.js';
import { aliasKernel } from '../backends/cpu/elementwise.js';
import {
  eyeKernel, fillKernel, linspaceKernel, oneHotKernel, randomGammaKernel, randomNormalKernel, randomUniformKernel, rangeKernel,
  truncatedNormalKernel,
} from '../backends/cpu/creation.js';
import * as webgpu from '../backends/webgpu/kernels/elementwise.js';
import { requireDtypes } from './helpers.js';
import { complex } from './complex.js';
import { type AttrSpec, type KernelArgs, defineOp, spec } from './registry.js';
import type { CpuBackend } from '../backends/cpu/backend.js';
import { type TensorLike, addMethods, runOp } from './run.js';

export { tensor };

function checkShape(shape: readonly number[], attrName = 'shape'): void {
  if (shape.some((d) => d < 0)) throw new Error(`attribute ${attrName} [${shape}] has a negative dimension`);
}

function fixedRank(rank: number) {
  return (values: TensorValues, shape?: readonly number[], dtype?: DataType): Tensor => {
    const t = tensor(values, shape, dtype);
    if (t.rank !== rank) {
      t.dispose();
      throw new Error(`tensorweb: tensor${rank === 0 ? '' : `${rank}d`}: values have rank ${t.rank}, expected ${rank}`);
    }
    return t;
  };
}

export function scalar(value: number | boolean | string | Uint8Array, dtype?: DataType): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean' && typeof value !== 'string' && !(value instanceof Uint8Array && dtype === 'string')) {
    throw new Error("tensorweb: scalar: value must be a number, boolean or string (or a string's UTF-8 bytes with dtype 'string')");
  }
  return tensor(value, [], dtype);
}
export const tensor1d: (values: TensorValues, dtype?: DataType) => Tensor =
  (values, dtype) => fixedRank(1)(values, undefined, dtype);
export const tensor2d = fixedRank(2);
export const tensor3d = fixedRank(3);
export const tensor4d = fixedRank(4);
export const tensor5d = fixedRank(5);
export const tensor6d = fixedRank(6);

const dtypeAttr: AttrSpec = { type: 'dtype', default: 'float32' };

defineOp<{ shape: number[]; value: number; dtype: DataType }>({
  name: 'fill',
  inputs: [],
  attrs: { shape: { type: 'ints' }, value: { type: 'number' }, dtype: dtypeAttr },
  shape(_inputs, { shape, dtype }) {
    checkShape(shape);
    return [spec(shape, dtype)];
  },
  kernels: { cpu: fillKernel, webgpu: webgpu.fillKernel },
  grad: 'not-differentiable',
});

/**
 * tw.fill(shape, value, dtype): dtype defaults to bool for a boolean value,
 * string for a string, else float32. A string fill is the value broadcast
 * (strings live on the CPU backend; fill's kernels compute numbers).
 */
export function fill(shape: readonly number[], value: number | boolean | string, dtype?: DataType): Tensor {
  if (typeof value === 'string' || dtype === 'string') {
    if (typeof value !== 'string' || (dtype ?? 'string') !== 'string') {
      throw new Error(`tensorweb: fill: a string value makes a 'string' tensor; got value ${JSON.stringify(value)} with dtype ${dtype}`);
    }
    checkShape(shape);
    const one = tensor(value, [], 'string');
    try {
      return runOp('broadcastTo', [one], { shape: [...shape] });
    } finally {
      one.dispose();
    }
  }
  return runOp('fill', [], { shape: [...shape], value: Number(value), dtype: dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32') });
}

/** value + 0i everywhere, as TF.js's complex64 zeros and ones. */
function complexFill(shape: readonly number[], value: number): Tensor {
  return complex(fill(shape, value), fill(shape, 0));
}

// zeros, ones, zerosLike, onesLike: fill with 0 or 1, from attributes or from x. The *Like ops are
// kernels (fill's, reading x's shape and dtype only) so the tape records them: x gets a zero gradient, as in TF.js.
for (const [name, value] of [['zeros', 0], ['ones', 1]] as const) {
  defineOp<{ shape: number[]; dtype: DataType }>({
    name,
    inputs: [],
    attrs: { shape: { type: 'ints' }, dtype: dtypeAttr },
    shape(_inputs, { shape, dtype }) {
      checkShape(shape);
      return [spec(shape, dtype)];
    },
    complex: (_inputs, { shape }) => [complexFill(shape, value)],
    decompose: (_inputs, { shape, dtype }) => [fill(shape, value, dtype)],
  });
  // Kernels of their own (fill's, reading no input) so that x is on the tape: its gradient is zeros, as in TF.js.
  defineOp<Record<string, never>>({
    name: `${name}Like`,
    inputs: [{ name: 'x' }],
    attrs: {},
    shape: ([x]) => [spec(x.shape, x.dtype)],
    complex: ([x]) => [complexFill(x.shape, value)],
    kernels: {
      cpu: (args: KernelArgs<CpuBackend, unknown>) => fillKernel({ ...args, attrs: { value } }),
      webgpu: (args: KernelArgs<KernelBackend, unknown>) => webgpu.fillKernel({ ...args, attrs: { value } }),
    },
    grad: 'not-differentiable',
  });
}

export function zeros(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
  return runOp('zeros', [], { shape: [...shape], dtype });
}
export function ones(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
  return runOp('ones', [], { shape: [...shape], dtype });
}
export function zerosLike(x: TensorLike): Tensor {
  return runOp('zerosLike', [x]);
}
export function onesLike(x: TensorLike): Tensor {
  return runOp('onesLike', [x]);
}

/** TF.js's range length: empty for an empty or wrong-way range; a step of 1 counts down when stop < start. */
function rangeLength(start: number, stop: number, step: number): number {
  if (start === stop || (start < stop && step < 0) || (stop < start && step > 1)) return 0;
  return Math.abs(Math.ceil((stop - start) / (stop < start && step === 1 ? -1 : step)));
}

defineOp<{ start: number; stop: number; step: number; dtype: DataType }>({
  name: 'range',
  inputs: [],
  attrs: { start: { type: 'number' }, stop: { type: 'number' }, step: { type: 'number', default: 1 },
    dtype: { type: 'dtype', default: 'float32', oneOf: ['float32', 'int32'] } },
  shape(_inputs, { start, stop, step, dtype }) {
    if (step === 0) throw new Error('attribute step must not be 0');
    return [spec([rangeLength(start, stop, step)], dtype)];
  },
  kernels: { cpu: rangeKernel, webgpu: webgpu.rangeKernel },
  grad: 'not-differentiable',
});

export function range(start: number, stop: number, step = 1, dtype: 'float32' | 'int32' = 'float32'): Tensor {
  return runOp('range', [], { start, stop, step, dtype });
}

defineOp<{ start: number; stop: number; num: number }>({
  name: 'linspace',
  inputs: [],
  attrs: { start: { type: 'number' }, stop: { type: 'number' }, num: { type: 'int' } },
  shape(_inputs, { num }) {
    if (num <= 0) throw new Error(`attribute num must be positive, got ${num}`);
    return [spec([num], 'float32')];
  },
  kernels: { cpu: linspaceKernel, webgpu: webgpu.linspaceKernel },
  grad: 'not-differentiable',
});

export function linspace(start: number, stop: number, num: number): Tensor {
  return runOp('linspace', [], { start, stop, num });
}

defineOp<{ numRows: number; numColumns: number | null; batchShape: number[] | null; dtype: DataType }>({
  name: 'eye',
  inputs: [],
  attrs: { numRows: { type: 'int' }, numColumns: { type: 'int', nullable: true },
    batchShape: { type: 'ints', nullable: true }, dtype: dtypeAttr },
  shape(_inputs, { numRows, numColumns, batchShape, dtype }) {
    const shape = [...(batchShape ?? []), numRows, numColumns ?? numRows];
    checkShape(shape, 'numRows/numColumns/batchShape');
    return [spec(shape, dtype)];
  },
  kernels: { cpu: eyeKernel, webgpu: webgpu.eyeKernel },
  grad: 'not-differentiable',
});

export function eye(numRows: number, numColumns?: number, batchShape?: readonly number[], dtype: DataType = 'float32'): Tensor {
  return runOp('eye', [], { numRows, numColumns: numColumns ?? null, batchShape: batchShape ? [...batchShape] : null, dtype });
}

defineOp<{ depth: number; onValue: number; offValue: number; dtype: DataType }>({
  name: 'oneHot',
  inputs: [{ name: 'indices' }],
  attrs: { depth: { type: 'int' }, onValue: { type: 'number', default: 1 }, offValue: { type: 'number', default: 0 },
    dtype: { type: 'dtype', default: 'int32' } },
  shape([indices], { depth, dtype }) {
    requireDtypes([indices], ['indices'], ['int32']);
    if (depth < 1) throw new Error(`attribute depth must be at least 1, got ${depth}`);
    return [spec([...indices.shape, depth], dtype)];
  },
  kernels: { cpu: oneHotKernel, webgpu: webgpu.oneHotKernel },
  grad: 'not-differentiable',
});

/** tw.oneHot(indices, depth, onValue, offValue, dtype); out-of-range indices give all-off rows. */
export function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0, dtype: DataType = 'int32'): Tensor {
  return runOp('oneHot', [indices], { depth, onValue, offValue, dtype }, { dtypes: ['int32'] });
}

// Seeded random ops: the kernels follow the Philox contract in core/random.ts.
const randomShapeRule = (_inputs: readonly TensorSpec[], { shape, dtype }: { shape: number[]; dtype: DataType }) => {
  checkShape(shape);
  return [spec(shape, dtype)];
};
const seedAttr: AttrSpec = { type: 'number', doc: 'Philox key (see core/random.ts); the public functions pick one when none is given' };
const randomDtype: AttrSpec = { type: 'dtype', default: 'float32', oneOf: ['float32', 'int32'] };

defineOp<{ shape: number[]; minval: number; maxval: number; dtype: DataType; seed: number }>({
  name: 'randomUniform',
  inputs: [],
  attrs: { shape: { type: 'ints' }, minval: { type: 'number', default: 0 }, maxval: { type: 'number', default: 1 },
    dtype: randomDtype, seed: seedAttr },
  shape: randomShapeRule,
  kernels: { cpu: randomUniformKernel, webgpu: webgpu.randomKernel('randomUniform') },
  grad: 'not-differentiable',
});

for (const [name, kernel] of [['randomNormal', randomNormalKernel], ['truncatedNormal', truncatedNormalKernel]] as const) {
  defineOp<{ shape: number[]; mean: number; stdDev: number; dtype: DataType; seed: number }>({
    name,
    inputs: [],
    attrs: { shape: { type: 'ints' }, mean: { type: 'number', default: 0 }, stdDev: { type: 'number', default: 1 },
      dtype: randomDtype, seed: seedAttr },
    shape: randomShapeRule,
    kernels: { cpu: kernel, webgpu: webgpu.randomKernel(name) },
    grad: 'not-differentiable',
  });
}

defineOp<{ shape: number[]; alpha: number; beta: number; dtype: DataType; seed: number }>({
  name: 'randomGamma',
  inputs: [],
  attrs: { shape: { type: 'ints' }, alpha: { type: 'number' }, beta: { type: 'number', default: 1 }, dtype: randomDtype, seed: seedAttr },
  shape(inputs, attrs) {
    if (!(attrs.alpha > 0)) throw new Error(`attribute alpha must be > 0, got ${attrs.alpha}`);
    if (!(attrs.beta > 0)) throw new Error(`attribute beta must be > 0, got ${attrs.beta}`);
    return randomShapeRule(inputs, attrs);
  },
  kernels: { cpu: randomGammaKernel, webgpu: webgpu.randomKernel('randomGamma') },
  grad: 'not-differentiable',
});

/** Gamma samples of shape `alpha` times `beta` (TF.js multiplies by beta, though its docs call it the rate). */
export function randomGamma(shape: readonly number[], alpha: number, beta: number | null = 1, dtype: DataType | null = 'float32',
  seed?: number | string): Tensor {
  return runOp('randomGamma', [], { shape: [...shape], alpha, beta: beta ?? 1, dtype: dtype ?? 'float32', seed: seedValue(seed) });
}

// A null dtype is float32, as TF.js takes it. For bool, TF.js rounds the
// floats and keeps whether they are nonzero.
export function randomUniform(shape: readonly number[], minval = 0, maxval = 1, dtype: DataType | null = 'float32', seed?: number | string): Tensor {
  if (dtype === 'bool') {
    // TF.js writes its draws into a bool buffer, which truncates them: the int32 draw (floored: they differ on (-1, 0)), cast to bool.
    const draw = randomUniform(shape, minval, maxval, 'int32', seed);
    try {
      return runOp('cast', [draw], { dtype: 'bool' });
    } finally {
      draw.dispose();
    }
  }
  return runOp('randomUniform', [], { shape: [...shape], minval, maxval, dtype: dtype ?? 'float32', seed: seedValue(seed) });
}
export function randomNormal(shape: readonly number[], mean = 0, stdDev = 1, dtype: DataType | null = 'float32', seed?: number | string): Tensor {
  return runOp('randomNormal', [], { shape: [...shape], mean, stdDev, dtype: dtype ?? 'float32', seed: seedValue(seed) });
}
/** Normal samples redrawn until within two standard deviations of the mean. */
export function truncatedNormal(shape: readonly number[], mean = 0, stdDev = 1, dtype: DataType | null = 'float32', seed?: number | string): Tensor {
  return runOp('truncatedNormal', [], { shape: [...shape], mean, stdDev, dtype: dtype ?? 'float32', seed: seedValue(seed) });
}
/** randomNormal with mean 0 and standard deviation 1 (TF.js refuses bool). */
export function randomStandardNormal(shape: readonly number[], dtype?: 'float32' | 'int32', seed?: number | string): Tensor {
  if ((dtype as string) === 'bool') throw new Error(`Unsupported data type ${dtype}`);
  return randomNormal(shape, 0, 1, dtype, seed);
}
/** Integers uniform in [minval, maxval). */
export function randomUniformInt(shape: readonly number[], minval: number, maxval: number, seed?: number | string): Tensor {
  return randomUniform(shape, minval, maxval, 'int32', seed);
}

defineOp<Record<string, never>>({
  name: 'clone',
  inputs: [{ name: 'x' }],
  strings: true,
  attrs: {},
  shape: ([x]) => [spec(x.shape, x.dtype)],
  complex: 'native',
  kernels: { cpu: aliasKernel, webgpu: webgpu.aliasKernel },
  grad: ([dy]) => [dy],
});

/** tw.clone(x): a new tensor over the same values. */
export function clone(x: TensorLike): Tensor {
  return runOp('clone', [x]);
}

/** tw.variable(initialValue, trainable, name, dtype): a mutable tensor that tidy never disposes. */
export function variable(initialValue: Tensor, trainable = true, name?: string, dtype?: DataType): Variable {
  const engine = getEngine();
  if (!(initialValue instanceof Tensor)) throw new Error('tensorweb: variable: initialValue must be a Tensor');
  if (dtype && dtype !== initialValue.dtype) {
    const cast = engine.runOp('cast', [initialValue], { dtype })[0];
    try {
      return engine.makeVariable(cast, trainable, name);
    } finally {
      cast.dispose();
    }
  }
  return engine.makeVariable(initialValue, trainable, name);
}

addMethods({ zerosLike, onesLike, variable, oneHot });
declare module '../core/tensor.js' {
  interface Tensor {
    oneHot(depth: number, onValue?: number, offValue?: number, dtype?: DataType): Tensor;
    zerosLike(): Tensor;
    onesLike(): Tensor;
    variable(trainable?: boolean, name?: string, dtype?: DataType): Variable;
  }
}

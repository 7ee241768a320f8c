// Unary elementwise ops, generated from one table: dtype behaviour,
// attributes, and the derivative written with ops (the gradient is dy * f'(x)).
import type { DataType } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { castKernel, unaryKernel, type ScalarFn } from '../backends/cpu/elementwise.js';
import { unaryFns } from '../backends/cpu/unary.js';
import * as webgpu from '../backends/webgpu/kernels/elementwise.js';
import { add, div, divNoNan, greater, greaterEqual, less, lessEqual, logicalAnd, maximum, minimum, mul, sub, where } from './binary.js';
import { asComplex, imag, onPairs, real } from './complex.js';
import { clone, onesLike, zerosLike } from './creation.js';
import { requireDtypes } from './helpers.js';
import { type AttrSpec, defineOp, spec } from './registry.js';
import { type TensorLike, addMethods, runOp } from './run.js';

/**
 * float: int32/bool inputs are cast to float32 (TF.js does for most; it throws for its float32-parsed ops).
 * same: float32 or int32, the output keeps the dtype.
 * predicate: float in, bool out. logical: bool in, bool out.
 */
type Kind = 'float' | 'same' | 'predicate' | 'logical';
type Derivative = (x: Tensor, y: Tensor, attrs: Record<string, number | boolean>) => Tensor;

interface UnaryEntry {
  kind: Kind;
  /** f'(x) as a tensor; 'zero' where it is 0 almost everywhere. */
  derivative: Derivative | 'zero' | 'not-differentiable';
  attrs?: Record<string, AttrSpec>;
  /** The dtype TF.js parses x as (a tensor of another is refused, a TensorLike made in it); otherwise "numeric". */
  parse?: 'float32' | 'bool';
  /** The op on a complex64 x, where TF.js has it. */
  complex?: (x: Tensor) => Tensor;
}

/** |x| of complex x as big * sqrt(1 + (small / big)^2): neither tiny parts' squares underflow nor huge ones' overflow. */
function complexAbs(x: Tensor): Tensor {
  const [re, im] = [abs(real(x)), abs(imag(x))];
  const big = maximum(re, im);
  return mul(big, sqrt(add(1, square(divNoNan(minimum(re, im), big)))));
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_ALPHA = 1.6732632423543772848170429916717;

/** 1 where `condition` holds, else 0, as float32. */
const indicator = (condition: Tensor) => cast(condition, 'float32');

const UNARY = {
  neg: { kind: 'same', derivative: (x) => neg(onesLike(x)), complex: (x) => onPairs([x], ([p]) => neg(p))[0] },
  abs: { kind: 'same', derivative: (x) => sign(x), complex: complexAbs },
  sign: { kind: 'same', derivative: 'zero' },
  exp: { kind: 'float', derivative: (_x, y) => y },
  expm1: { kind: 'float', derivative: (x) => exp(x) },
  log: { kind: 'float', parse: 'float32', derivative: (x) => reciprocal(x) },
  log1p: { kind: 'float', derivative: (x) => reciprocal(add(x, 1)) },
  sqrt: { kind: 'float', parse: 'float32', derivative: (_x, y) => div(0.5, y) },
  rsqrt: { kind: 'float', parse: 'float32', derivative: (x, y) => mul(-0.5, div(y, x)) },
  reciprocal: { kind: 'float', derivative: (_x, y) => neg(square(y)) },
  square: { kind: 'same', derivative: (x) => mul(x, 2) },
  sin: { kind: 'float', parse: 'float32', derivative: (x) => cos(x) },
  cos: { kind: 'float', parse: 'float32', derivative: (x) => neg(sin(x)) },
  tan: { kind: 'float', parse: 'float32', derivative: (x) => reciprocal(square(cos(x))) },
  asin: { kind: 'float', derivative: (x) => rsqrt(sub(1, square(x))) },
  acos: { kind: 'float', derivative: (x) => neg(rsqrt(sub(1, square(x)))) },
  atan: { kind: 'float', derivative: (x) => reciprocal(add(square(x), 1)) },
  sinh: { kind: 'float', derivative: (x) => cosh(x) },
  cosh: { kind: 'float', parse: 'float32', derivative: (x) => sinh(x) },
  tanh: { kind: 'float', parse: 'float32', derivative: (_x, y) => sub(1, square(y)) },
  asinh: { kind: 'float', derivative: (x) => rsqrt(add(square(x), 1)) },
  acosh: { kind: 'float', derivative: (x) => rsqrt(sub(square(x), 1)) },
  atanh: { kind: 'float', derivative: (x) => reciprocal(sub(1, square(x))) },
  erf: { kind: 'float', derivative: (x) => mul(2 / Math.sqrt(Math.PI), exp(neg(square(x)))) },
  floor: { kind: 'float', parse: 'float32', derivative: 'zero' },
  ceil: { kind: 'float', parse: 'float32', derivative: 'zero' },
  round: { kind: 'same', derivative: 'zero' },
  relu: { kind: 'same', derivative: (x) => indicator(greater(x, 0)) },
  relu6: { kind: 'same', derivative: (x) => indicator(logicalAnd(greater(x, 0), less(x, 6))) },
  leakyRelu: {
    kind: 'float', attrs: { alpha: { type: 'number', default: 0.2 } },
    derivative: (x, _y, { alpha }) => where(less(x, 0), alpha as number, 1),
  },
  elu: { kind: 'float', parse: 'float32', derivative: (x, y) => where(greater(x, 0), 1, add(y, 1)) },
  selu: { kind: 'float', derivative: (x) => where(greater(x, 0), SELU_SCALE, mul(SELU_SCALE * SELU_ALPHA, exp(x))) },
  gelu: {
    kind: 'float', attrs: { approximate: { type: 'bool', default: false, doc: 'tanh approximation instead of erf' } },
    derivative: (x, _y, { approximate }) => {
      if (!approximate) {
        // Φ(x) + x·φ(x)
        const cdf = mul(0.5, add(1, erf(mul(x, Math.SQRT1_2))));
        return add(cdf, mul(x, mul(1 / Math.sqrt(2 * Math.PI), exp(mul(-0.5, square(x))))));
      }
      const t = tanh(mul(SQRT_2_OVER_PI, add(x, mul(0.044715, mul(x, square(x))))));
      const dInner = mul(SQRT_2_OVER_PI, add(1, mul(3 * 0.044715, square(x))));
      return add(mul(0.5, add(1, t)), mul(mul(0.5, x), mul(sub(1, square(t)), dInner)));
    },
  },
  sigmoid: { kind: 'float', parse: 'float32', derivative: (_x, y) => mul(y, sub(1, y)) },
  logSigmoid: { kind: 'float', derivative: (x) => sigmoid(neg(x)) },
  softplus: { kind: 'float', derivative: (x) => sigmoid(x) },
  softsign: { kind: 'float', derivative: (x) => reciprocal(square(add(abs(x), 1))) },
  silu: {
    kind: 'float',
    derivative: (x) => {
      const s = sigmoid(x);
      return mul(s, add(1, mul(x, sub(1, s))));
    },
  },
  hardSigmoid: {
    kind: 'float',
    attrs: { alpha: { type: 'number', default: 1 / 6 }, beta: { type: 'number', default: 0.5 } },
    derivative: (x, _y, { alpha, beta }) => {
      const inner = add(mul(x, alpha as number), beta as number);
      return mul(indicator(logicalAnd(greater(inner, 0), less(inner, 1))), alpha as number);
    },
  },
  hardSwish: {
    kind: 'float',
    derivative: (x) => where(lessEqual(x, -3), 0, where(greaterEqual(x, 3), 1, div(add(mul(x, 2), 3), 6))),
  },
  isNaN: { kind: 'predicate', derivative: 'not-differentiable' },
  isInf: { kind: 'predicate', derivative: 'not-differentiable' },
  isFinite: { kind: 'predicate', derivative: 'not-differentiable' },
  logicalNot: { kind: 'logical', parse: 'bool', derivative: 'not-differentiable' },
  clipByValue: {
    kind: 'same', attrs: { clipValueMin: { type: 'number' }, clipValueMax: { type: 'number' } },
    derivative: (x, _y, { clipValueMin, clipValueMax }) =>
      indicator(logicalAnd(greaterEqual(x, clipValueMin as number), lessEqual(x, clipValueMax as number))),
  },
  step: { kind: 'same', attrs: { alpha: { type: 'number', default: 0 } }, derivative: 'zero' },
} satisfies Record<keyof typeof unaryFns, UnaryEntry>;

type UnaryName = keyof typeof UNARY;

/** f'(x) of a differentiable table op whose derivative needs x alone (the fused ops' activations recompute x). */
export function unaryDerivative(name: 'hardSwish', x: Tensor): Tensor {
  return UNARY[name].derivative(x);
}

for (const [name, entry] of Object.entries(UNARY) as [UnaryName, UnaryEntry][]) {
  const { kind, derivative } = entry;
  defineOp<Record<string, number | boolean>>({
    name,
    inputs: [{ name: 'x' }],
    attrs: entry.attrs ?? {},
    inputDtype: kind === 'float' || kind === 'predicate' ? 'float32' : kind === 'logical' ? 'bool' : undefined,
    shape([x], attrs) {
      if (kind === 'same') requireDtypes([x], ['x'], ['float32', 'int32']);
      if (name === 'clipByValue' && (attrs.clipValueMin as number) > (attrs.clipValueMax as number)) {
        throw new Error(`attribute clipValueMin (${attrs.clipValueMin}) must be <= clipValueMax (${attrs.clipValueMax})`);
      }
      const dtype: DataType = kind === 'predicate' || kind === 'logical' ? 'bool' : x.dtype;
      return [spec(x.shape, dtype)];
    },
    ...(entry.complex ? { complex: ([x]: Tensor[]) => [entry.complex!(x)] } : {}),
    kernels: { cpu: unaryKernel(unaryFns[name] as ScalarFn<Record<string, number | boolean>>), webgpu: webgpu.unaryKernel(name) },
    grad: derivative === 'not-differentiable' ? derivative
      : derivative === 'zero' ? (_dys, { inputs: [x] }) => [zerosLike(x)]
        : ([dy], { inputs: [x], outputs: [y] }, attrs) => [mul(dy, derivative(x, y, attrs))],
  });
}

/** The public function of a table op: tw.name(x, ...attrs in TF.js order). */
function unaryFunction(name: UnaryName) {
  const entry: UnaryEntry = UNARY[name];
  const attrNames = Object.keys(entry.attrs ?? {});
  const dtypes = entry.parse ? [entry.parse] : undefined;
  return (x: TensorLike, ...attrValues: unknown[]): Tensor =>
    runOp(name, [x], Object.fromEntries(attrNames.map((a, i) => [a, attrValues[i]])), { dtypes });
}

type Plain = (x: TensorLike) => Tensor;
export const neg: Plain = unaryFunction('neg');
export const abs: Plain = unaryFunction('abs');
export const sign: Plain = unaryFunction('sign');
export const exp: Plain = unaryFunction('exp');
export const expm1: Plain = unaryFunction('expm1');
export const log: Plain = unaryFunction('log');
export const log1p: Plain = unaryFunction('log1p');
export const sqrt: Plain = unaryFunction('sqrt');
export const rsqrt: Plain = unaryFunction('rsqrt');
export const reciprocal: Plain = unaryFunction('reciprocal');
export const square: Plain = unaryFunction('square');
export const sin: Plain = unaryFunction('sin');
export const cos: Plain = unaryFunction('cos');
export const tan: Plain = unaryFunction('tan');
export const asin: Plain = unaryFunction('asin');
export const acos: Plain = unaryFunction('acos');
export const atan: Plain = unaryFunction('atan');
export const sinh: Plain = unaryFunction('sinh');
export const cosh: Plain = unaryFunction('cosh');
export const tanh: Plain = unaryFunction('tanh');
export const asinh: Plain = unaryFunction('asinh');
export const acosh: Plain = unaryFunction('acosh');
export const atanh: Plain = unaryFunction('atanh');
export const erf: Plain = unaryFunction('erf');
export const floor: Plain = unaryFunction('floor');
export const ceil: Plain = unaryFunction('ceil');
export const round: Plain = unaryFunction('round');
export const relu: Plain = unaryFunction('relu');
export const relu6: Plain = unaryFunction('relu6');
export const leakyRelu: (x: TensorLike, alpha?: number) => Tensor = unaryFunction('leakyRelu');
export const elu: Plain = unaryFunction('elu');
export const selu: Plain = unaryFunction('selu');
/** Not in TF.js: Keras's gelu(x, approximate=false); `approximate` uses the tanh form. */
export const gelu: (x: TensorLike, approximate?: boolean) => Tensor = unaryFunction('gelu');
export const sigmoid: Plain = unaryFunction('sigmoid');
export const logSigmoid: Plain = unaryFunction('logSigmoid');
export const softplus: Plain = unaryFunction('softplus');
/** Not in tfjs-core (a Keras activation): x / (1 + |x|). */
export const softsign: Plain = unaryFunction('softsign');
/** Not in tfjs-core: x·sigmoid(x), also exported as `swish`. */
export const silu: Plain = unaryFunction('silu');
export const swish: Plain = silu;
/**
 * Not in tfjs-core: clip(alpha·x + beta, 0, 1). The defaults (1/6, 0.5) are Keras 3's and PyTorch's
 * relu6(x + 3) / 6; ONNX and tfjs-layers use alpha 0.2.
 */
export const hardSigmoid: (x: TensorLike, alpha?: number, beta?: number) => Tensor = unaryFunction('hardSigmoid');
/** Not in tfjs-core: x · relu6(x + 3) / 6. */
export const hardSwish: Plain = unaryFunction('hardSwish');
export const isNaN: Plain = unaryFunction('isNaN');
export const isInf: Plain = unaryFunction('isInf');
export const isFinite: Plain = unaryFunction('isFinite');
export const logicalNot: Plain = unaryFunction('logicalNot');
export const clipByValue: (x: TensorLike, clipValueMin: number, clipValueMax: number) => Tensor = unaryFunction('clipByValue');
export const step: (x: TensorLike, alpha?: number) => Tensor = unaryFunction('step');

defineOp<{ dtype: DataType }>({
  name: 'cast',
  inputs: [{ name: 'x' }],
  attrs: { dtype: { type: 'dtype' } },
  shape: ([x], { dtype }) => [spec(x.shape, dtype)],
  // To complex64: zero imaginary parts; from it: the real parts, as TF.js casts.
  complex: ([x], { dtype }) => [x.dtype !== 'complex64' ? asComplex(x) : dtype === 'complex64' ? clone(x) : cast(real(x), dtype)],
  kernels: { cpu: castKernel, webgpu: webgpu.castKernel },
  // Gradients flow between float dtypes only.
  // An int32 or bool x gets dy itself, float, as TF.js's Cast gradient gives it
  grad: ([dy], { inputs: [x] }) => [x.dtype === 'float32' || x.dtype === 'float16' ? cast(dy, x.dtype) : dy],
});

/** tw.cast(x, dtype). Casting to float16 stores half precision; ops read it back as float32. */
export function cast(x: TensorLike, dtype: DataType): Tensor {
  return runOp('cast', [x], { dtype });
}

type UnaryMethods = { [K in Exclude<UnaryName, 'leakyRelu' | 'gelu' | 'clipByValue' | 'step' | 'hardSigmoid'>]: () => Tensor };
addMethods({
  ...Object.fromEntries((Object.keys(UNARY) as UnaryName[]).map((name) => [name, unaryFunction(name)])),
  swish, cast,
  // TF.js's dtype methods
  asType: cast,
  toFloat: (x: Tensor) => cast(x, 'float32'),
  toInt: (x: Tensor) => cast(x, 'int32'),
  toBool: (x: Tensor) => cast(x, 'bool'),
});
declare module '../core/tensor.js' {
  interface Tensor extends UnaryMethods {
    leakyRelu(alpha?: number): Tensor;
    gelu(approximate?: boolean): Tensor;
    clipByValue(clipValueMin: number, clipValueMax: number): Tensor;
    step(alpha?: number): Tensor;
    hardSigmoid(alpha?: number, beta?: number): Tensor;
    swish(): Tensor;
    cast(dtype: DataType): Tensor;
    asType(dtype: DataType): Tensor;
    toFloat(): Tensor;
    toInt(): Tensor;
    toBool(): Tensor;
  }
}

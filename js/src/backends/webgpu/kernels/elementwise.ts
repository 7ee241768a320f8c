// Elementwise kernels: unary ops (elementwise/unary.wgsl with a body per op),
// broadcasting binary ops (elementwise/binary.wgsl), where (select.wgsl),
// addN, cast, and the creation ops (elementwise/generate.wgsl). NaN is
// tested through the bits, since WGSL comparisons with NaN are not portable.
import type { DataId } from '../../../core/backend.js';
import { type DataType, sizeFromShape } from '../../../core/dtype.js';
import { seedKey } from '../../../core/random.js';
import type { WebGpuBackend } from '../backend.js';
import { typesSlot } from '../wgsl.js';
import { type TensorInfo, type WebGpuKernel, broadcastStrides, gpu, groupsFor, valueBits, wgslType } from './common.js';

/** WGSL: whether the f32 `x` is NaN. */
const nan = (x: string) => `((bitcast<u32>(${x}) & 0x7fffffffu) > 0x7f800000u)`;

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const SIGMOID = 'select(exp(v) / (1.0 + exp(v)), 1.0 / (1.0 + exp(-v)), v >= 0.0)';
// Tint rejects infinite and NaN constants, so these are built from the runtime v (its bits & 0).
const INF = 'bitcast<f32>(0x7f800000u | (bitcast<u32>(v) & 0u))';
const NAN = 'bitcast<f32>(0x7fc00000u | (bitcast<u32>(v) & 0u))';
const IS_INF = '((bitcast<u32>(v) & 0x7fffffffu) == 0x7f800000u)';

/**
 * sin (shift 0), cos (shift 1) or tan with our own range reduction and
 * polynomials: some adapters' builtins (SwiftShader's) are off by 1e-4.
 * r = v - k·π/2 (Cody-Waite, two parts), then the quadrant q = k + shift.
 */
function trig(kind: 'sin' | 'cos' | 'tan'): string {
  const shift = kind === 'cos' ? 1 : 0;
  const result = kind === 'tan'
    ? 'select(s / c, -c / s, (q & 1) == 1)'
    : 'select(select(select(-c, -s, q == 2), c, q == 1), s, q == 0)';
  return `if (${IS_INF}) { return ${NAN}; }
    let k = round(v * 0.6366197723675814);
    let r = (v - k * 1.5707963705062866) - k * -4.371139000186243e-8;
    let r2 = r * r;
    let s = r + r * r2 * (-0.16666667 + r2 * (0.008333331 + r2 * (-0.00019840874 + r2 * 2.7525562e-6)));
    let c = 1.0 - 0.5 * r2 + r2 * r2 * (0.041666638 + r2 * (-0.0013888378 + r2 * 2.4760495e-5));
    let q = (i32(k) + ${shift}) & 3;
    return ${result};`;
}

/**
 * Unary bodies on `v`: `float` for float32 (and the float side of predicates),
 * `int` for int32 inputs of the ops that keep int32. Multi-statement bodies
 * end in a return; float bodies of float ops get a NaN-in, NaN-out guard
 * (`nanIn`), and handle IEEE special values themselves where builtins differ.
 */
const UNARY: Record<string, { float: string; int?: string; passesNaN?: boolean }> = {
  neg: { float: 'return -v;', int: 'return -v;' },
  abs: { float: 'return abs(v);', int: 'return abs(v);' },
  sign: { float: 'return sign(v);', int: 'return sign(v);' },
  exp: { float: `if (v > 88.72284) { return ${INF}; } if (v < -104.0) { return 0.0; } return exp(v);` },
  // exp(v) - 1 cancels for small v; (u - 1) * v / log(u) does not (Kahan).
  expm1: { float: `if (v > 88.72284) { return ${INF}; } if (abs(v) >= 0.5) { return exp(v) - 1.0; } let u = exp(v); if (u == 1.0) { return v; } return (u - 1.0) * v / log(u);` },
  log: { float: `if (v < 0.0) { return ${NAN}; } if (v == 0.0) { return -${INF}; } if (${IS_INF}) { return v; } return log(v);` },
  log1p: { float: `if (v < -1.0) { return ${NAN}; } if (v == -1.0) { return -${INF}; } if (${IS_INF}) { return v; } if (abs(v) >= 0.5) { return log(1.0 + v); } let u = 1.0 + v; if (u == 1.0) { return v; } return log(u) * v / (u - 1.0);` },
  sqrt: { float: 'return sqrt(v);' },
  rsqrt: { float: 'return inverseSqrt(v);' },
  reciprocal: { float: 'return 1.0 / v;' },
  square: { float: 'return v * v;', int: 'return v * v;' },
  sin: { float: trig('sin') },
  cos: { float: trig('cos') },
  tan: { float: trig('tan') },
  asin: { float: 'return asin(v);' },
  acos: { float: 'return acos(v);' },
  atan: { float: 'return atan(v);' },
  sinh: { float: `if (abs(v) > 89.4) { return sign(v) * ${INF}; } return sinh(v);` },
  cosh: { float: `if (abs(v) > 89.4) { return ${INF}; } return cosh(v);` },
  tanh: { float: 'if (abs(v) > 15.0) { return sign(v); } return tanh(v);' },
  asinh: { float: `if (${IS_INF}) { return v; } if (abs(v) > 1e18) { return sign(v) * (log(abs(v)) + 0.6931471805599453); } return asinh(v);` },
  acosh: { float: `if (v < 1.0) { return ${NAN}; } if (${IS_INF}) { return v; } if (v > 1e18) { return log(v) + 0.6931471805599453; } return acosh(v);` },
  atanh: { float: `if (abs(v) > 1.0) { return ${NAN}; } if (abs(v) == 1.0) { return sign(v) * ${INF}; } return atanh(v);` },
  erf: { float: 'return erf(v);' },
  floor: { float: 'return floor(v);' },
  ceil: { float: 'return ceil(v);' },
  round: { float: 'return round(v);' },
  relu: { float: 'return select(v, 0.0, v < 0.0);', int: 'return max(v, 0);' },
  relu6: { float: 'return select(select(v, 6.0, v > 6.0), 0.0, v < 0.0);', int: 'return clamp(v, 0, 6);' },
  leakyRelu: { float: 'return select(v, alpha() * v, v < 0.0);' },
  elu: { float: 'return select(v, exp(v) - 1.0, v < 0.0);' },
  selu: { float: `return select(${SELU_SCALE} * v, ${SELU_SCALE * SELU_ALPHA} * (exp(v) - 1.0), v <= 0.0);` },
  gelu: { float: 'return 0.5 * v * (1.0 + erf(v * 0.7071067811865476));' },
  sigmoid: { float: `return ${SIGMOID};` },
  logSigmoid: { float: 'return -(max(-v, 0.0) + log(1.0 + exp(-abs(v))));' },
  softplus: { float: 'return max(v, 0.0) + log(1.0 + exp(-abs(v)));' },
  softsign: { float: 'return v / (1.0 + abs(v));' },
  silu: { float: `return v * ${SIGMOID};` },
  hardSigmoid: { float: 'return clamp(alpha() * v + beta(), 0.0, 1.0);' },
  hardSwish: { float: 'return v * clamp(v + 3.0, 0.0, 6.0) / 6.0;' },
  isNaN: { float: `return Out(${nan('v')});`, passesNaN: true },
  isInf: { float: `return Out(${IS_INF});`, passesNaN: true },
  isFinite: { float: 'return Out((bitcast<u32>(v) & 0x7fffffffu) < 0x7f800000u);', passesNaN: true },
  logicalNot: { float: 'return Out(v == 0u);', passesNaN: true },
  clipByValue: {
    float: 'return clamp(v, alpha(), beta());',
    int: 'return i32(clamp(f32(v), scalars.alpha, scalars.beta));',
  },
  step: { float: 'return select(alpha(), 1.0, v > 0.0);' },
};

/** The float body with NaN passed through first (WGSL builtins need not keep NaN). */
function floatBody(entry: { float: string; passesNaN?: boolean }): string {
  return entry.passesNaN ? entry.float : `if (${nan('v')}) { return v; } ${entry.float}`;
}

const GELU_TANH = 'return 0.5 * v * (1.0 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));';

/** alpha and beta of the Scalars uniform, from the op's attributes. */
function scalarsOf(name: string, attrs: Record<string, number | boolean>): { alpha: number; beta: number } {
  if (name === 'clipByValue') return { alpha: attrs.clipValueMin as number, beta: attrs.clipValueMax as number };
  return { alpha: (attrs.alpha as number | undefined) ?? 0, beta: (attrs.beta as number | undefined) ?? 0 };
}

const COMPONENTS = ['x', 'y', 'z', 'w'];
const VEC4_ITEMS = 'alias InItem = vec4<In>; alias OutItem = vec4<Out>;';

/** The `apply` slot of a vec4 item: `op` on each component of the values named `operands`. */
function perComponent(op: string, operands: readonly string[]): string {
  return `return OutItem(${COMPONENTS.map((c) => `${op}(${operands.map((o) => `${o}.${c}`).join(', ')})`).join(', ')});`;
}

/** One unary dispatch of `body` from `x` (In type from x's dtype) into a new tensor of `outDtype`. */
export function runUnary(backend: WebGpuBackend, x: TensorInfo, outDtype: DataType, body: string,
  scalars = { alpha: 0, beta: 0 }, inType: string = wgslType(x.dtype)): DataId {
  const out = backend.allocate(x.shape, outDtype);
  const size = sizeFromShape(x.shape);
  if (size === 0) return out;
  const vec4 = size % 4 === 0 && backend.flags.vec4 !== 'off';
  const items = vec4 ? size / 4 : size;
  backend.run({
    shader: 'elementwise/unary.wgsl',
    slots: {
      types: typesSlot({ In: inType, Out: wgslType(outDtype) }), body,
      ...(vec4 ? { items: VEC4_ITEMS, apply: perComponent('unary_op', ['v']) } : {}),
    },
    bindings: { x: x.dataId, y: out, params: { size: items }, scalars },
    workgroups: groupsFor(items),
  });
  return out;
}

export function unaryKernel(name: string): WebGpuKernel<Record<string, number | boolean>> {
  const bodies = UNARY[name];
  if (!bodies) throw new Error(`tensorweb: no WGSL body for unary op '${name}'`);
  return (args) => {
    const { inputs: [x], attrs, outputs: [out] } = args;
    let body = x.dtype === 'int32' && bodies.int ? bodies.int : floatBody(bodies);
    if (name === 'gelu' && attrs.approximate) body = floatBody({ float: GELU_TANH });
    return [runUnary(gpu(args), x, out.dtype, body, scalarsOf(name, attrs))];
  };
}

/** A comparison; with float operands NaN compares unequal to everything (some adapters' comparisons are unordered). */
function compare(op: string): { float: string; int: string; bool: string } {
  const plain = `return Out(a ${op} b);`;
  const either = `(${nan('a')} || ${nan('b')})`;
  return { float: op === '!=' ? `return Out(${either} || a != b);` : `return Out(!${either} && a ${op} b);`, int: plain, bool: plain };
}

/** Binary bodies on `a`, `b`: `float` for float32 operands, `int` for int32, `bool` for bool (u32). */
const BINARY: Record<string, { float: string; int?: string; bool?: string }> = {
  add: { float: 'return a + b;', int: 'return a + b;' },
  sub: { float: 'return a - b;', int: 'return a - b;' },
  mul: { float: 'return a * b;', int: 'return a * b;' },
  div: { float: 'return a / b;' },
  divNoNan: { float: 'return select(a / b, 0.0, b == 0.0);' },
  floorDiv: {
    float: 'return floor(a / b);',
    // numpy: floor division, and 0 for a zero divisor.
    int: 'if (b == 0) { return 0; } let q = a / b; return select(q, q - 1, q * b != a && ((a < 0) != (b < 0)));',
  },
  mod: {
    float: 'let r = a % b; return select(r, r + b, r != 0.0 && ((r < 0.0) != (b < 0.0)));',
    int: 'if (b == 0) { return 0; } let r = a % b; return select(r, r + b, r != 0 && ((r < 0) != (b < 0)));',
  },
  // IEEE pow: x^0 = 1 and 1^y = 1 (NaN included); negative bases need an integral exponent.
  pow: {
    float: `if (b == 0.0 || a == 1.0) { return 1.0; }
    if (${nan('a')} || ${nan('b')}) { return a + b; }
    let inf = bitcast<f32>(0x7f800000u | (bitcast<u32>(a) & 0u));
    var m = pow(abs(a), b);
    if (a == 0.0) { m = select(0.0, inf, b < 0.0); }
    if (a >= 0.0) { return m; }
    if (floor(b) != b) { return bitcast<f32>(0x7fc00000u | (bitcast<u32>(a) & 0u)); }
    return select(m, -m, abs(b) < 16777216.0 && (i32(b) & 1) == 1);`,
    int: `if (b < 0) { if (a == 1) { return 1; } if (a == -1) { return select(1, -1, (b & 1) == 1); } return 0; }
    var result = 1;
    var base = a;
    var e = u32(b);
    while (e > 0u) { if ((e & 1u) == 1u) { result *= base; } base *= base; e = e >> 1u; }
    return result;`,
  },
  maximum: { float: `if (${nan('a')} || ${nan('b')}) { return a + b; } return max(a, b);`, int: 'return max(a, b);' },
  minimum: { float: `if (${nan('a')} || ${nan('b')}) { return a + b; } return min(a, b);`, int: 'return min(a, b);' },
  squaredDifference: { float: 'return (a - b) * (a - b);', int: 'return (a - b) * (a - b);' },
  atan2: { float: 'return atan2(a, b);' },
  prelu: { float: 'return select(a, a * b, a < 0.0);' },
  equal: compare('=='),
  notEqual: compare('!='),
  less: compare('<'),
  lessEqual: compare('<='),
  greater: compare('>'),
  greaterEqual: compare('>='),
  logicalAnd: { float: 'return Out(a != 0u && b != 0u);' },
  logicalOr: { float: 'return Out(a != 0u || b != 0u);' },
  logicalXor: { float: 'return Out((a != 0u) != (b != 0u));' },
};

/**
 * The binary kernel's vec4 variant, where out's last dim is a multiple of 4:
 * its `items` and `apply` slots, out's shape in vec4s, and the strides it
 * reads each operand with. An operand with that last dim is read a vec4 at a
 * time (strides in vec4s); one broadcast along it (a row of means, a scalar)
 * an element at a time and splat (strides in elements).
 */
function binaryVec4(operands: Record<'a' | 'b', TensorInfo>, outShape: readonly number[]) {
  const lastDim = outShape.length - 1;
  const reads: string[] = [];
  const strides: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(operands)) {
    const elementStrides = broadcastStrides(t.shape, outShape);
    if (elementStrides[lastDim] === 0) {
      reads.push(`let ${name}_value = In(${name}[${name}_index / 4u][${name}_index % 4u]);`);
      strides[name] = elementStrides;
    } else {
      reads.push(`let ${name}_value = ${name}[${name}_index];`);
      strides[name] = elementStrides.map((s, d) => (d === lastDim ? s : s / 4));
    }
  }
  const values = COMPONENTS.map((c) => `binary_op(${Object.keys(operands).map((name) =>
    (strides[name][lastDim] === 0 ? `${name}_value` : `${name}_value.${c}`)).join(', ')})`);
  return {
    slots: { items: VEC4_ITEMS, apply: `${reads.join(' ')} return OutItem(${values.join(', ')});` },
    outShape: outShape.map((dim, d) => (d === lastDim ? dim / 4 : dim)),
    strides,
  };
}

/** One broadcasting binary dispatch into a new tensor of `outDtype`. */
export function runBinary(backend: WebGpuBackend, a: TensorInfo, b: TensorInfo, outShape: readonly number[],
  outDtype: DataType, body: string): DataId {
  const out = backend.allocate(outShape, outDtype);
  const size = sizeFromShape(outShape);
  if (size === 0) return out;
  const same = a.shape.join() === outShape.join() && b.shape.join() === outShape.join();
  const last = outShape[outShape.length - 1];
  const vec4 = backend.flags.vec4 !== 'off' && outShape.length > 0 && last % 4 === 0 ? binaryVec4({ a, b }, outShape) : null;
  const items = vec4 ? size / 4 : size;
  backend.run({
    shader: 'elementwise/binary.wgsl',
    slots: { types: typesSlot({ In: wgslType(a.dtype), Out: wgslType(outDtype) }), body, ...vec4?.slots },
    constants: { BROADCAST: !same },
    bindings: {
      a: a.dataId, b: b.dataId, out,
      params: {
        size: items, rank: outShape.length, out_shape: vec4?.outShape ?? outShape,
        a_strides: vec4?.strides.a ?? broadcastStrides(a.shape, outShape), b_strides: vec4?.strides.b ?? broadcastStrides(b.shape, outShape),
      },
    },
    workgroups: groupsFor(items),
  });
  return out;
}

export function binaryKernel(name: string): WebGpuKernel {
  const bodies = BINARY[name];
  if (!bodies) throw new Error(`tensorweb: no WGSL body for binary op '${name}'`);
  return (args) => {
    const { inputs: [a, b], outputs: [out] } = args;
    const body = (a.dtype === 'int32' && bodies.int) || (a.dtype === 'bool' && bodies.bool) || bodies.float;
    return [runBinary(gpu(args), a, b, out.shape, out.dtype, body)];
  };
}

/** The float32 body of binary op `name`. */
export const binaryBody = (name: string): string => BINARY[name].float;

export const addBody = (dtype: DataType) => (dtype === 'int32' ? BINARY.add.int! : BINARY.add.float);

/** Sum of same-shaped inputs as a chain of adds; intermediate sums are freed as it goes. */
export const addNKernel: WebGpuKernel = (args) => {
  const backend = gpu(args);
  const { inputs, outputs: [out] } = args;
  if (inputs.length === 1) return [inputs[0].dataId];
  let sum = runBinary(backend, inputs[0], inputs[1], out.shape, out.dtype, addBody(out.dtype));
  for (const next of inputs.slice(2)) {
    const partial = sum;
    sum = runBinary(backend, { dataId: partial, shape: out.shape, dtype: out.dtype }, next, out.shape, out.dtype, addBody(out.dtype));
    backend.disposeData(partial);
  }
  return [sum];
};

/** where(condition, a, b); a and b are copied as u32 bits, so one pipeline serves every dtype. */
export const whereKernel: WebGpuKernel = (args) => {
  const backend = gpu(args);
  const { inputs: [condition, a, b], outputs: [spec] } = args;
  const out = backend.allocate(spec.shape, spec.dtype);
  const size = sizeFromShape(spec.shape);
  if (size === 0) return [out];
  backend.run({
    shader: 'elementwise/select.wgsl',
    slots: { types: typesSlot({ Elem: 'u32' }) },
    bindings: {
      condition: condition.dataId, a: a.dataId, b: b.dataId, out,
      params: {
        size, rank: spec.shape.length, out_shape: spec.shape,
        condition_strides: broadcastStrides(condition.shape, spec.shape),
        a_strides: broadcastStrides(a.shape, spec.shape), b_strides: broadcastStrides(b.shape, spec.shape),
      },
    },
    workgroups: groupsFor(size),
  });
  return [out];
};

/** Conversion bodies between compute dtypes (bool is 0/1 in a u32; to bool is `!= 0`, so NaN is true). */
function castBody(from: DataType, to: DataType): string {
  if (to === 'bool') return from === 'float32' ? `return Out(v != 0.0 || ${nan('v')});` : 'return Out(v != 0);';
  return 'return Out(v);';
}

/** float16 <-> float32: f16 arithmetic where the adapter has it, else pack2x16float/unpack2x16float on u32 words. */
function castHalf(backend: WebGpuBackend, x: TensorInfo, toHalf: boolean): DataId {
  const size = sizeFromShape(x.shape);
  const outDtype: DataType = toHalf ? 'float16' : 'float32';
  const native = backend.flags.f16 === 'native' || (backend.flags.f16 === 'auto' && backend.hasF16);
  if (native) {
    const out = backend.allocate(x.shape, outDtype);
    if (size === 0) return out;
    backend.run({
      shader: 'elementwise/unary.wgsl',
      slots: { types: typesSlot({ In: toHalf ? 'f32' : 'f16', Out: toHalf ? 'f16' : 'f32' }), body: 'return Out(v);' },
      bindings: { x: x.dataId, y: out, params: { size }, scalars: { alpha: 0, beta: 0 } },
      workgroups: groupsFor(size),
    });
    return out;
  }
  const out = backend.allocate(x.shape, outDtype);
  if (size === 0) return out;
  backend.run({
    shader: 'elementwise/cast_f16_packed.wgsl',
    constants: { TO_F16: toHalf },
    bindings: { x: x.dataId, out, params: { size } },
    workgroups: groupsFor(Math.ceil(size / 2)),
  });
  return out;
}

export const castKernel: WebGpuKernel<{ dtype: DataType }> = (args) => {
  const backend = gpu(args);
  const { inputs: [x], outputs: [out] } = args;
  if (x.dtype === out.dtype) return [x.dataId];
  if (x.dtype === 'float16' || out.dtype === 'float16') {
    // One side is float16: go through float32.
    const toHalf = out.dtype === 'float16';
    if (toHalf && x.dtype !== 'float32') {
      const float = runUnary(backend, x, 'float32', castBody(x.dtype, 'float32'));
      const half = castHalf(backend, { dataId: float, shape: x.shape, dtype: 'float32' }, true);
      backend.disposeData(float);
      return [half];
    }
    const converted = castHalf(backend, x, toHalf);
    if (toHalf || out.dtype === 'float32') return [converted];
    const final = runUnary(backend, { dataId: converted, shape: x.shape, dtype: 'float32' }, out.dtype, castBody('float32', out.dtype));
    backend.disposeData(converted);
    return [final];
  }
  return [runUnary(backend, x, out.dtype, castBody(x.dtype, out.dtype))];
};

interface GenerateParams {
  u0?: number;
  u1?: number;
  bits0?: number;
  bits1?: number;
  f0?: number;
  f1?: number;
}

/**
 * One dispatch of elementwise/generate.wgsl with `body` into a new tensor of the output spec; `items`: the
 * generated item, an element (as dtype's WGSL type) or 4 of them (vec4<u32> bits, for values that need no index).
 */
export function generate(backend: WebGpuBackend, shape: readonly number[], dtype: DataType, body: string,
  params: GenerateParams, { x, items = 'element' }: { x?: DataId; items?: 'element' | 'vec4' } = {}): DataId {
  const out = backend.allocate(shape, dtype);
  // Buffers are whole multiples of 16 bytes, so the last vec4 may run past the elements.
  const size = items === 'vec4' ? Math.ceil(sizeFromShape(shape) / 4) : sizeFromShape(shape);
  if (size === 0) return out;
  backend.run({
    shader: 'elementwise/generate.wgsl',
    slots: { types: typesSlot({ Out: items === 'vec4' ? 'vec4<u32>' : wgslType(dtype) }), body },
    bindings: {
      ...(x ? { x } : {}), out,
      params: { size, u0: 0, u1: 0, bits0: 0, bits1: 0, f0: 0, f1: 0, ...params },
    },
    workgroups: groupsFor(size),
  });
  return out;
}

/** A new tensor of `shape` holding, everywhere, the value whose bits (valueBits) are `bits`: 4 a thread. */
export function fill(backend: WebGpuBackend, shape: readonly number[], dtype: DataType, bits: number): DataId {
  if (backend.flags.vec4 === 'off') return generate(backend, shape, dtype, 'return bitcast<Out>(params.bits0);', { bits0: bits });
  return generate(backend, shape, dtype, 'return Out(params.bits0);', { bits0: bits }, { items: 'vec4' });
}

export const fillKernel: WebGpuKernel<{ value: number }> = (args) => {
  const { attrs: { value }, outputs: [out] } = args;
  return [fill(gpu(args), out.shape, out.dtype, valueBits(value, out.dtype))];
};

export const rangeKernel: WebGpuKernel<{ start: number; stop: number; step: number }> = (args) => {
  const { attrs: { start, stop, step }, outputs: [out] } = args;
  // TF.js counts down with a step of 1 when stop < start.
  const delta = stop < start && step === 1 ? -1 : step;
  const body = out.dtype === 'int32' ? 'return i32(params.f0) + i32(i) * i32(params.f1);' : 'return params.f0 + f32(i) * params.f1;';
  return [generate(gpu(args), out.shape, out.dtype, body, { f0: start, f1: delta })];
};

export const linspaceKernel: WebGpuKernel<{ start: number; stop: number; num: number }> = (args) => {
  const { attrs: { start, stop, num }, outputs: [out] } = args;
  return [generate(gpu(args), out.shape, out.dtype, 'return params.f0 + f32(i) * params.f1;',
    { f0: start, f1: num === 1 ? 0 : (stop - start) / (num - 1) })];
};

export const eyeKernel: WebGpuKernel = (args) => {
  const { outputs: [out] } = args;
  const [rows, cols] = out.shape.slice(-2);
  const body = 'let j = i % (params.u0 * params.u1); return Out(j / params.u1 == j % params.u1);';
  return [generate(gpu(args), out.shape, out.dtype, body, { u0: rows, u1: cols })];
};

export const oneHotKernel: WebGpuKernel<{ depth: number; onValue: number; offValue: number }> = (args) => {
  const { inputs: [indices], attrs: { depth, onValue, offValue }, outputs: [out] } = args;
  const body = 'return bitcast<Out>(select(params.bits1, params.bits0, x[i / params.u0] == i32(i % params.u0)));';
  return [generate(gpu(args), out.shape, out.dtype, body,
    { u0: depth, bits0: valueBits(onValue, out.dtype), bits1: valueBits(offValue, out.dtype) }, { x: indices.dataId })];
};

/** random.wgsl's DISTRIBUTION for each random op. */
const DISTRIBUTIONS = { randomUniform: 0, randomNormal: 1, truncatedNormal: 2 } as const;

/** The random ops, by elementwise/random.wgsl's Philox contract. */
export function randomKernel(op: keyof typeof DISTRIBUTIONS): WebGpuKernel<{ seed: number; minval?: number; maxval?: number; mean?: number; stdDev?: number }> {
  const distribution = DISTRIBUTIONS[op];
  return (args) => {
    const backend = gpu(args);
    const { attrs, outputs: [spec] } = args;
    const out = backend.allocate(spec.shape, spec.dtype);
    const size = sizeFromShape(spec.shape);
    if (size === 0) return [out];
    const [key0, key1] = seedKey(attrs.seed);
    const [a, b] = distribution === 0 ? [attrs.minval!, attrs.maxval!] : [attrs.mean!, attrs.stdDev!];
    backend.run({
      shader: 'elementwise/random.wgsl',
      slots: { types: typesSlot({ Out: wgslType(spec.dtype) }) },
      constants: { DISTRIBUTION: distribution, INTEGER: spec.dtype === 'int32' },
      bindings: { out, params: { size, key0, key1, a, b } },
      workgroups: groupsFor(size),
    });
    return [out];
  };
}

/** A view: the output shares the input's buffer (reshape, clone). */
export const aliasKernel: WebGpuKernel = ({ inputs: [x] }) => [x.dataId];

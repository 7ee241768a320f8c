// Elementwise kernels: unary ops (elementwise/unary.wgsl with a body per op),
// broadcasting binary ops (elementwise/binary.wgsl), where (select.wgsl),
// addN, cast, and the creation ops (elementwise/generate.wgsl). The ops
// themselves are WGSL functions in elementwise/unary_ops.wgsl,
// binary_ops.wgsl and generate_ops.wgsl, which the kernels' `body` slot
// calls (cast: unary.wgsl's convert, or castToBool_<type>).
import type { DataId } from '../../../core/backend.js';
import { type DataType, sizeFromShape } from '../../../core/dtype.js';
import { seedKey } from '../../../core/random.js';
import type { Launch, WebGpuBackend } from '../backend.js';
import { opFunctions, repeatTemplates, shaderFiles, shaderSource } from '../../../shaders.js';
import { typesSlot } from '../wgsl.js';
import { type TensorInfo, type WebGpuKernel, broadcastStrides, gpu, groupsFor, mergedDims, valueBits, wgslType } from './common.js';

const SHADERS = shaderFiles({
  unary: 'elementwise/unary.wgsl',
  binary: 'elementwise/binary.wgsl',
  select: 'elementwise/select.wgsl',
  castF16Packed: 'elementwise/cast_f16_packed.wgsl',
  generate: 'elementwise/generate.wgsl',
  random: 'elementwise/random.wgsl',
});

/** A WGSL op table: its path under shaders/ and, by op name, the input types of its functions `<op>_<type>`. */
interface OpTable {
  path: string;
  kind: string;
  types: Map<string, Set<string>>;
}

function opTable(path: string, kind: string): OpTable {
  return { path, kind, types: opFunctions(path) };
}

const UNARY_OPS = opTable('elementwise/unary_ops.wgsl', 'unary');
const BINARY_OPS = opTable('elementwise/binary_ops.wgsl', 'binary');
const GENERATE_OPS = opTable('elementwise/generate_ops.wgsl', 'creation');

/** Fails at registration (bundle load) where an op name has no function in the table. */
function requireOp(table: OpTable, name: string): void {
  if (!table.types.has(name)) {
    throw new Error(`tensorweb: no WGSL function for ${table.kind} op '${name}' in shaders/${table.path} (has: ${[...table.types.keys()].join(', ')})`);
  }
}

/** The `body` slot that calls op function `<name>_<type>` of `table` on `args`. */
function callOp(table: OpTable, name: string, type: string, args: string): string {
  if (!table.types.get(name)?.has(type)) {
    const types = [...table.types.get(name) ?? []].join(', ') || 'no types';
    throw new Error(`tensorweb: shaders/${table.path} has no function ${name}_${type} (${table.kind} op '${name}' takes ${types})`);
  }
  return `return ${name}_${type}(${args});`;
}

/** alpha and beta of the Scalars uniform, from the op's attributes. */
function scalarsOf(name: string, attrs: Record<string, number | boolean>): { alpha: number; beta: number } {
  if (name === 'clipByValue') return { alpha: attrs.clipValueMin as number, beta: attrs.clipValueMax as number };
  return { alpha: (attrs.alpha as number | undefined) ?? 0, beta: (attrs.beta as number | undefined) ?? 0 };
}

const vec4Slots = new Map<string, string>();

/** A vec4 variant's slot (`items`, `apply`) written out from `shader`'s `// @repeat` templates (kept: every dispatch asks). */
function vec4Slot(shader: string, slot: string, parts: readonly string[]): string {
  const key = `${shader}|${slot}|${parts.join()}`;
  let text = vec4Slots.get(key);
  if (text === undefined) {
    text = repeatTemplates(shaderSource(shader), slot, parts.map((part) => [part, {}]));
    vec4Slots.set(key, text);
  }
  return text;
}

/** One unary dispatch of `body` from `x` (In type from x's dtype) into a new tensor of `outDtype`. */
export function runUnary(backend: WebGpuBackend, x: TensorInfo, outDtype: DataType, body: string,
  scalars = { alpha: 0, beta: 0 }, inType: string = wgslType(x.dtype)): DataId {
  const out = backend.allocate(x.shape, outDtype);
  const size = sizeFromShape(x.shape);
  if (size === 0) return out;
  const launch = (vec4: boolean): Launch => {
    const items = vec4 ? size / 4 : size;
    return {
      shader: SHADERS.unary,
      slots: {
        types: typesSlot({ In: inType, Out: wgslType(outDtype) }), body,
        ...(vec4 ? { items: vec4Slot(SHADERS.unary, 'items', ['vec4']), apply: vec4Slot(SHADERS.unary, 'apply', ['vec4']) } : {}),
      },
      bindings: { x: x.dataId, y: out, params: { size: items }, scalars },
      workgroups: groupsFor(items),
    };
  };
  // The scalar variant runs any size: a model whose sizes change may keep it (see pickVariant).
  backend.run(size % 4 === 0 && backend.flags.vec4 !== 'off' ? backend.pickVariant(launch(true), () => [launch(false)]) : launch(false));
  return out;
}

export function unaryKernel(name: string): WebGpuKernel<Record<string, number | boolean>> {
  requireOp(UNARY_OPS, name);
  return (args) => {
    const { inputs: [x], attrs, outputs: [out] } = args;
    const op = name === 'gelu' && attrs.approximate ? 'geluTanh' : name;
    const body = callOp(UNARY_OPS, op, wgslType(x.dtype), 'v');
    return [runUnary(gpu(args), x, out.dtype, body, scalarsOf(name, attrs))];
  };
}

/**
 * The binary kernel's vec4 variant, where out's last dim is a multiple of 4:
 * its `items` and `apply` slots, out's shape in vec4s, the strides it
 * reads each operand with, and which operands it splats. An operand with that last dim is read a vec4 at a
 * time (strides in vec4s); one broadcast along it (a row of means, a scalar)
 * an element at a time and splat (strides in elements). With `either`, the slots read each operand either way
 * as params.a_splat and b_splat say, so one pipeline serves every layout.
 */
function binaryVec4(operandStrides: Record<'a' | 'b', number[]>, outShape: readonly number[], either: boolean) {
  const lastDim = outShape.length - 1;
  const reads: string[] = [];
  const strides: Record<string, number[]> = {};
  const splats: Record<string, number> = {};
  for (const [name, elementStrides] of Object.entries(operandStrides)) {
    const splat = elementStrides[lastDim] === 0;
    reads.push(either ? `${name}_either` : splat ? `${name}_splat` : name);
    splats[name] = Number(splat);
    strides[name] = splat ? elementStrides : elementStrides.map((s, d) => (d === lastDim ? s : s / 4));
  }
  return {
    slots: { items: vec4Slot(SHADERS.binary, 'items', ['vec4']), apply: vec4Slot(SHADERS.binary, 'apply', [...reads, 'result']) },
    outShape: outShape.map((dim, d) => (d === lastDim ? dim / 4 : dim)),
    strides,
    splats,
  };
}

/**
 * params.op of binary.wgsl's `arithmetic` body, by the body of the op it stands for: add, sub and mul of floats and
 * integers, div of floats (see arithmetic in the shader).
 */
const ARITHMETIC_OPS: ReadonlyMap<string, number> = new Map([
  ...['f32', 'i32'].flatMap((type) => ['add', 'sub', 'mul'].map((op, index): [string, number] =>
    [callOp(BINARY_OPS, op, type, 'a, b'), index])),
  [callOp(BINARY_OPS, 'div', 'f32', 'a, b'), 3],
]);

/** One broadcasting binary dispatch into a new tensor of `outDtype`. */
export function runBinary(backend: WebGpuBackend, a: TensorInfo, b: TensorInfo, outShape: readonly number[],
  outDtype: DataType, body: string): DataId {
  const out = backend.allocate(outShape, outDtype);
  const size = sizeFromShape(outShape);
  if (size === 0) return out;
  // On CPU adapters the arithmetic ops share one pipeline per type, the op in params.
  const op = backend.info.runsOnCpu ? ARITHMETIC_OPS.get(body) : undefined;
  // On CPU adapters one vec4 pipeline per type serves every layout, each operand's splat read chosen by params
  // (`either`): MiniLM compiled four float ones before its first result (~40 ms each on SwiftShader); their
  // dispatches take the same time.
  const either = backend.info.runsOnCpu;
  const same = a.shape.join() === outShape.join() && b.shape.join() === outShape.join();
  const { shape, strides: [aStrides, bStrides] } = mergedDims(outShape, [broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape)]);
  const last = shape[shape.length - 1];
  const launch = (vec4: ReturnType<typeof binaryVec4> | null, broadcast: boolean): Launch => {
    const items = vec4 ? size / 4 : size;
    return {
      shader: SHADERS.binary,
      slots: { types: typesSlot({ In: wgslType(a.dtype), Out: wgslType(outDtype) }), body: op === undefined ? body : 'return arithmetic(a, b);', ...vec4?.slots },
      constants: { BROADCAST: broadcast || (either && vec4 !== null) },
      bindings: {
        a: a.dataId, b: b.dataId, out,
        params: {
          size: items, rank: shape.length, out_shape: vec4?.outShape ?? shape,
          a_strides: vec4?.strides.a ?? aStrides, b_strides: vec4?.strides.b ?? bStrides, op: op ?? 0,
          a_splat: vec4?.splats.a ?? 0, b_splat: vec4?.splats.b ?? 0,
        },
      },
      workgroups: groupsFor(items),
    };
  };
  const vec4 = backend.flags.vec4 !== 'off' && shape.length > 0 && last % 4 === 0 ? binaryVec4({ a: aStrides, b: bStrides }, shape, either) : null;
  const best = launch(vec4, !same);
  // The broadcasting scalar variant runs any shapes: a model whose sizes change may keep it (see pickVariant).
  const alternatives = () => [...(vec4 ? [launch(null, !same)] : []), ...(same ? [launch(null, true)] : [])];
  backend.run(vec4 || same ? backend.pickVariant(best, alternatives) : best);
  return out;
}

export function binaryKernel(name: string): WebGpuKernel {
  requireOp(BINARY_OPS, name);
  return (args) => {
    const { inputs: [a, b], outputs: [out] } = args;
    const body = callOp(BINARY_OPS, name, wgslType(a.dtype), 'a, b');
    return [runBinary(gpu(args), a, b, out.shape, out.dtype, body)];
  };
}

/** The `body` slot that applies float unary op `name` to `v` (the fused epilogue's activation, through common/activation.wgsl). */
export const unaryBody = (name: string): string => callOp(UNARY_OPS, name, 'f32', 'v');
/** The `body` slot of binary op `name` on float32 operands. */
export const binaryBody = (name: string): string => callOp(BINARY_OPS, name, 'f32', 'a, b');

export const addBody = (dtype: DataType) => callOp(BINARY_OPS, 'add', dtype === 'int32' ? 'i32' : 'f32', 'a, b');
/** The `body` slot that combines `a` and `b` of WGSL type `type` by binary op `name` (reductions' and scans' combine step). */
export function binaryOpBody(name: string, type: 'f32' | 'i32' | 'u32'): string {
  requireOp(BINARY_OPS, name);
  return callOp(BINARY_OPS, name, type, 'a, b');
}

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
    shader: SHADERS.select,
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

/** cast's body between compute dtypes (bool is 0/1 in a u32; to bool is `!= 0`, so NaN is true). */
export function castBody(from: DataType, to: DataType): string {
  return to === 'bool' ? callOp(UNARY_OPS, 'castToBool', wgslType(from), 'v') : 'return convert(v);';
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
      shader: SHADERS.unary,
      slots: { types: typesSlot({ In: toHalf ? 'f32' : 'f16', Out: toHalf ? 'f16' : 'f32' }), body: castBody(x.dtype, outDtype) },
      bindings: { x: x.dataId, y: out, params: { size }, scalars: { alpha: 0, beta: 0 } },
      workgroups: groupsFor(size),
    });
    return out;
  }
  const out = backend.allocate(x.shape, outDtype);
  if (size === 0) return out;
  backend.run({
    shader: SHADERS.castF16Packed,
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

/** Names a function family `<name>_<type>` of elementwise/generate_ops.wgsl; fails as the bundle loads without one. */
export function generateOp(name: string): string {
  requireOp(GENERATE_OPS, name);
  return name;
}

const FILL = generateOp('fill');
const FILL4 = generateOp('fill4');
const RANGE = generateOp('range');
const EYE = generateOp('eye');
const ONE_HOT = generateOp('oneHot');

/**
 * One dispatch of elementwise/generate.wgsl calling `op` (a generateOp) into a new tensor of the output spec;
 * `items`: the generated item, an element (as dtype's WGSL type) or 4 of them (vec4<u32> bits, for values
 * that need no index).
 */
export function generate(backend: WebGpuBackend, shape: readonly number[], dtype: DataType, op: string,
  params: GenerateParams, { x, items = 'element' }: { x?: DataId; items?: 'element' | 'vec4' } = {}): DataId {
  const out = backend.allocate(shape, dtype);
  // Buffers are whole multiples of 16 bytes, so the last vec4 may run past the elements.
  const size = items === 'vec4' ? Math.ceil(sizeFromShape(shape) / 4) : sizeFromShape(shape);
  if (size === 0) return out;
  const type = items === 'vec4' ? 'u32' : wgslType(dtype);
  backend.run({
    shader: SHADERS.generate,
    slots: { types: typesSlot({ Out: items === 'vec4' ? 'vec4<u32>' : type }), body: callOp(GENERATE_OPS, op, type, 'i') },
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
  if (backend.flags.vec4 === 'off') return generate(backend, shape, dtype, FILL, { bits0: bits });
  return generate(backend, shape, dtype, FILL4, { bits0: bits }, { items: 'vec4' });
}

export const fillKernel: WebGpuKernel<{ value: number }> = (args) => {
  const { attrs: { value }, outputs: [out] } = args;
  return [fill(gpu(args), out.shape, out.dtype, valueBits(value, out.dtype))];
};

export const rangeKernel: WebGpuKernel<{ start: number; stop: number; step: number }> = (args) => {
  const { attrs: { start, stop, step }, outputs: [out] } = args;
  // TF.js counts down with a step of 1 when stop < start.
  const delta = stop < start && step === 1 ? -1 : step;
  return [generate(gpu(args), out.shape, out.dtype, RANGE, { f0: start, f1: delta })];
};

export const linspaceKernel: WebGpuKernel<{ start: number; stop: number; num: number }> = (args) => {
  const { attrs: { start, stop, num }, outputs: [out] } = args;
  // A range from start whose step reaches stop at num - 1.
  return [generate(gpu(args), out.shape, out.dtype, RANGE, { f0: start, f1: num === 1 ? 0 : (stop - start) / (num - 1) })];
};

export const eyeKernel: WebGpuKernel = (args) => {
  const { outputs: [out] } = args;
  const [rows, cols] = out.shape.slice(-2);
  return [generate(gpu(args), out.shape, out.dtype, EYE, { u0: rows, u1: cols })];
};

export const oneHotKernel: WebGpuKernel<{ depth: number; onValue: number; offValue: number }> = (args) => {
  const { inputs: [indices], attrs: { depth, onValue, offValue }, outputs: [out] } = args;
  return [generate(gpu(args), out.shape, out.dtype, ONE_HOT,
    { u0: depth, bits0: valueBits(onValue, out.dtype), bits1: valueBits(offValue, out.dtype) }, { x: indices.dataId })];
};

/** random.wgsl's DISTRIBUTION for each random op. */
const DISTRIBUTIONS = { randomUniform: 0, randomNormal: 1, truncatedNormal: 2, randomGamma: 3 } as const;

/** The random ops, by elementwise/random.wgsl's Philox contract. */
export function randomKernel(op: keyof typeof DISTRIBUTIONS):
  WebGpuKernel<{ seed: number; minval?: number; maxval?: number; mean?: number; stdDev?: number; alpha?: number; beta?: number }> {
  const distribution = DISTRIBUTIONS[op];
  return (args) => {
    const backend = gpu(args);
    const { attrs, outputs: [spec] } = args;
    const out = backend.allocate(spec.shape, spec.dtype);
    const size = sizeFromShape(spec.shape);
    if (size === 0) return [out];
    const [key0, key1] = seedKey(attrs.seed);
    const [a, b] = distribution === 0 ? [attrs.minval!, attrs.maxval!] : distribution === 3 ? [attrs.alpha!, attrs.beta!] : [attrs.mean!, attrs.stdDev!];
    backend.run({
      shader: SHADERS.random,
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

// Reductions over axes (reduce/reduce.wgsl, or reduce_per_thread.wgsl for
// short axes: see threadPerOutput), argMax/argMin
// (reduce/arg_reduce.wgsl) and cumsum/cumprod (reduce/cumulative.wgsl).
// Reduced axes that are not adjacent are first transposed to the end.
import type { DataId } from '../../../core/backend.js';
import { normalizeAxes } from '../../../core/axes.js';
import { type DataType, sizeFromShape } from '../../../core/dtype.js';
import type { WebGpuBackend } from '../backend.js';
import { typesSlot } from '../wgsl.js';
import { type TensorInfo, type WebGpuKernel, gpu, groupsFor, wgslType } from './common.js';
import { binaryOpBody, castKernel } from './elementwise.js';
import { stridedCopy, transposeData } from './shape.js';
import { shaderFiles } from '../../../shaders.js';

const SHADERS = shaderFiles({
  reducePerThread: 'reduce/reduce_per_thread.wgsl',
  reduceSubgroup: 'reduce/reduce_subgroup.wgsl',
  reduce: 'reduce/reduce.wgsl',
  argReduce: 'reduce/arg_reduce.wgsl',
  cumulative: 'reduce/cumulative.wgsl',
  bitonicSortStep: 'reduce/bitonic_sort_step.wgsl',
});

const F32 = { one: 0x3f800000, inf: 0x7f800000, negInf: 0xff800000 };

interface Reduction {
  /** The binary op (elementwise/binary_ops.wgsl) that combines two partial results. */
  combine: string;
  identity: (dtype: DataType) => number;
}

const REDUCTIONS: Record<string, Reduction> = {
  sum: { combine: 'add', identity: () => 0 },
  mean: { combine: 'add', identity: () => 0 },
  prod: { combine: 'mul', identity: (d) => (d === 'float32' ? F32.one : 1) },
  max: { combine: 'maximum', identity: (d) => (d === 'float32' ? F32.negInf : 0x80000000) },
  min: { combine: 'minimum', identity: (d) => (d === 'float32' ? F32.inf : 0x7fffffff) },
  all: { combine: 'logicalAnd', identity: () => 1 },
  any: { combine: 'logicalOr', identity: () => 0 },
};

/** Below this many reduced elements per output, one pass; above, two (see reduce.wgsl). */
const TWO_PASS_THRESHOLD = 8192;

/** A divisor r2 of `size` to reduce first (r2 in [256, 4096]), or 0 when none suits. */
function firstPassLength(size: number): number {
  for (let r2 = Math.min(4096, Math.floor(size / 64)); r2 >= 256; r2--) if (size % r2 === 0) return r2;
  return 0;
}

/**
 * Whether one thread per output, looping over the axis, beats a workgroup per output. Measured on SwiftShader
 * (MiniLM at 128 tokens): a softmax's row maxima over [12, 128, 128] took ~30 ms with a workgroup per row,
 * ~1.2 ms with a thread per row. With few outputs too (a classifier's one softmax row of 1000, a sum of 4096):
 * within 0.1 ms of a workgroup's time, and a pipeline without barriers compiles in half the time there (a
 * softmax ~40 instead of ~85 ms, before a model's first result). On GPUs a thread reading its axis alone
 * wastes the memory system, so only for very short axes with many outputs.
 */
export function threadPerOutput(backend: WebGpuBackend, outputs: number, reduceSize: number): boolean {
  const { reduce } = backend.flags;
  if (reduce !== 'auto') return reduce === 'thread';
  return backend.info.runsOnCpu ? reduceSize <= 4096 : outputs >= 4096 && reduceSize <= 64;
}

function reducePass(backend: WebGpuBackend, x: DataId, dtype: DataType, outer: number, reduceSize: number, inner: number,
  reduction: Reduction, scale: number | null): DataId {
  const out = backend.allocate([outer * inner], dtype);
  if (outer * inner === 0) return out;
  const perThread = threadPerOutput(backend, outer * inner, reduceSize);
  backend.run({
    // Subgroup shuffles where the adapter has them; the workgroup-memory tree otherwise.
    shader: perThread ? SHADERS.reducePerThread : backend.useSubgroups ? SHADERS.reduceSubgroup : SHADERS.reduce,
    slots: { types: typesSlot({ Elem: wgslType(dtype) }), body: binaryOpBody(reduction.combine, wgslType(dtype)) },
    constants: { SCALED: scale !== null },
    bindings: { x, out, params: { outer, reduce_size: reduceSize, inner, identity_bits: reduction.identity(dtype), scale: scale ?? 1 } },
    workgroups: perThread ? groupsFor(outer * inner) : outer * inner,
  });
  return out;
}

/** Converts `x` to `dtype` when it differs (bool sums and products count in int32). */
function castTo(backend: WebGpuBackend, x: TensorInfo, dtype: DataType): { info: TensorInfo; temporary: boolean } {
  if (x.dtype === dtype) return { info: x, temporary: false };
  const [dataId] = castKernel({ backend, inputs: [x], attrs: { dtype }, outputs: [{ shape: x.shape, dtype }] });
  return { info: { dataId, shape: x.shape, dtype }, temporary: true };
}

/**
 * Reduces `x` over `axes` (normalized, ascending) by the reduction `name` into a new tensor of the kept dims'
 * elements (in x's dtype, which the caller has cast to the output's): adjacent axes in place as [outer, size,
 * inner], others transposed to the end first; long sums with few outputs in two passes.
 */
export function reduceAxes(backend: WebGpuBackend, x: TensorInfo, name: string, axes: readonly number[]): DataId {
  const reduction = REDUCTIONS[name];
  const temporaries: DataId[] = [];
  let source = x.dataId;
  let [outer, reduceSize, inner] = [1, 1, 1];
  const adjacent = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (axes.length === 0) {
    outer = sizeFromShape(x.shape);
  } else if (adjacent) {
    outer = sizeFromShape(x.shape.slice(0, axes[0]));
    reduceSize = sizeFromShape(axes.map((a) => x.shape[a]));
    inner = sizeFromShape(x.shape.slice(axes[axes.length - 1] + 1));
  } else {
    const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    source = transposeData(backend, x, [...kept, ...axes]);
    temporaries.push(source);
    outer = sizeFromShape(kept.map((a) => x.shape[a]));
    reduceSize = sizeFromShape(axes.map((a) => x.shape[a]));
  }
  const scale = name === 'mean' ? 1 / reduceSize : null;
  const r2 = reduceSize >= TWO_PASS_THRESHOLD && outer * inner <= 256 ? firstPassLength(reduceSize) : 0;
  let result: DataId;
  if (r2) {
    const partial = reducePass(backend, source, x.dtype, outer * (reduceSize / r2), r2, inner, reduction, null);
    temporaries.push(partial);
    result = reducePass(backend, partial, x.dtype, outer, reduceSize / r2, inner, reduction, scale);
  } else {
    result = reducePass(backend, source, x.dtype, outer, reduceSize, inner, reduction, scale);
  }
  temporaries.forEach((t) => backend.disposeData(t));
  return result;
}

export function reduceKernel(name: string): WebGpuKernel<{ axis: number | number[] | null; keepDims: boolean }> {
  if (!REDUCTIONS[name]) throw new Error(`tensorweb: no WGSL combine step for reduction '${name}'`);
  return (args) => {
    const backend = gpu(args);
    const { inputs: [input], attrs, outputs: [out] } = args;
    const cast = castTo(backend, input, out.dtype);
    const result = reduceAxes(backend, cast.info, name, normalizeAxes(attrs.axis, input.shape.length));
    if (cast.temporary) backend.disposeData(cast.info.dataId);
    return [result];
  };
}

/** [outer, size, inner] around one axis. */
function aroundAxis(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeFromShape(shape.slice(0, axis)), shape[axis], sizeFromShape(shape.slice(axis + 1))];
}

export function argReduceKernel(name: 'argMax' | 'argMin'): WebGpuKernel<{ axis: number }> {
  return (args) => {
    const backend = gpu(args);
    const { inputs: [x], attrs, outputs: [out] } = args;
    const [outer, reduceSize, inner] = aroundAxis(x.shape, normalizeAxes(attrs.axis, x.shape.length)[0]);
    const result = backend.allocate(out.shape, 'int32');
    if (outer * inner === 0) return [result];
    backend.run({
      shader: SHADERS.argReduce,
      // Whether `candidate` beats `best`: arg_reduce.wgsl's function for the op and type.
      slots: { types: typesSlot({ Elem: wgslType(x.dtype) }), body: `return ${name}_${wgslType(x.dtype)}(candidate, best);` },
      bindings: { x: x.dataId, out: result, params: { outer, reduce_size: reduceSize, inner } },
      workgroups: outer * inner,
    });
    return [result];
  };
}

export function scanKernel(name: 'cumsum' | 'cumprod'): WebGpuKernel<{ axis: number; exclusive: boolean; reverse: boolean }> {
  return (args) => {
    const backend = gpu(args);
    const { inputs: [input], attrs, outputs: [out] } = args;
    const cast = castTo(backend, input, out.dtype);
    const [outer, size, inner] = aroundAxis(input.shape, normalizeAxes(attrs.axis, input.shape.length)[0]);
    const result = backend.allocate(out.shape, out.dtype);
    if (outer * size * inner > 0) {
      const identity = name === 'cumsum' ? 0 : out.dtype === 'float32' ? F32.one : 1;
      backend.run({
        shader: SHADERS.cumulative,
        slots: { types: typesSlot({ Elem: wgslType(out.dtype) }), body: binaryOpBody(name === 'cumsum' ? 'add' : 'mul', wgslType(out.dtype)) },
        constants: { EXCLUSIVE: attrs.exclusive, REVERSE: attrs.reverse },
        bindings: { x: cast.info.dataId, out: result, params: { outer, size, inner, identity_bits: identity } },
        workgroups: groupsFor(outer * inner),
      });
    }
    if (cast.temporary) backend.disposeData(cast.info.dataId);
    return [result];
  };
}

/**
 * topk: each row of the last dim sorted largest first (ties by smaller
 * index) by bitonic stages (reduce/bitonic_sort_step.wgsl) over the row
 * padded to a power of two, then the first k columns copied out. int32
 * values sort as float32 (exact below 2^24).
 */
export const topkKernel: WebGpuKernel<{ k: number }> = (args) => {
  const backend = gpu(args);
  const { inputs: [input], attrs: { k }, outputs: [valuesSpec, indicesSpec] } = args;
  const n = input.shape[input.shape.length - 1];
  const rows = sizeFromShape(input.shape.slice(0, -1));
  const cast = castTo(backend, input, 'float32');
  const nPow2 = 2 ** Math.ceil(Math.log2(Math.max(2, n)));
  const sortedValues = backend.allocate([rows, nPow2], 'float32');
  const sortedIndices = backend.allocate([rows, nPow2], 'int32');
  if (rows * k > 0) {
    let first = true;
    for (let block = 2; block <= nPow2; block *= 2) {
      for (let distance = block / 2; distance >= 1; distance /= 2) {
        backend.run({
          shader: SHADERS.bitonicSortStep,
          constants: { FIRST: first },
          bindings: { x: cast.info.dataId, values: sortedValues, indices: sortedIndices, params: { rows, n, n_pow2: nPow2, block, distance } },
          workgroups: groupsFor(rows * nPow2 / 2),
        });
        first = false;
      }
    }
  }
  const firstColumns = (sorted: DataId, dtype: DataType) =>
    stridedCopy(backend, sorted, { shape: [rows, k], inStrides: [nPow2, 1] }, backend.allocate([rows, k], dtype));
  let values = firstColumns(sortedValues, 'float32');
  const indices = firstColumns(sortedIndices, 'int32');
  if (valuesSpec.dtype !== 'float32') {
    const [converted] = castKernel({ backend, inputs: [{ dataId: values, shape: valuesSpec.shape, dtype: 'float32' }],
      attrs: { dtype: valuesSpec.dtype }, outputs: [valuesSpec] });
    backend.disposeData(values);
    values = converted;
  }
  [sortedValues, sortedIndices, ...(cast.temporary ? [cast.info.dataId] : [])].forEach((t) => backend.disposeData(t));
  return [values, indices];
};

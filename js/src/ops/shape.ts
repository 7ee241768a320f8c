// Shape ops: moving, selecting, joining and splitting elements without
// arithmetic. Kernel ops copy elements through per-dimension tables
// (backends/cpu/shape.ts); their gradients are other shape ops. The rest are
// decompositions into these.
import type { TensorSpec } from '../core/backend.js';
import { type DataType, sizeFromShape, stridesOf } from '../core/dtype.js';
import { normalizeAxes } from '../core/axes.js';
import { type StridedSliceAttrs, stridedSliceSpec } from '../core/strided_slice.js';
import { Tensor } from '../core/tensor.js';
import { tensor } from '../core/convert.js';
import { aliasKernel } from '../backends/cpu/elementwise.js';
import {
  axisTable, concatKernel, gatherKernel, gatherLayout, gatherNDKernel, remapKernel, scatterNDKernel, sourceOffsets,
  splitKernel, tensorScatterUpdateKernel, topkKernel,
} from '../backends/cpu/shape.js';
import * as webgpu from '../backends/webgpu/kernels/shape.js';
import * as webgpuElementwise from '../backends/webgpu/kernels/elementwise.js';
import * as webgpuReduce from '../backends/webgpu/kernels/reduce.js';
import { range, zerosLike } from './creation.js';
import { sumToShape } from './helpers.js';
import { conj, onPairs } from './complex.js';
import { defineOp, spec } from './registry.js';
import { type TensorLike, addMethods, runOp, runOpMulti, withTensors } from './run.js';

defineOp<{ shape: number[] }>({
  name: 'reshape',
  inputs: [{ name: 'x' }],
  strings: true,
  attrs: { shape: { type: 'ints', doc: 'new shape; one entry may be -1 (inferred)' } },
  shape([x], { shape }) {
    const size = sizeFromShape(x.shape);
    const free = shape.filter((d) => d === -1).length;
    if (free > 1 || shape.some((d) => d < -1)) throw new Error(`attribute shape [${shape}] may hold one -1 and no other negatives`);
    const known = sizeFromShape(shape.filter((d) => d !== -1));
    const out = shape.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
    if (!out.every(Number.isInteger) || sizeFromShape(out) !== size || (free && known === 0 && size !== 0)) {
      throw new Error(`attribute shape [${shape}] does not fit the input's ${size} elements`);
    }
    return [spec(out, x.dtype)];
  },
  complex: 'native',
  kernels: { cpu: aliasKernel, webgpu: webgpuElementwise.aliasKernel },
  grad: ([dy], { inputs: [x] }) => [reshape(dy, x.shape)],
});

/** tw.reshape(x, shape): the same values in a new shape (a view, no copy on the CPU). */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  return runOp('reshape', [x], { shape: [...shape] });
}

// ---- transpose, slice, reverse, pad, mirrorPad, broadcastTo: element copies ----

function transposePerm(rank: number, perm: number[] | null): number[] {
  if (perm === null) return [...Array(rank).keys()].reverse();
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new Error(`attribute perm [${perm}] is not a permutation of the ${rank} axes`);
  }
  return perm;
}

defineOp<{ perm: number[] | null }>({
  name: 'transpose',
  inputs: [{ name: 'x' }],
  strings: true,
  attrs: { perm: { type: 'ints', nullable: true, doc: 'output dim d is input dim perm[d]; null reverses the dims' } },
  shape([x], { perm }) {
    return [spec(transposePerm(x.shape.length, perm).map((p) => x.shape[p]), x.dtype)];
  },
  complex: ([x], { perm }) => onPairs([x], ([p]) => transpose(p, [...transposePerm(x.rank, perm), x.rank])),
  kernels: {
    cpu: remapKernel((inShape, { perm }, outShape) => {
      const strides = stridesOf(inShape);
      return transposePerm(inShape.length, perm).map((p, d) => axisTable(outShape[d], strides[p], (c) => c));
    }),
    webgpu: webgpu.transposeKernel,
  },
  grad: ([dy], { inputs: [x] }, { perm }) => {
    const forward = transposePerm(x.rank, perm);
    const inverse = forward.map((_, i) => forward.indexOf(i));
    return [transpose(dy, inverse)];
  },
});

/** tw.transpose(x, perm?, conjugate?): permutes the dims (reverses them by default); `conjugate` also conjugates complex x. */
export function transpose(x: TensorLike, perm?: readonly number[], conjugate = false): Tensor {
  const y = runOp('transpose', [x], { perm: perm ? [...perm] : null });
  if (!conjugate || y.dtype !== 'complex64') return y;
  try {
    return conj(y);
  } finally {
    y.dispose();
  }
}

/** slice's begin and size padded to the rank (begin with 0, size with -1), size -1 resolved. */
function sliceBounds(shape: readonly number[], begin: readonly number[], size: readonly number[]): { begin: number[]; size: number[] } {
  if (begin.length > shape.length || size.length > shape.length) {
    throw new Error(`attributes begin [${begin}] and size [${size}] have more entries than the rank ${shape.length}`);
  }
  const b = shape.map((_, d) => begin[d] ?? 0);
  const s = shape.map((n, d) => (size[d] === undefined || size[d] === -1 ? n - b[d] : size[d]));
  shape.forEach((n, d) => {
    if (b[d] < 0) throw new Error(`attribute begin [${begin}]: slice() does not support negative begin indexing.`);
    if (b[d] > n) throw new Error(`attribute begin [${begin}] is out of range in dim ${d} (size ${n})`);
    if (s[d] < 0 || b[d] + s[d] > n) throw new Error(`attribute size [${size}] runs past dim ${d} (begin ${b[d]}, size ${n})`);
  });
  return { begin: b, size: s };
}

defineOp<{ begin: number[]; size: number[] }>({
  name: 'slice',
  inputs: [{ name: 'x' }],
  strings: true,
  attrs: { begin: { type: 'ints' }, size: { type: 'ints', default: [], doc: '-1 or missing entries: to the end' } },
  shape([x], { begin, size }) {
    return [spec(sliceBounds(x.shape, begin, size).size, x.dtype)];
  },
  complex: ([x], attrs) => onPairs([x], ([p]) => {
    const { begin, size } = sliceBounds(x.shape, attrs.begin, attrs.size);
    return slice(p, [...begin, 0], [...size, 2]);
  }),
  kernels: {
    cpu: remapKernel((inShape, attrs, outShape) => {
      const { begin } = sliceBounds(inShape, attrs.begin, attrs.size);
      const strides = stridesOf(inShape);
      return outShape.map((n, d) => axisTable(n, strides[d], (c) => begin[d] + c));
    }),
    webgpu: webgpu.sliceKernel,
  },
  grad: ([dy], { inputs: [x] }, attrs) => {
    const { begin, size } = sliceBounds(x.shape, attrs.begin, attrs.size);
    return [pad(dy, x.shape.map((n, d) => [begin[d], n - begin[d] - size[d]]))];
  },
});

/** tw.slice(x, begin, size?): begin/size as TF.js takes them (a number means the first dim; size -1: to the end). */
export function slice(x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  return runOp('slice', [x], { begin: typeof begin === 'number' ? [begin] : [...begin],
    size: size === undefined ? [] : typeof size === 'number' ? [size] : [...size] });
}

defineOp<{ axis: number | number[] | null }>({
  name: 'reverse',
  inputs: [{ name: 'x' }],
  strings: true,
  attrs: { axis: { type: 'intOrInts', nullable: true, doc: 'axes to reverse; null: all' } },
  shape([x], { axis }) {
    normalizeAxes(axis, x.shape.length);
    return [spec(x.shape, x.dtype)];
  },
  kernels: {
    cpu: remapKernel((inShape, { axis }) => {
      const axes = normalizeAxes(axis, inShape.length);
      const strides = stridesOf(inShape);
      return inShape.map((n, d) => axisTable(n, strides[d], (c) => (axes.includes(d) ? n - 1 - c : c)));
    }),
    webgpu: webgpu.reverseKernel,
  },
  complex: ([x], { axis }) => onPairs([x], ([p]) => reverse(p, axis === null ? [...x.shape.keys()] : normalizeAxes(axis, x.rank))),
  grad: ([dy], _saved, { axis }) => [reverse(dy, axis)],
});

/** tw.reverse(x, axis?): reverses the order along `axis` (all axes by default). */
export function reverse(x: TensorLike, axis: number | number[] | null = null): Tensor {
  return runOp('reverse', [x], { axis });
}

function checkPaddings(shape: readonly number[], paddings: readonly number[][], attr = 'paddings'): void {
  if (paddings.length !== shape.length) throw new Error(`attribute ${attr} has ${paddings.length} pairs for rank ${shape.length}`);
  if (paddings.some(([a, b]) => a < 0 || b < 0)) throw new Error(`attribute ${attr} [${JSON.stringify(paddings)}] must be non-negative`);
}

const paddedShape = (shape: readonly number[], paddings: readonly number[][]) => shape.map((n, d) => paddings[d][0] + n + paddings[d][1]);

defineOp<{ paddings: number[][]; constantValue: number }>({
  name: 'pad',
  inputs: [{ name: 'x' }],
  attrs: { paddings: { type: 'pairs', doc: '[before, after] per dim' }, constantValue: { type: 'number', default: 0 } },
  shape([x], { paddings }) {
    checkPaddings(x.shape, paddings);
    return [spec(paddedShape(x.shape, paddings), x.dtype)];
  },
  kernels: {
    cpu: remapKernel((inShape, { paddings }, outShape) => {
      const strides = stridesOf(inShape);
      return outShape.map((n, d) => axisTable(n, strides[d], (c) => {
        const source = c - paddings[d][0];
        return source < inShape[d] ? source : -1;
      }));
    }, ({ constantValue }) => constantValue),
    webgpu: webgpu.padKernel,
  },
  grad: ([dy], { inputs: [x] }, { paddings }) => [slice(dy, paddings.map(([before]) => before), x.shape)],
});

/** tw.pad(x, paddings, constantValue = 0). */
export function pad(x: TensorLike, paddings: readonly (readonly number[])[], constantValue = 0): Tensor {
  return runOp('pad', [x], { paddings: paddings.map((p) => [...p]), constantValue });
}

type MirrorMode = 'reflect' | 'symmetric';

/** The input coordinate mirrorPad reads for padded coordinate `c` of a dim of size n padded by `before`. */
function mirrorSource(c: number, before: number, n: number, mode: MirrorMode): number {
  const i = c - before;
  const edge = mode === 'reflect' ? 0 : 1;
  if (i < 0) return -i - edge;
  if (i >= n) return 2 * n - 2 + edge - i;
  return i;
}

function mirrorTables(inShape: readonly number[], { paddings, mode }: { paddings: number[][]; mode: MirrorMode }, outShape: readonly number[]) {
  const strides = stridesOf(inShape);
  return outShape.map((n, d) => axisTable(n, strides[d], (c) => mirrorSource(c, paddings[d][0], inShape[d], mode)));
}

defineOp<{ paddings: number[][]; mode: MirrorMode }>({
  name: 'mirrorPad',
  inputs: [{ name: 'x' }],
  attrs: { paddings: { type: 'pairs' }, mode: { type: 'string', oneOf: ['reflect', 'symmetric'] } },
  shape([x], { paddings, mode }) {
    checkPaddings(x.shape, paddings);
    const limit = mode === 'reflect' ? 1 : 0;
    x.shape.forEach((n, d) => {
      if (Math.max(...paddings[d]) > n - limit) {
        throw new Error(`attribute paddings [${paddings[d]}] in dim ${d} must be at most ${n - limit} for mode '${mode}' (size ${n})`);
      }
    });
    return [spec(paddedShape(x.shape, paddings), x.dtype)];
  },
  kernels: { cpu: remapKernel(mirrorTables), webgpu: webgpu.mirrorPadKernel },
  grad: ([dy], { inputs: [x] }, attrs) => [scatterBack(dy, sourceOffsets(mirrorTables(x.shape, attrs, dy.shape)), x.shape)],
});

/** tw.mirrorPad(x, paddings, mode): 'reflect' leaves out the edge, 'symmetric' repeats it. */
export function mirrorPad(x: TensorLike, paddings: readonly (readonly number[])[], mode: MirrorMode): Tensor {
  return runOp('mirrorPad', [x], { paddings: paddings.map((p) => [...p]), mode });
}

/**
 * The gradient of an op whose output element i copies input element
 * `offsets[i]`: dy added back at those offsets (repeats add up).
 */
function scatterBack(dy: Tensor, offsets: Int32Array, xShape: readonly number[]): Tensor {
  const indices = tensor(offsets, [offsets.length, 1], 'int32');
  return reshape(scatterND(indices, reshape(dy, [offsets.length]), [sizeFromShape(xShape)]), xShape);
}

function broadcastRule(from: readonly number[], to: readonly number[]): void {
  if (from.length > to.length) throw new Error(`attribute shape [${to}] has lower rank than the input [${from}]`);
  const lead = to.length - from.length;
  from.forEach((n, k) => {
    if (n !== 1 && n !== to[k + lead]) throw new Error(`input dim ${k} (size ${n}) cannot broadcast to attribute shape [${to}]`);
  });
}

defineOp<{ shape: number[] }>({
  name: 'broadcastTo',
  inputs: [{ name: 'x' }],
  strings: true,
  attrs: { shape: { type: 'ints' } },
  shape([x], { shape }) {
    if (shape.some((d) => d < 0)) throw new Error(`attribute shape [${shape}] has a negative dim`);
    broadcastRule(x.shape, shape);
    return [spec(shape, x.dtype)];
  },
  kernels: {
    cpu: remapKernel((inShape, _attrs, outShape) => {
      const strides = stridesOf(inShape);
      const lead = outShape.length - inShape.length;
      return outShape.map((n, d) => axisTable(n, d < lead || inShape[d - lead] === 1 ? 0 : strides[d - lead], (c) => c));
    }),
    webgpu: webgpu.broadcastToKernel,
  },
  grad: ([dy], { inputs: [x] }) => [sumToShape(dy, x.shape)],
});

/** tw.broadcastTo(x, shape): numpy broadcasting to `shape`. */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  return runOp('broadcastTo', [x], { shape: [...shape] });
}

defineOp<{ reps: number[] }>({
  name: 'tile',
  inputs: [{ name: 'x' }],
  strings: true,
  attrs: { reps: { type: 'ints' } },
  shape([x], { reps }) {
    if (reps.length !== x.shape.length) throw new Error(`attribute reps [${reps}] needs one entry per dim of the rank-${x.shape.length} input`);
    if (reps.some((r) => r < 0)) throw new Error(`attribute reps [${reps}] must be non-negative`);
    return [spec(x.shape.map((n, d) => n * reps[d]), x.dtype)];
  },
  // [r0, d0, r1, d1, ...] broadcast from [1, d0, 1, d1, ...], then merged.
  decompose([x], { reps }) {
    const spread = x.shape.flatMap((n) => [1, n]);
    const repeated = broadcastTo(reshape(x, spread), x.shape.flatMap((n, d) => [reps[d], n]));
    return [reshape(repeated, x.shape.map((n, d) => n * reps[d]))];
  },
});

/** tw.tile(x, reps). */
export function tile(x: TensorLike, reps: readonly number[]): Tensor {
  return runOp('tile', [x], { reps: [...reps] });
}

// ---- expandDims, squeeze: reshapes ----

defineOp<{ axis: number }>({
  name: 'expandDims',
  inputs: [{ name: 'x' }],
  strings: true,
  attrs: { axis: { type: 'int', default: 0 } },
  shape([x], { axis }) {
    const [a] = normalizeAxes(axis, x.shape.length + 1);
    const out = [...x.shape];
    out.splice(a, 0, 1);
    return [spec(out, x.dtype)];
  },
  decompose([x], { axis }) {
    const [a] = normalizeAxes(axis, x.rank + 1);
    const out = [...x.shape];
    out.splice(a, 0, 1);
    return [reshape(x, out)];
  },
  complex: 'native',
});

export function expandDims(x: TensorLike, axis = 0): Tensor {
  return runOp('expandDims', [x], { axis });
}

function squeezedShape(shape: readonly number[], axis: number[] | null): number[] {
  if (axis === null) return shape.filter((n) => n !== 1);
  const axes = normalizeAxes(axis, shape.length);
  axes.forEach((a) => {
    if (shape[a] !== 1) throw new Error(`attribute axis ${a} has size ${shape[a]}, not 1`);
  });
  return shape.filter((_, d) => !axes.includes(d));
}

defineOp<{ axis: number[] | null }>({
  name: 'squeeze',
  inputs: [{ name: 'x' }],
  strings: true,
  attrs: { axis: { type: 'ints', nullable: true, doc: 'size-1 axes to drop; null: all of them' } },
  shape: ([x], { axis }) => [spec(squeezedShape(x.shape, axis), x.dtype)],
  complex: 'native',
  decompose: ([x], { axis }) => [reshape(x, squeezedShape(x.shape, axis))],
});

export function squeeze(x: TensorLike, axis?: number[]): Tensor {
  return runOp('squeeze', [x], { axis: axis ?? null });
}

// ---- concat, split, stack, unstack ----

defineOp<{ axis: number }>({
  name: 'concat',
  inputs: [{ name: 'tensors', variadic: true }],
  strings: true,
  attrs: { axis: { type: 'int', default: 0 } },
  shape(inputs, { axis }) {
    if (inputs.length === 0) throw new Error('needs at least one tensor');
    const first = inputs[0];
    if (first.shape.length === 0) throw new Error('cannot concatenate rank-0 tensors');
    const [a] = normalizeAxes(axis, first.shape.length);
    inputs.forEach((t, i) => {
      if (t.dtype !== first.dtype) throw new Error(`All tensors passed to stack must have matching dtypes (tensors[${i}] is ${t.dtype}, tensors[0] ${first.dtype})`);
      if (t.shape.length !== first.shape.length || t.shape.some((n, d) => d !== a && n !== first.shape[d])) {
        throw new Error(`input tensors[${i}] [${t.shape}] does not match tensors[0] [${first.shape}] outside axis ${a}`);
      }
    });
    const out = [...first.shape];
    out[a] = inputs.reduce((total, t) => total + t.shape[a], 0);
    return [spec(out, first.dtype)];
  },
  complex: (inputs, { axis }) => onPairs(inputs, (pairs) => concat(pairs, normalizeAxes(axis, inputs[0].rank)[0])),
  kernels: { cpu: concatKernel, webgpu: webgpu.concatKernel },
  grad: ([dy], { inputs }, { axis }) => {
    const a = axis < 0 ? axis + dy.rank : axis;
    return split(dy, inputs.map((t) => t.shape[a]), a);
  },
});

/** tw.concat(tensors, axis = 0); dtypes are upcast to a common one. */
export function concat(tensors: readonly TensorLike[], axis = 0): Tensor {
  return runOp('concat', tensors, { axis }, { upcast: true });
}

function splitSizes(shape: readonly number[], numOrSizeSplits: number | number[], axis: number): { axis: number; sizes: number[] } {
  const [a] = normalizeAxes(axis, shape.length);
  const n = shape[a];
  if (typeof numOrSizeSplits === 'number') {
    if (numOrSizeSplits <= 0 || n % numOrSizeSplits !== 0) {
      throw new Error(`attribute numOrSizeSplits ${numOrSizeSplits} does not divide axis ${a} (size ${n})`);
    }
    return { axis: a, sizes: new Array(numOrSizeSplits).fill(n / numOrSizeSplits) };
  }
  const free = numOrSizeSplits.filter((s) => s === -1).length;
  const known = numOrSizeSplits.filter((s) => s !== -1).reduce((t, s) => t + s, 0);
  if (free > 1 || numOrSizeSplits.some((s) => s < -1) || (free ? known > n : known !== n)) {
    throw new Error(`attribute numOrSizeSplits [${numOrSizeSplits}] does not add up to axis ${a} (size ${n})`);
  }
  return { axis: a, sizes: numOrSizeSplits.map((s) => (s === -1 ? n - known : s)) };
}

defineOp<{ numOrSizeSplits: number | number[]; axis: number }>({
  name: 'split',
  inputs: [{ name: 'x' }],
  strings: true,
  outputs: 'variable',
  attrs: { numOrSizeSplits: { type: 'intOrInts', doc: 'a count of equal parts, or the sizes (one may be -1)' }, axis: { type: 'int', default: 0 } },
  shape([x], { numOrSizeSplits, axis }) {
    const { axis: a, sizes } = splitSizes(x.shape, numOrSizeSplits, axis);
    return sizes.map((s) => spec(x.shape.map((n, d) => (d === a ? s : n)), x.dtype));
  },
  kernels: { cpu: splitKernel, webgpu: webgpu.splitKernel },
  grad: (dys, _saved, { axis }) => [concat(dys, axis)],
});

/** tw.split(x, numOrSizeSplits, axis = 0). */
export function split(x: TensorLike, numOrSizeSplits: number | readonly number[], axis = 0): Tensor[] {
  return runOpMulti('split', [x], { numOrSizeSplits: typeof numOrSizeSplits === 'number' ? numOrSizeSplits : [...numOrSizeSplits], axis });
}

defineOp<{ axis: number }>({
  name: 'stack',
  inputs: [{ name: 'tensors', variadic: true }],
  strings: true,
  attrs: { axis: { type: 'int', default: 0 } },
  shape(inputs, { axis }) {
    if (inputs.length === 0) throw new Error('needs at least one tensor');
    const first = inputs[0];
    inputs.forEach((t, i) => {
      if (t.dtype !== first.dtype) throw new Error(`All tensors passed to stack must have matching dtypes (tensors[${i}] is ${t.dtype}, tensors[0] ${first.dtype})`);
      if (t.shape.join() !== first.shape.join()) throw new Error(`input tensors[${i}] [${t.shape}] differs from tensors[0] [${first.shape}]`);
    });
    const [a] = normalizeAxes(axis, first.shape.length + 1);
    const out = [...first.shape];
    out.splice(a, 0, inputs.length);
    return [spec(out, first.dtype)];
  },
  complex: 'native',
  decompose: (inputs, { axis }) => [concat(inputs.map((t) => expandDims(t, axis)), axis < 0 ? axis + inputs[0].rank + 1 : axis)],
});

/** tw.stack(tensors, axis = 0); the tensors share one dtype (TF.js does not upcast them, unlike concat's). */
export function stack(tensors: readonly TensorLike[], axis = 0): Tensor {
  return runOp('stack', tensors, { axis });
}

defineOp<{ axis: number }>({
  name: 'unstack',
  inputs: [{ name: 'x' }],
  strings: true,
  outputs: 'variable',
  attrs: { axis: { type: 'int', default: 0 } },
  shape([x], { axis }) {
    if (x.shape.length === 0) throw new Error('cannot unstack a rank-0 tensor');
    unstackAxisCheck(x.shape, axis);
    const [a] = normalizeAxes(axis, x.shape.length);
    const part = spec(x.shape.filter((_, d) => d !== a), x.dtype);
    return new Array(x.shape[a]).fill(part);
  },
  decompose([x], { axis }) {
    const [a] = normalizeAxes(axis, x.rank);
    if (x.shape[a] === 0) return [];
    return split(x, x.shape[a], a).map((part) => squeeze(part, [a]));
  },
});

/** TF.js's check of unstack's axis, in its words (run before the op as tfjsBlockChecks are). */
function unstackAxisCheck(shape: readonly number[], axis: number): void {
  if (!(axis >= -shape.length && axis < shape.length)) throw new Error(`Axis = ${axis} is not in [-${shape.length}, ${shape.length})`);
}

/** tw.unstack(x, axis = 0): the slices along `axis`, that axis removed. */
export function unstack(x: TensorLike, axis = 0): Tensor[] {
  return withTensors('unstack', [['x', x, 'string_or_numeric']], (t) => {
    unstackAxisCheck(t.shape, axis);
    return runOpMulti('unstack', [t], { axis });
  });
}

// ---- stridedSlice ----

function stridedSliceTables(inShape: readonly number[], attrs: StridedSliceAttrs): Int32Array[] {
  const { start, step, count } = stridedSliceSpec(inShape, attrs);
  const strides = stridesOf(inShape);
  return count.map((n, d) => axisTable(n, strides[d], (c) => start[d] + c * step[d]));
}

defineOp<StridedSliceAttrs>({
  name: 'stridedSlice',
  inputs: [{ name: 'x' }],
  strings: true,
  attrs: {
    begin: { type: 'ints' }, end: { type: 'ints' }, strides: { type: 'ints', nullable: true, doc: 'null: all 1' },
    beginMask: { type: 'int', default: 0 }, endMask: { type: 'int', default: 0 }, ellipsisMask: { type: 'int', default: 0 },
    newAxisMask: { type: 'int', default: 0 }, shrinkAxisMask: { type: 'int', default: 0 },
  },
  shape: ([x], attrs) => [spec(stridedSliceSpec(x.shape, attrs).outShape, x.dtype)],
  // The tables walk the per-input-dim counts; new and shrunk axes have size 1, so the flat order is the output's.
  kernels: {
    cpu: remapKernel((inShape, attrs) => stridedSliceTables(inShape, attrs)),
    webgpu: webgpu.stridedSliceKernel,
  },
  grad: ([dy], { inputs: [x] }, attrs) => {
    return [scatterBack(dy, sourceOffsets(stridedSliceTables(x.shape, attrs)), x.shape)];
  },
});

/** tw.stridedSlice(x, begin, end, strides?, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask), as TF.js. */
export function stridedSlice(x: TensorLike, begin: readonly number[], end: readonly number[], strides?: readonly number[],
  beginMask = 0, endMask = 0, ellipsisMask = 0, newAxisMask = 0, shrinkAxisMask = 0): Tensor {
  return runOp('stridedSlice', [x], {
    begin: [...begin], end: [...end], strides: strides ? [...strides] : null,
    beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask,
  });
}

// ---- gather, gatherND, scatterND ----

function requireIndices(indices: TensorSpec, name = 'indices'): void {
  if (indices.dtype !== 'int32') throw new Error(`input ${name} has dtype ${indices.dtype}; it must be int32`);
}

defineOp<{ axis: number; batchDims: number }>({
  name: 'gather',
  inputs: [{ name: 'x' }, { name: 'indices' }],
  strings: true,
  attrs: { axis: { type: 'int', default: 0 }, batchDims: { type: 'int', default: 0 } },
  shape([x, indices], { axis, batchDims }) {
    requireIndices(indices);
    const b = batchDims < 0 ? batchDims + indices.shape.length : batchDims;
    const rank = indices.shape.length;
    if (b < 0 || b > rank) throw new Error(`Expect batchDims in the range of [-${rank}, ${rank}], but got ${batchDims}`);
    const [a] = normalizeAxes(axis, x.shape.length);
    if (b > a) throw new Error(`batchDims (${b}) must be less than or equal to axis (${a}).`);
    for (let d = 0; d < b; d++) {
      if (x.shape[d] !== indices.shape[d]) throw new Error(`x.shape[${d}]: ${x.shape[d]} should be equal to indices.shape[${d}]: ${indices.shape[d]}.`);
    }
    return [spec([...x.shape.slice(0, a), ...indices.shape.slice(b), ...x.shape.slice(a + 1)], x.dtype)];
  },
  kernels: { cpu: gatherKernel, webgpu: webgpu.gatherKernel },
  grad: ([dy], { inputs: [x, indices] }, attrs) => [gatherGrad(dy, indices, x.shape, attrs), null],
});

/**
 * The gradient of gather (and topk): with x as [batch, outer, n, inner] and
 * indices as [batch, count], dy[b, p, i, q] is added to dx[b, p, indices[b, i], q]
 * by a scatterND over (b, indices[b, i]) pairs.
 */
function gatherGrad(dy: Tensor, indices: Tensor, xShape: readonly number[], attrs: { axis: number; batchDims: number }): Tensor {
  const { batch, outer, n, inner, count } = gatherLayout({ shape: xShape }, indices, attrs);
  const rows = transpose(reshape(dy, [batch, outer, count, inner]), [0, 2, 1, 3]);
  const batchIndex = broadcastTo(reshape(range(0, batch, 1, 'int32'), [batch, 1]), [batch, count]);
  const pairs = reshape(stack([batchIndex, reshape(indices, [batch, count])], 2), [batch * count, 2]);
  const summed = scatterND(pairs, reshape(rows, [batch * count, outer * inner]), [batch, n, outer * inner]);
  return reshape(transpose(reshape(summed, [batch, n, outer, inner]), [0, 2, 1, 3]), xShape);
}

/** tw.gather(x, indices, axis = 0, batchDims = 0). */
export function gather(x: TensorLike, indices: TensorLike, axis = 0, batchDims = 0): Tensor {
  return runOp('gather', [x, indices], { axis, batchDims }, { dtypes: [undefined, 'int32'] });
}

function ndIndexDepth(indices: TensorSpec, shape: readonly number[]): number {
  requireIndices(indices);
  if (indices.shape.length === 0) throw new Error('input indices must have rank >= 1 (its last dim is the index depth)');
  const depth = indices.shape[indices.shape.length - 1];
  if (depth > shape.length) throw new Error(`input indices has depth ${depth}, more than the rank ${shape.length}`);
  return depth;
}

defineOp<Record<string, never>>({
  name: 'gatherND',
  inputs: [{ name: 'x' }, { name: 'indices' }],
  strings: true,
  attrs: {},
  shape([x, indices]) {
    const depth = ndIndexDepth(indices, x.shape);
    return [spec([...indices.shape.slice(0, -1), ...x.shape.slice(depth)], x.dtype)];
  },
  kernels: { cpu: gatherNDKernel, webgpu: webgpu.gatherNDKernel },
  grad: ([dy], { inputs: [x, indices] }) => [scatterND(indices, dy, x.shape), null],
});

/** tw.gatherND(x, indices): the last dim of indices indexes the first dims of x. */
export function gatherND(x: TensorLike, indices: TensorLike): Tensor {
  return runOp('gatherND', [x, indices], {}, { dtypes: [undefined, 'int32'] });
}

defineOp<{ shape: number[] }>({
  name: 'scatterND',
  inputs: [{ name: 'indices' }, { name: 'updates' }],
  attrs: { shape: { type: 'ints' } },
  shape([indices, updates], { shape }) {
    if (shape.some((d) => d < 0)) throw new Error(`attribute shape [${shape}] has a negative dim`);
    const depth = ndIndexDepth(indices, shape);
    const want = [...indices.shape.slice(0, -1), ...shape.slice(depth)];
    if (want.join() !== updates.shape.join()) throw new Error(`input updates must have shape [${want}] for these indices and shape`);
    return [spec(shape, updates.dtype)];
  },
  kernels: { cpu: scatterNDKernel, webgpu: webgpu.scatterNDKernel },
  grad: ([dy], { inputs: [indices] }) => [null, gatherND(dy, indices)],
});

/** tw.scatterND(indices, updates, shape): zeros of `shape` with `updates` added at `indices` (duplicates add up). */
export function scatterND(indices: TensorLike, updates: TensorLike, shape: readonly number[]): Tensor {
  // TF.js reads rank-1 indices as one index per element ([N] as [N, 1])
  return withTensors('scatterND', [['indices', indices, 'int32']], (ids) => {
    const column = ids.rank === 1 ? reshape(ids, [ids.size, 1]) : ids;
    try {
      return runOp('scatterND', [column, updates], { shape: [...shape] });
    } finally {
      if (column !== ids) column.dispose();
    }
  });
}

defineOp<Record<string, never>>({
  name: 'tensorScatterUpdate',
  inputs: [{ name: 'tensor' }, { name: 'indices' }, { name: 'updates' }],
  attrs: {},
  shape([tensor, indices, updates]) {
    const depth = ndIndexDepth(indices, tensor.shape);
    const want = [...indices.shape.slice(0, -1), ...tensor.shape.slice(depth)];
    if (want.join() !== updates.shape.join() || updates.shape.length === 0) {
      throw new Error(`input updates has shape [${updates.shape}]; these indices and tensor need [${want}]`);
    }
    if (tensor.dtype !== updates.dtype) {
      throw new Error(`tensor and updates must have the same dtype, instead they are ${tensor.dtype} and ${updates.dtype}.`);
    }
    return [spec(tensor.shape, tensor.dtype)];
  },
  kernels: { cpu: tensorScatterUpdateKernel, webgpu: webgpu.tensorScatterUpdateKernel },
  // The overwritten elements take nothing from the tensor; each update gets its element's dy.
  grad: ([dy], { inputs: [, indices, updates] }) => [tensorScatterUpdate(dy, indices, zerosLike(updates)), null, gatherND(dy, indices)],
});

/**
 * tw.tensorScatterUpdate(tensor, indices, updates): a copy of `tensor` with the
 * slices at `indices` (the last dim indexes its first dims) replaced by
 * `updates`. Where indices repeat, the CPU keeps the last update and the GPU
 * any one of them (as TF.js); index tuples outside the tensor are dropped.
 */
export function tensorScatterUpdate(tensor: TensorLike, indices: TensorLike, updates: TensorLike): Tensor {
  return runOp('tensorScatterUpdate', [tensor, indices, updates], {}, { dtypes: [undefined, 'int32'] });
}

// ---- topk ----

defineOp<{ k: number; sorted: boolean }>({
  name: 'topk',
  inputs: [{ name: 'x' }],
  outputs: 2,
  attrs: { k: { type: 'int', default: 1 }, sorted: { type: 'bool', default: true, doc: 'results are always sorted' } },
  shape([x], { k }) {
    if (x.shape.length === 0) throw new Error('topk() expects the input to be of rank 1 or higher');
    if (x.dtype === 'bool') throw new Error('input x must be float32 or int32');
    const n = x.shape[x.shape.length - 1];
    if (k < 0) throw new Error(`'k' passed to topk() must be >= 0 but got ${k}`);
    if (k > n) throw new Error(`'k' passed to topk() must be <= the last dimension (${n}) but got ${k}`);
    const out = [...x.shape.slice(0, -1), k];
    return [spec(out, x.dtype), spec(out, 'int32')];
  },
  kernels: { cpu: topkKernel, webgpu: webgpuReduce.topkKernel },
  // values = gather(x, indices) along the last dim with every earlier dim a batch dim.
  grad: ([dValues], { inputs: [x], outputs: [, indices] }) =>
    [gatherGrad(dValues, indices, x.shape, { axis: x.rank - 1, batchDims: x.rank - 1 })],
});

/** tw.topk(x, k = 1, sorted = true): the k largest values of the last dim and their indices. */
export function topk(x: TensorLike, k = 1, sorted = true): { values: Tensor; indices: Tensor } {
  const [values, indices] = runOpMulti('topk', [x], { k, sorted });
  return { values, indices };
}

// ---- depthToSpace, spaceToBatchND, batchToSpaceND: reshape + transpose ----

type DataFormat = 'NHWC' | 'NCHW';

defineOp<{ blockSize: number; dataFormat: DataFormat }>({
  name: 'depthToSpace',
  inputs: [{ name: 'x' }],
  attrs: { blockSize: { type: 'int' }, dataFormat: { type: 'string', default: 'NHWC', oneOf: ['NHWC', 'NCHW'] } },
  shape([x], { blockSize, dataFormat }) {
    if (x.shape.length !== 4) throw new Error(`input x must have rank 4, got ${x.shape.length}`);
    depthToSpaceChecks(x.shape, blockSize, dataFormat);
    const [n, a, b, c] = x.shape;
    const [h, w, depth] = dataFormat === 'NHWC' ? [a, b, c] : [b, c, a];
    const d = depth / (blockSize * blockSize);
    return [spec(dataFormat === 'NHWC' ? [n, h * blockSize, w * blockSize, d] : [n, d, h * blockSize, w * blockSize], x.dtype)];
  },
  decompose([x], { blockSize: s, dataFormat }) {
    const [n, a, b, c] = x.shape;
    if (dataFormat === 'NHWC') {
      const d = c / (s * s);
      return [reshape(transpose(reshape(x, [n, a, b, s, s, d]), [0, 1, 3, 2, 4, 5]), [n, a * s, b * s, d])];
    }
    const d = a / (s * s);
    return [reshape(transpose(reshape(x, [n, s, s, d, b, c]), [0, 3, 4, 1, 5, 2]), [n, d, b * s, c * s])];
  },
});

/** TF.js's checks of depthToSpace's arguments, in its words (run before the op as tfjsBlockChecks are). */
function depthToSpaceChecks(shape: readonly number[], blockSize: number, dataFormat: DataFormat): void {
  if (shape.length !== 4) return; // the shape rule names the rank
  if (!(blockSize > 1)) throw new Error(`blockSize should be > 1 for depthToSpace, but was: ${blockSize}`);
  const depth = dataFormat === 'NHWC' ? shape[3] : shape[1];
  if (depth % (blockSize * blockSize) !== 0) {
    throw new Error(`Dimension size must be evenly divisible by ${blockSize * blockSize} but is ${depth} for depthToSpace with input shape ${shape}`);
  }
}

/** tw.depthToSpace(x, blockSize, dataFormat = 'NHWC'). */
export function depthToSpace(x: TensorLike, blockSize: number, dataFormat: DataFormat = 'NHWC'): Tensor {
  return withTensors('depthToSpace', [['x', x, 'float32']], (t) => {
    depthToSpaceChecks(t.shape, blockSize, dataFormat);
    return runOp('depthToSpace', [t], { blockSize, dataFormat });
  });
}

/**
 * TF.js's own checks of spaceToBatchND's and batchToSpaceND's arguments, in
 * its words: the public functions run them on the converted x before the op,
 * so the message is TF.js's verbatim (ported code compares it); the shape
 * rules run them for graphs. Ours follow in the rules.
 */
const tfjsBlockChecks = {
  spaceToBatchND(shape: readonly number[], blockShape: readonly number[], paddings: readonly (readonly number[])[]): void {
    const m = blockShape.length;
    if (shape.length < 1 + m) throw new Error(`input rank ${shape.length} should be > than [blockShape] ${m}`);
    if (paddings.length !== m) throw new Error(`paddings.shape[0] ${paddings.length} must be equal to [blockShape] ${m}`);
    if (blockShape.some((b, i) => (shape[i + 1] + paddings[i][0] + paddings[i][1]) % b !== 0)) {
      throw new Error(`input spatial dimensions ${shape.slice(1)} with paddings ${paddings.toString()} must be divisible by blockShapes ${blockShape.toString()}`);
    }
  },
  batchToSpaceND(shape: readonly number[], blockShape: readonly number[], crops: readonly (readonly number[])[]): void {
    const m = blockShape.length;
    if (shape.length < 1 + m) throw new Error(`input rank is ${shape.length} but should be > than blockShape.length ${m}`);
    if (crops.length !== m) throw new Error(`crops.length is ${crops.length} but should be equal to blockShape.length  ${m}`);
    const blocks = sizeFromShape(blockShape);
    if (shape[0] % blocks !== 0) {
      throw new Error(`input tensor batch is ${shape[0]} but is not divisible by the product of the elements of blockShape ${blockShape.join(' * ')} === ${blocks}`);
    }
  },
};

function blockRule(x: TensorSpec, blockShape: number[], pairs: number[][], attr: string): void {
  if (blockShape.length < 1) throw new Error('attribute blockShape must not be empty');
  if (blockShape.some((b) => b < 1)) throw new Error(`attribute blockShape [${blockShape}] must be positive`);
  if (pairs.some(([p, q]) => p < 0 || q < 0)) throw new Error(`attribute ${attr} must hold non-negative [before, after] pairs`);
}

defineOp<{ blockShape: number[]; paddings: number[][] }>({
  name: 'spaceToBatchND',
  inputs: [{ name: 'x' }],
  attrs: { blockShape: { type: 'ints' }, paddings: { type: 'pairs' } },
  shape([x], { blockShape, paddings }) {
    blockRule(x, blockShape, paddings, 'paddings');
    tfjsBlockChecks.spaceToBatchND(x.shape, blockShape, paddings);
    const spatial = blockShape.map((b, i) => (x.shape[i + 1] + paddings[i][0] + paddings[i][1]) / b);
    return [spec([x.shape[0] * sizeFromShape(blockShape), ...spatial, ...x.shape.slice(blockShape.length + 1)], x.dtype)];
  },
  // Pad, split each spatial dim into (dim / block, block), move the block dims in front of the batch.
  decompose([x], { blockShape, paddings }) {
    const m = blockShape.length;
    const rest = x.shape.slice(m + 1);
    const padded = pad(x, [[0, 0], ...paddings, ...rest.map(() => [0, 0])]);
    const split = [x.shape[0], ...blockShape.flatMap((b, i) => [padded.shape[i + 1] / b, b]), ...rest];
    const perm = [...blockShape.map((_, i) => 2 + 2 * i), 0, ...blockShape.map((_, i) => 1 + 2 * i), ...rest.map((_, i) => 1 + 2 * m + i)];
    const outShape = [x.shape[0] * sizeFromShape(blockShape), ...blockShape.map((b, i) => padded.shape[i + 1] / b), ...rest];
    return [reshape(transpose(reshape(padded, split), perm), outShape)];
  },
});

/** tw.spaceToBatchND(x, blockShape, paddings). */
export function spaceToBatchND(x: TensorLike, blockShape: readonly number[], paddings: readonly (readonly number[])[]): Tensor {
  return withTensors('spaceToBatchND', [['x', x]], (t) => {
    tfjsBlockChecks.spaceToBatchND(t.shape, blockShape, paddings);
    return runOp('spaceToBatchND', [t], { blockShape: [...blockShape], paddings: paddings.map((p) => [...p]) });
  });
}

defineOp<{ blockShape: number[]; crops: number[][] }>({
  name: 'batchToSpaceND',
  inputs: [{ name: 'x' }],
  attrs: { blockShape: { type: 'ints' }, crops: { type: 'pairs' } },
  shape([x], { blockShape, crops }) {
    blockRule(x, blockShape, crops, 'crops');
    tfjsBlockChecks.batchToSpaceND(x.shape, blockShape, crops);
    const blocks = sizeFromShape(blockShape);
    const spatial = blockShape.map((b, i) => {
      const size = x.shape[i + 1] * b - crops[i][0] - crops[i][1];
      if (size < 0) throw new Error(`attribute crops [${crops[i]}] crop more than dim ${i + 1} holds (${x.shape[i + 1] * b})`);
      return size;
    });
    return [spec([x.shape[0] / blocks, ...spatial, ...x.shape.slice(blockShape.length + 1)], x.dtype)];
  },
  // The inverse of spaceToBatchND: block dims out of the batch, interleaved with the spatial dims, then cropped.
  decompose([x], { blockShape, crops }) {
    const m = blockShape.length;
    const batch = x.shape[0] / sizeFromShape(blockShape);
    const rest = x.shape.slice(m + 1);
    const split = [...blockShape, batch, ...x.shape.slice(1)];
    const perm = [m, ...blockShape.flatMap((_, i) => [m + 1 + i, i]), ...rest.map((_, i) => 2 * m + 1 + i)];
    const merged = reshape(transpose(reshape(x, split), perm), [batch, ...blockShape.map((b, i) => x.shape[i + 1] * b), ...rest]);
    return [slice(merged, [0, ...crops.map(([before]) => before), ...rest.map(() => 0)],
      [batch, ...blockShape.map((b, i) => x.shape[i + 1] * b - crops[i][0] - crops[i][1]), ...rest])];
  },
});

/** tw.batchToSpaceND(x, blockShape, crops). */
export function batchToSpaceND(x: TensorLike, blockShape: readonly number[], crops: readonly (readonly number[])[]): Tensor {
  return withTensors('batchToSpaceND', [['x', x]], (t) => {
    tfjsBlockChecks.batchToSpaceND(t.shape, blockShape, crops);
    return runOp('batchToSpaceND', [t], { blockShape: [...blockShape], crops: crops.map((p) => [...p]) });
  });
}

// ---- booleanMaskAsync: reads the mask, so it is an async function over gather, not a registry op ----

/**
 * tw.booleanMaskAsync(tensor, mask, axis = 0): the elements (or slices) of
 * `tensor` where `mask` is true; mask's shape must match tensor's dims from
 * `axis` on. Its output shape depends on the mask's values.
 */
export async function booleanMaskAsync(x: TensorLike, mask: TensorLike, axis = 0): Promise<Tensor> {
  const created: Tensor[] = [];
  const own = (t: TensorLike, dtype?: DataType) => {
    if (t instanceof Tensor) return t;
    const made = tensor(t, undefined, dtype);
    created.push(made);
    return made;
  };
  try {
    const source = own(x);
    const maskTensor = own(mask, 'bool');
    const [a] = normalizeAxes(axis, Math.max(source.rank, 1));
    const maskShape = maskTensor.shape;
    // TF.js's messages, which its users match exactly
    if (maskShape.length === 0) throw new Error('mask cannot be scalar');
    const covered = source.shape.slice(a, a + maskShape.length);
    if (covered.length !== maskShape.length || maskShape.some((n, d) => covered[d] !== n)) {
      throw new Error(`mask's shape must match the first K dimensions of tensor's shape, Shapes ${covered} and ${maskShape} must match`);
    }
    const values = await maskTensor.data();
    const picked: number[] = [];
    values.forEach((v, i) => { if (v) picked.push(i); });
    const flatShape = [...source.shape.slice(0, a), sizeFromShape(maskShape), ...source.shape.slice(a + maskShape.length)];
    const flat = reshape(source, flatShape);
    const result = gather(flat, Int32Array.from(picked), a);
    flat.dispose();
    return result;
  } finally {
    created.forEach((t) => t.dispose());
  }
}

/** TF.js's reshaping methods: x.as1D() .. x.as5D(...dims), x.asScalar(), x.flatten(), x.reshapeAs(y). */
const asRank = (x: Tensor, ...shape: number[]) => reshape(x, shape);
addMethods({
  as1D: (x: Tensor) => reshape(x, [x.size]),
  as2D: asRank, as3D: asRank, as4D: asRank, as5D: asRank,
  asScalar: (x: Tensor) => {
    if (x.size !== 1) throw new Error('The array must have only 1 element.');
    return reshape(x, []);
  },
  flatten: (x: Tensor) => reshape(x, [x.size]),
  reshapeAs: (x: Tensor, y: Tensor) => reshape(x, y.shape),
});

addMethods({
  reshape, transpose, slice, reverse, pad, mirrorPad, broadcastTo, tile, expandDims, squeeze, split, unstack, stridedSlice,
  gather, gatherND, topk, depthToSpace, spaceToBatchND, batchToSpaceND,
  concat: (x: Tensor, others: Tensor | Tensor[], axis = 0) => concat([x, ...(Array.isArray(others) ? others : [others])], axis),
  stack: (x: Tensor, others: Tensor | Tensor[], axis = 0) => stack([x, ...(Array.isArray(others) ? others : [others])], axis),
});
declare module '../core/tensor.js' {
  interface Tensor {
    as1D(): Tensor;
    as2D(rows: number, columns: number): Tensor;
    as3D(rows: number, columns: number, depth: number): Tensor;
    as4D(rows: number, columns: number, depth: number, depth2: number): Tensor;
    as5D(rows: number, columns: number, depth: number, depth2: number, depth3: number): Tensor;
    asScalar(): Tensor;
    flatten(): Tensor;
    reshapeAs(x: Tensor): Tensor;
    reshape(shape: readonly number[]): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    slice(begin: number | readonly number[], size?: number | readonly number[]): Tensor;
    reverse(axis?: number | number[] | null): Tensor;
    pad(paddings: readonly (readonly number[])[], constantValue?: number): Tensor;
    mirrorPad(paddings: readonly (readonly number[])[], mode: 'reflect' | 'symmetric'): Tensor;
    broadcastTo(shape: readonly number[]): Tensor;
    tile(reps: readonly number[]): Tensor;
    expandDims(axis?: number): Tensor;
    squeeze(axis?: number[]): Tensor;
    split(numOrSizeSplits: number | readonly number[], axis?: number): Tensor[];
    unstack(axis?: number): Tensor[];
    stridedSlice(begin: readonly number[], end: readonly number[], strides?: readonly number[], beginMask?: number,
      endMask?: number, ellipsisMask?: number, newAxisMask?: number, shrinkAxisMask?: number): Tensor;
    gather(indices: TensorLike, axis?: number, batchDims?: number): Tensor;
    gatherND(indices: TensorLike): Tensor;
    topk(k?: number, sorted?: boolean): { values: Tensor; indices: Tensor };
    depthToSpace(blockSize: number, dataFormat?: 'NHWC' | 'NCHW'): Tensor;
    spaceToBatchND(blockShape: readonly number[], paddings: readonly (readonly number[])[]): Tensor;
    batchToSpaceND(blockShape: readonly number[], crops: readonly (readonly number[])[]): Tensor;
    concat(others: Tensor | Tensor[], axis?: number): Tensor;
    stack(others: Tensor | Tensor[], axis?: number): Tensor;
  }
}

// CPU kernels of the shape ops. Most of them copy each output element from
// one input element: `sourceOffsets` computes that map once from per-dimension
// tables, and the same tables give the ops' scatter gradients.
import type { DataId } from '../../core/backend.js';
import { type TypedArray, makeArray, sizeFromShape, stridesOf } from '../../core/dtype.js';
import type { KernelArgs } from '../../ops/registry.js';
import type { CpuBackend } from './backend.js';

/**
 * For output dimension d at coordinate c, `tables[d][c]` is that coordinate's
 * contribution to the input offset, or -1 where the element comes from no
 * input element (padding); the output walks the tables' lengths in row-major
 * order. Returns the input offset of every output element (-1: fill).
 */
export function sourceOffsets(tables: readonly Int32Array[]): Int32Array {
  const outShape = tables.map((t) => t.length);
  const size = sizeFromShape(outShape);
  const offsets = new Int32Array(size);
  const rank = outShape.length;
  const counter = new Array<number>(rank).fill(0);
  for (let i = 0; i < size; i++) {
    let offset = 0;
    for (let d = 0; d < rank; d++) {
      const part = tables[d][counter[d]];
      if (part < 0) {
        offset = -1;
        break;
      }
      offset += part;
    }
    offsets[i] = offset;
    for (let d = rank - 1; d >= 0; d--) {
      if (++counter[d] < outShape[d]) break;
      counter[d] = 0;
    }
  }
  return offsets;
}

/** A table for one output dimension of length `length`: `at(c)` is the input coordinate (or -1), times `stride`. */
export function axisTable(length: number, stride: number, at: (c: number) => number): Int32Array {
  const table = new Int32Array(length);
  for (let c = 0; c < length; c++) {
    const source = at(c);
    table[c] = source < 0 ? -1 : source * stride;
  }
  return table;
}

/**
 * A kernel that copies input elements as `tables(input shape, attrs, output
 * shape)` says, filling the rest with `fill(attrs)`. The tables may walk a
 * shape that differs from the output's by size-1 dims (stridedSlice).
 */
export function remapKernel<A>(tables: (inShape: readonly number[], attrs: A, outShape: readonly number[]) => Int32Array[],
  fill: (attrs: A) => number = () => 0) {
  return ({ backend, inputs: [x], attrs, outputs: [out] }: KernelArgs<CpuBackend, A>): DataId[] => {
    const values = backend.values(x);
    const offsets = sourceOffsets(tables(x.shape, attrs, out.shape));
    const result = makeArray(out.dtype, offsets.length);
    const background = fill(attrs);
    for (let i = 0; i < offsets.length; i++) result[i] = offsets[i] < 0 ? background : values[offsets[i]];
    return [backend.write(result, out.shape, out.dtype)];
  };
}

/** Sizes before, along and after `axis`. */
export function splitAtAxis(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeFromShape(shape.slice(0, axis)), shape[axis], sizeFromShape(shape.slice(axis + 1))];
}

/** Joins the inputs along `attrs.axis` (already normalized by the rule). */
export function concatKernel({ backend, inputs, attrs, outputs: [out] }: KernelArgs<CpuBackend, { axis: number }>): DataId[] {
  const axis = attrs.axis < 0 ? attrs.axis + out.shape.length : attrs.axis;
  const result = makeArray(out.dtype, sizeFromShape(out.shape));
  const [outer] = splitAtAxis(out.shape, axis);
  const rowLength = result.length / Math.max(outer, 1);
  let column = 0;
  for (const input of inputs) {
    const values = backend.values(input);
    const width = sizeFromShape(input.shape.slice(axis));
    for (let o = 0; o < outer; o++) result.set(values.subarray(o * width, (o + 1) * width), o * rowLength + column);
    column += width;
  }
  return [backend.write(result, out.shape, out.dtype)];
}

/** Cuts x along `axis` into the outputs' sizes there. */
export function splitKernel({ backend, inputs: [x], attrs, outputs }: KernelArgs<CpuBackend, { axis: number }>): DataId[] {
  const axis = attrs.axis < 0 ? attrs.axis + x.shape.length : attrs.axis;
  const values = backend.values(x);
  const [outer] = splitAtAxis(x.shape, axis);
  const rowLength = sizeFromShape(x.shape.slice(axis));
  let column = 0;
  return outputs.map((out) => {
    const width = sizeFromShape(out.shape.slice(axis));
    const result = makeArray(out.dtype, outer * width);
    for (let o = 0; o < outer; o++) result.set(values.subarray(o * rowLength + column, o * rowLength + column + width), o * width);
    column += width;
    return backend.write(result, out.shape, out.dtype);
  });
}

/**
 * gather in canonical form: x as [batch, outer, n, inner], indices as
 * [batch, count]; out[b, p, i, q] = x[b, p, indices[b, i], q]. An index
 * outside [0, n) gives 0 (as TF's GPU kernels do: a kernel cannot throw).
 */
export function gatherKernel({ backend, inputs: [x, indices], attrs, outputs: [out] }:
  KernelArgs<CpuBackend, { axis: number; batchDims: number }>): DataId[] {
  const values = backend.values(x);
  const index = backend.values(indices);
  const { batch, outer, n, inner, count } = gatherLayout(x, indices, attrs);
  const result = makeArray(out.dtype, batch * outer * count * inner);
  let at = 0;
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < outer; p++) {
      for (let i = 0; i < count; i++) {
        const k = index[b * count + i];
        if (k >= 0 && k < n) result.set(values.subarray(((b * outer + p) * n + k) * inner, ((b * outer + p) * n + k + 1) * inner), at);
        at += inner;
      }
    }
  }
  return [backend.write(result, out.shape, out.dtype)];
}

/** Normalized axis/batchDims of gather and the canonical sizes of its operands. */
export function gatherLayout(x: { shape: readonly number[] }, indices: { shape: readonly number[] }, attrs: { axis: number; batchDims: number }) {
  const batchDims = attrs.batchDims < 0 ? attrs.batchDims + indices.shape.length : attrs.batchDims;
  const axis = attrs.axis < 0 ? attrs.axis + x.shape.length : attrs.axis;
  return {
    axis, batchDims,
    batch: sizeFromShape(x.shape.slice(0, batchDims)),
    outer: sizeFromShape(x.shape.slice(batchDims, axis)),
    n: x.shape[axis],
    inner: sizeFromShape(x.shape.slice(axis + 1)),
    count: sizeFromShape(indices.shape.slice(batchDims)),
  };
}

/** Row-major offsets (in units of the slice after the first `depth` dims) of each index tuple; -1 when out of range. */
function tupleOffsets(index: TypedArray, tuples: number, depth: number, shape: readonly number[]): Int32Array {
  const strides = stridesOf(shape.slice(0, depth));
  const offsets = new Int32Array(tuples);
  for (let t = 0; t < tuples; t++) {
    let offset = 0;
    for (let k = 0; k < depth; k++) {
      const v = index[t * depth + k];
      if (v < 0 || v >= shape[k]) {
        offset = -1;
        break;
      }
      offset += v * strides[k];
    }
    offsets[t] = offset;
  }
  return offsets;
}

/** gatherND: each index tuple (the last dim of indices) picks a slice of x; out-of-range tuples give 0. */
export function gatherNDKernel({ backend, inputs: [x, indices], outputs: [out] }: KernelArgs<CpuBackend, unknown>): DataId[] {
  const depth = indices.shape[indices.shape.length - 1];
  const values = backend.values(x);
  const sliceSize = sizeFromShape(x.shape.slice(depth));
  const offsets = tupleOffsets(backend.values(indices), sizeFromShape(indices.shape.slice(0, -1)), depth, x.shape);
  const result = makeArray(out.dtype, offsets.length * sliceSize);
  offsets.forEach((offset, t) => {
    if (offset >= 0) result.set(values.subarray(offset * sliceSize, (offset + 1) * sliceSize), t * sliceSize);
  });
  return [backend.write(result, out.shape, out.dtype)];
}

/** scatterND: zeros of `shape` plus each update slice at its index tuple; duplicates add up. */
export function scatterNDKernel({ backend, inputs: [indices, updates], outputs: [out] }: KernelArgs<CpuBackend, unknown>): DataId[] {
  const depth = indices.shape[indices.shape.length - 1];
  const values = backend.values(updates);
  const sliceSize = sizeFromShape(out.shape.slice(depth));
  const offsets = tupleOffsets(backend.values(indices), sizeFromShape(indices.shape.slice(0, -1)), depth, out.shape);
  const result = makeArray(out.dtype, sizeFromShape(out.shape));
  offsets.forEach((offset, t) => {
    if (offset < 0) return;
    for (let j = 0; j < sliceSize; j++) result[offset * sliceSize + j] += values[t * sliceSize + j];
  });
  if (out.dtype === 'bool') result.forEach((v, i) => { result[i] = v ? 1 : 0; });
  return [backend.write(result, out.shape, out.dtype)];
}

/** tensorScatterUpdate: a copy of the tensor with each update slice written over its index tuple's; the last one wins. */
export function tensorScatterUpdateKernel({ backend, inputs: [tensor, indices, updates], outputs: [out] }: KernelArgs<CpuBackend, unknown>): DataId[] {
  const depth = indices.shape[indices.shape.length - 1];
  const values = backend.values(updates);
  const sliceSize = sizeFromShape(out.shape.slice(depth));
  const offsets = tupleOffsets(backend.values(indices), sizeFromShape(indices.shape.slice(0, -1)), depth, out.shape);
  const result = makeArray(out.dtype, sizeFromShape(out.shape));
  result.set(backend.values(tensor));
  offsets.forEach((offset, t) => {
    if (offset >= 0) result.set(values.subarray(t * sliceSize, (t + 1) * sliceSize), offset * sliceSize);
  });
  return [backend.write(result, out.shape, out.dtype)];
}

/** The k largest entries of each row (last dim), largest first; ties keep the lower index first, NaN counts as largest. */
export function topkKernel({ backend, inputs: [x], outputs: [valuesOut, indicesOut] }: KernelArgs<CpuBackend, unknown>): DataId[] {
  const values = backend.values(x);
  const n = x.shape[x.shape.length - 1] ?? 1;
  const k = valuesOut.shape[valuesOut.shape.length - 1];
  const rows = n === 0 ? 0 : values.length / n;
  const topValues = makeArray(valuesOut.dtype, rows * k);
  const topIndices = makeArray('int32', rows * k);
  const rank = (v: number) => (Number.isNaN(v) ? Infinity : v);
  const order = Array.from({ length: n }, (_, j) => j);
  for (let r = 0; r < rows; r++) {
    const row = values.subarray(r * n, (r + 1) * n);
    order.sort((a, b) => rank(row[b]) - rank(row[a]) || (Number.isNaN(row[b]) ? 1 : 0) - (Number.isNaN(row[a]) ? 1 : 0) || a - b);
    for (let j = 0; j < k; j++) {
      topValues[r * k + j] = row[order[j]];
      topIndices[r * k + j] = order[j];
    }
    order.sort((a, b) => a - b);
  }
  return [backend.write(topValues, valuesOut.shape, valuesOut.dtype), backend.write(topIndices, indicesOut.shape, 'int32')];
}

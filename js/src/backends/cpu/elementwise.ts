// CPU kernels for elementwise ops: one generic kernel per arity, specialised
// by the scalar function the op's registry entry gives.
import type { DataId } from '../../core/backend.js';
import { type DataType, float16BitsToFloat32, makeArray, sizeFromShape, stridesOf, toStorage } from '../../core/dtype.js';
import type { KernelArgs } from '../../ops/registry.js';
import type { CpuBackend } from './backend.js';

export type ScalarFn<A> = (x: number, attrs: A) => number;

/** y[i] = fn(x[i]) into the output dtype the shape rule chose. */
export function unaryKernel<A>(fn: ScalarFn<A>) {
  return ({ backend, inputs: [x], attrs, outputs: [out] }: KernelArgs<CpuBackend, A>): DataId[] => {
    const values = backend.values(x);
    const result = makeArray(out.dtype, values.length);
    for (let i = 0; i < values.length; i++) result[i] = fn(values[i], attrs);
    return [backend.write(result, out.shape, out.dtype)];
  };
}

/**
 * For each flat index of `outShape`, the flat index into an input of `inShape`
 * broadcast against it (numpy rules: dims align on the right, size-1 dims
 * repeat). Null when no broadcasting happens (the index is the same).
 */
export function broadcastIndex(outShape: readonly number[], inShape: readonly number[]): Int32Array | null {
  const size = sizeFromShape(outShape);
  if (sizeFromShape(inShape) === size && inShape.length === outShape.length) return null;
  const rank = outShape.length;
  const inStrides = stridesOf(inShape);
  // Stride of each output dim in the input: 0 where the input repeats.
  const strides = outShape.map((_, d) => {
    const k = d - (rank - inShape.length);
    return k < 0 || inShape[k] === 1 ? 0 : inStrides[k];
  });
  const index = new Int32Array(size);
  const counter = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let i = 0; i < size; i++) {
    index[i] = offset;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      offset += strides[d];
      if (counter[d] < outShape[d]) break;
      offset -= strides[d] * counter[d];
      counter[d] = 0;
    }
  }
  return index;
}

/**
 * Broadcasting by rows of the output's last dim, so index arrays hold one
 * entry per row rather than per element: row r of an input broadcast against
 * `outShape` starts at `starts[r]` and advances by `step` (1, or 0 where the
 * input repeats one value along the row).
 */
function broadcastRows(outShape: readonly number[], inShape: readonly number[]): { starts: Int32Array; step: number } {
  const rows = sizeFromShape(outShape.slice(0, -1));
  const starts = new Int32Array(rows);
  if (inShape.length === 0) return { starts, step: 0 };
  const rowLength = inShape[inShape.length - 1];
  const lead = broadcastIndex(outShape.slice(0, -1), inShape.slice(0, -1));
  for (let r = 0; r < rows; r++) starts[r] = (lead ? lead[r] : r) * rowLength;
  return { starts, step: rowLength === 1 ? 0 : 1 };
}

/** Elements per row: the output's last dim (1 for a scalar). */
const rowLength = (shape: readonly number[]) => (shape.length ? shape[shape.length - 1] : 1);

/** out[i] = fn(a[.], b[.]) with numpy broadcasting; `intFn` replaces `fn` for int32 outputs. */
export function binaryKernel(fn: (a: number, b: number) => number, intFn?: (a: number, b: number) => number) {
  return ({ backend, inputs: [a, b], outputs: [out] }: KernelArgs<CpuBackend, unknown>): DataId[] => {
    const av = backend.values(a);
    const bv = backend.values(b);
    const result = makeArray(out.dtype, sizeFromShape(out.shape));
    const f = out.dtype === 'int32' && intFn ? intFn : fn;
    const inner = rowLength(out.shape);
    const ra = broadcastRows(out.shape, a.shape);
    const rb = broadcastRows(out.shape, b.shape);
    let i = 0;
    for (let r = 0; r < ra.starts.length; r++) {
      let ia = ra.starts[r];
      let ib = rb.starts[r];
      for (let j = 0; j < inner; j++, ia += ra.step, ib += rb.step) result[i++] = f(av[ia], bv[ib]);
    }
    return [backend.write(result, out.shape, out.dtype)];
  };
}

/** where(condition, a, b) with all three broadcast. */
export function whereKernel({ backend, inputs: [c, a, b], outputs: [out] }: KernelArgs<CpuBackend, unknown>): DataId[] {
  const [cv, av, bv] = [c, a, b].map((t) => backend.values(t));
  const [rc, ra, rb] = [c, a, b].map((t) => broadcastRows(out.shape, t.shape));
  const result = makeArray(out.dtype, sizeFromShape(out.shape));
  const inner = rowLength(out.shape);
  let i = 0;
  for (let r = 0; r < rc.starts.length; r++) {
    let ic = rc.starts[r];
    let ia = ra.starts[r];
    let ib = rb.starts[r];
    for (let j = 0; j < inner; j++, ic += rc.step, ia += ra.step, ib += rb.step) result[i++] = cv[ic] ? av[ia] : bv[ib];
  }
  return [backend.write(result, out.shape, out.dtype)];
}

/** Sum of same-shaped inputs. */
export function addNKernel({ backend, inputs, outputs: [out] }: KernelArgs<CpuBackend, unknown>): DataId[] {
  const result = makeArray(out.dtype, sizeFromShape(out.shape));
  for (const input of inputs) {
    const values = backend.values(input);
    for (let i = 0; i < result.length; i++) result[i] += values[i];
  }
  return [backend.write(result, out.shape, out.dtype)];
}

/** Converts between any two dtypes (float16 bits decoded/encoded; to int32 truncates; to bool is `!= 0`). */
export function castKernel({ backend, inputs: [x], outputs: [out] }: KernelArgs<CpuBackend, { dtype: DataType }>): DataId[] {
  let values: ArrayLike<number> = backend.values(x);
  if (x.dtype === 'float16') values = Float32Array.from(values, float16BitsToFloat32);
  return [backend.write(toStorage(values, out.dtype), out.shape, out.dtype)];
}

/** A view: the output shares the input's data (clone, reshape). */
export function aliasKernel({ inputs: [x] }: KernelArgs<CpuBackend, unknown>): DataId[] {
  return [x.dataId];
}

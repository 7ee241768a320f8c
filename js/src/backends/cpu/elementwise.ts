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

/** out[i] = fn(a[.], b[.]) with numpy broadcasting; `intFn` replaces `fn` for int32 outputs. */
export function binaryKernel(fn: (a: number, b: number) => number, intFn?: (a: number, b: number) => number) {
  return ({ backend, inputs: [a, b], outputs: [out] }: KernelArgs<CpuBackend, unknown>): DataId[] => {
    const av = backend.values(a);
    const bv = backend.values(b);
    const ai = broadcastIndex(out.shape, a.shape);
    const bi = broadcastIndex(out.shape, b.shape);
    const result = makeArray(out.dtype, sizeFromShape(out.shape));
    const f = out.dtype === 'int32' && intFn ? intFn : fn;
    for (let i = 0; i < result.length; i++) result[i] = f(av[ai ? ai[i] : i], bv[bi ? bi[i] : i]);
    return [backend.write(result, out.shape, out.dtype)];
  };
}

/** where(condition, a, b) with all three broadcast. */
export function whereKernel({ backend, inputs: [c, a, b], outputs: [out] }: KernelArgs<CpuBackend, unknown>): DataId[] {
  const [cv, av, bv] = [c, a, b].map((t) => backend.values(t));
  const [ci, ai, bi] = [c, a, b].map((t) => broadcastIndex(out.shape, t.shape));
  const result = makeArray(out.dtype, sizeFromShape(out.shape));
  for (let i = 0; i < result.length; i++) {
    result[i] = cv[ci ? ci[i] : i] ? av[ai ? ai[i] : i] : bv[bi ? bi[i] : i];
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

// CPU kernel of matMul (batched, batch dims broadcast), shared with fusedMatMul.
import type { DataId } from '../../core/backend.js';
import { type DataType, type TypedArray, makeArray, sizeFromShape } from '../../core/dtype.js';
import type { KernelArgs } from '../../ops/registry.js';
import type { CpuBackend } from './backend.js';
import { broadcastIndex } from './elementwise.js';

export interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * out[..., i, j] = sum_k A[..., i, k] B[..., k, j], A and B read transposed
 * where asked; the batch dims of A and B broadcast against the output's.
 * Accumulates in float64.
 */
export function matMulValues(a: TypedArray, aShape: readonly number[], b: TypedArray, bShape: readonly number[],
  { transposeA, transposeB }: MatMulAttrs, outShape: readonly number[], dtype: DataType): TypedArray {
  const rank = outShape.length;
  const [m, n] = outShape.slice(rank - 2);
  const k = transposeA ? aShape[aShape.length - 2] : aShape[aShape.length - 1];
  const batchShape = outShape.slice(0, rank - 2);
  const batches = sizeFromShape(batchShape);
  const aBatch = broadcastIndex(batchShape, aShape.slice(0, -2));
  const bBatch = broadcastIndex(batchShape, bShape.slice(0, -2));
  // Element strides of the row and inner dims of each operand.
  const [aRow, aInner] = transposeA ? [1, m] : [k, 1];
  const [bInner, bCol] = transposeB ? [1, k] : [n, 1];
  const out = makeArray(dtype, batches * m * n);
  const row = new Float64Array(n);
  for (let t = 0; t < batches; t++) {
    const aBase = (aBatch ? aBatch[t] : t) * m * k;
    const bBase = (bBatch ? bBatch[t] : t) * k * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const av = a[aBase + i * aRow + p * aInner];
        const bAt = bBase + p * bInner;
        for (let j = 0; j < n; j++) row[j] += av * b[bAt + j * bCol];
      }
      out.set(row, (t * m + i) * n);
    }
  }
  return out;
}

export function matMulKernel({ backend, inputs: [a, b], attrs, outputs: [out] }: KernelArgs<CpuBackend, MatMulAttrs>): DataId[] {
  const values = matMulValues(backend.values(a), a.shape, backend.values(b), b.shape, attrs, out.shape, out.dtype);
  return [backend.write(values, out.shape, out.dtype)];
}

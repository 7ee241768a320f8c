// Data movement through shape/strided_copy.wgsl. Elements are copied as u32
// bits, so one pipeline serves every 32-bit dtype.
import type { DataId } from '../../../core/backend.js';
import { sizeFromShape, stridesOf } from '../../../core/dtype.js';
import type { WebGpuBackend } from '../backend.js';
import { typesSlot } from '../wgsl.js';
import { type TensorInfo, groupsFor } from './common.js';

export interface StridedCopy {
  /** The copied index space. */
  shape: readonly number[];
  inOffset?: number;
  inStrides: readonly number[];
  outOffset?: number;
  outStrides?: readonly number[];
}

/** Copies `x` into `out` through strides (rank up to 8); returns `out`. */
export function stridedCopy(backend: WebGpuBackend, x: DataId, copy: StridedCopy, out: DataId): DataId {
  const size = sizeFromShape(copy.shape);
  if (size === 0) return out;
  backend.run({
    shader: 'shape/strided_copy.wgsl',
    slots: { types: typesSlot({ Elem: 'u32' }) },
    bindings: {
      x, out,
      params: {
        size, rank: copy.shape.length, in_offset: copy.inOffset ?? 0, out_offset: copy.outOffset ?? 0,
        shape: copy.shape, in_strides: copy.inStrides, out_strides: copy.outStrides ?? stridesOf(copy.shape),
      },
    },
    workgroups: groupsFor(size),
  });
  return out;
}

/** x transposed by `perm` into new storage (the caller tracks its dtype). */
export function transposeData(backend: WebGpuBackend, x: TensorInfo, perm: readonly number[]): DataId {
  const strides = stridesOf(x.shape);
  const out = backend.allocate(perm.map((p) => x.shape[p]), x.dtype);
  return stridedCopy(backend, x.dataId, { shape: perm.map((p) => x.shape[p]), inStrides: perm.map((p) => strides[p]) }, out);
}

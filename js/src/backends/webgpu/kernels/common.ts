// Helpers every WebGPU kernel module shares: dtypes as WGSL types, shapes as
// uniform lists, and the backend behind a kernel's arguments.
import type { DataId, KernelBackend, TensorInfo } from '../../../core/backend.js';
import { type DataType, sizeFromShape, stridesOf } from '../../../core/dtype.js';
import type { KernelArgs } from '../../../ops/registry.js';
import type { WebGpuBackend } from '../backend.js';

export type WebGpuKernel<A = any> = (args: KernelArgs<KernelBackend, A>) => DataId[];

export function gpu(args: { backend: KernelBackend }): WebGpuBackend {
  return args.backend as WebGpuBackend;
}

/** The WGSL element type a dtype is stored as (bool as u32; float16 never reaches kernels but `cast`). */
export function wgslType(dtype: DataType): 'f32' | 'i32' | 'u32' {
  if (dtype === 'float32') return 'f32';
  if (dtype === 'int32') return 'i32';
  if (dtype === 'bool') return 'u32';
  throw new Error(`tensorweb: webgpu kernels take float32, int32 or bool, not ${dtype}`);
}

/** Strides of an input of `shape` read at the coordinates of `outShape` (numpy broadcasting: 0 where repeated). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const lead = outShape.length - shape.length;
  const strides = stridesOf(shape);
  return outShape.map((dim, d) => (d < lead || (shape[d - lead] === 1 && dim !== 1) ? 0 : strides[d - lead]));
}

/** The value's bits as a u32, read as `dtype` (for uniforms that carry a value of the output type). */
export function valueBits(value: number, dtype: DataType): number {
  if (dtype === 'float32') return new Uint32Array(new Float32Array([value]).buffer)[0];
  if (dtype === 'bool') return value !== 0 ? 1 : 0;
  return value >>> 0;
}

/** Output of one element per thread: `size` elements in WORKGROUP_SIZE (64) groups. */
export function groupsFor(size: number, perGroup = 64): number {
  return Math.ceil(size / perGroup);
}

export function elementCount(info: { shape: readonly number[] }): number {
  return sizeFromShape(info.shape);
}

export type { TensorInfo };

/**
 * `shape` with its dims of 1 dropped and neighbouring dims merged where every
 * stride list steps through both alike (a per-channel row over NHWC pixels
 * becomes [pixels, channels]; a slice of whole rows one long row), and each
 * list's strides over it: a kernel's index math then divides once per dim left.
 */
export function mergedDims(shape: readonly number[], operandStrides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const merged: number[] = [];
  const strides: number[][] = operandStrides.map(() => []);
  shape.forEach((dim, d) => {
    if (dim === 1) return;
    const last = merged.length - 1;
    if (last >= 0 && operandStrides.every((s, k) => strides[k][last] === s[d] * dim)) {
      merged[last] *= dim;
      operandStrides.forEach((s, k) => { strides[k][last] = s[d]; });
    } else {
      merged.push(dim);
      operandStrides.forEach((s, k) => strides[k].push(s[d]));
    }
  });
  return { shape: merged, strides };
}

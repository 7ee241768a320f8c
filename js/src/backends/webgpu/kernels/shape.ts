// Shape ops: data movement through shape/strided_copy.wgsl (transpose,
// slice, reverse, broadcastTo, concat, split, pad's interior), mirror_pad.wgsl, gather.wgsl,
// gather_nd.wgsl and scatter_nd.wgsl. Elements are copied as u32 bits, so
// one pipeline serves every 32-bit dtype.
import type { DataId } from '../../../core/backend.js';
import { normalizeAxes } from '../../../core/axes.js';
import { sizeFromShape, stridesOf } from '../../../core/dtype.js';
import { gatherLayout } from '../../cpu/shape.js';
import { stridedSliceSpec } from '../../../core/strided_slice.js';
import type { Launch, WebGpuBackend } from '../backend.js';
import { typesSlot } from '../wgsl.js';
import { type TensorInfo, type WebGpuKernel, broadcastStrides, gpu, groupsFor, mergedDims, valueBits, wgslType } from './common.js';
import { castBody, fill, generate, generateOp, runUnary } from './elementwise.js';
import { shaderFiles } from '../../../shaders.js';

const SHADERS = shaderFiles({
  stridedCopy: 'shape/strided_copy.wgsl',
  mirrorPad: 'shape/mirror_pad.wgsl',
  gather: 'shape/gather.wgsl',
  gatherNd: 'shape/gather_nd.wgsl',
  scatterNd: 'shape/scatter_nd.wgsl',
  resize: 'shape/resize.wgsl',
});

/** generate_ops.wgsl's gather rows with batch dims. */
const GATHER_ROWS = generateOp('gatherRows');

export interface StridedCopy {
  /** The copied index space. */
  shape: readonly number[];
  inOffset?: number;
  inStrides: readonly number[];
  outOffset?: number;
  outStrides?: readonly number[];
}

/** A copy with its out strides worked out. */
type StridedCopyOut = StridedCopy & { outStrides: readonly number[] };

/**
 * The copy in vec4s, where its innermost dim runs contiguously in x and out, 4 at a time (a transpose that
 * keeps the last axis, a slice or concat along another): 4 elements per thread, a quarter of the index math
 * (on SwiftShader a quarter of the per-lane loads and stores too). Null where it does not.
 */
function inVec4s(copy: StridedCopyOut): StridedCopyOut | null {
  const { outStrides } = copy;
  const last = copy.shape.length - 1;
  const outer = (strides: readonly number[]) => strides.slice(0, last);
  const quarters = [...outer(copy.inStrides), ...outer(outStrides), copy.inOffset ?? 0, copy.outOffset ?? 0];
  if (last < 0 || copy.shape[last] % 4 !== 0 || copy.inStrides[last] !== 1 || outStrides[last] !== 1 ||
      quarters.some((n) => n % 4 !== 0)) return null;
  const quarter = (strides: readonly number[]) => [...outer(strides).map((n) => n / 4), 1];
  return {
    shape: [...copy.shape.slice(0, last), copy.shape[last] / 4], inStrides: quarter(copy.inStrides), outStrides: quarter(outStrides),
    inOffset: (copy.inOffset ?? 0) / 4, outOffset: (copy.outOffset ?? 0) / 4,
  };
}

/**
 * The same copy over the fewest dims: dims of 1 dropped, and each dim merged into the next inner one where
 * both run on contiguously in x and in out alike (a pad's interior rows, a slice of whole rows), so the
 * innermost dim is as long as it can be (more items per thread, vec4s more often) and the index math shorter.
 */
function merged(copy: StridedCopy, outStrides: readonly number[]): StridedCopyOut {
  const { shape, strides: [inStrides, mergedOut] } = mergedDims(copy.shape, [copy.inStrides, outStrides]);
  return { ...copy, shape, inStrides, outStrides: mergedOut };
}

/**
 * The items a strided-copy thread may take, a fixed few (3 for RGB pixels): ITEMS_PER_THREAD is a pipeline
 * constant. An innermost dim of 16 or more takes 16 whatever its length (a row's last thread copies the
 * rest), so a copy whose sizes change (a decoder's cache, concatenated each token; a new sequence length)
 * compiles no new pipeline; a shorter one takes the most that divides it.
 */
const ITEMS_PER_THREAD_CHOICES = [16, 8, 4, 3, 2, 1];

/** Copies `x` into `out` through strides (rank up to 8); returns `out`. */
export function stridedCopy(backend: WebGpuBackend, x: DataId, copy: StridedCopy, out: DataId): DataId {
  if (sizeFromShape(copy.shape) === 0) return out;
  const fewest = merged(copy, copy.outStrides ?? stridesOf(copy.shape));
  const vec4 = backend.flags.vec4 !== 'off' ? inVec4s(fewest) : null;
  const launch = (run: StridedCopyOut, itemsPerThread: number): Launch => {
    const size = sizeFromShape(run.shape);
    const innermost = run.shape.length ? run.shape[run.shape.length - 1] : 1;
    return {
      shader: SHADERS.stridedCopy,
      slots: { types: typesSlot({ Elem: run === vec4 ? 'vec4<u32>' : 'u32' }) },
      constants: { ITEMS_PER_THREAD: itemsPerThread },
      bindings: {
        x, out,
        params: {
          size, rank: run.shape.length, in_offset: run.inOffset ?? 0, out_offset: run.outOffset ?? 0,
          shape: run.shape, in_strides: run.inStrides, out_strides: run.outStrides,
        },
      },
      workgroups: groupsFor((size / innermost) * Math.ceil(innermost / itemsPerThread)),
    };
  };
  const run = vec4 ?? fewest;
  const innermost = run.shape.length ? run.shape[run.shape.length - 1] : 1;
  const itemsPerThread = ITEMS_PER_THREAD_CHOICES.find((items) => items <= innermost && (items === 16 || innermost % items === 0))!;
  // Any items per thread copy any sizes, in vec4s or not: a model whose sizes change may keep a copy it has
  // compiled (see pickVariant), the last (one element a thread) for any copy.
  backend.run(backend.pickVariant(launch(run, itemsPerThread), () => [...(vec4 ? [vec4] : []), fewest]
    .flatMap((form) => ITEMS_PER_THREAD_CHOICES.map((items) => launch(form, items)))));
  return out;
}

/** x transposed by `perm` into new storage (the caller tracks its dtype). */
export function transposeData(backend: WebGpuBackend, x: TensorInfo, perm: readonly number[]): DataId {
  const strides = stridesOf(x.shape);
  const out = backend.allocate(perm.map((p) => x.shape[p]), x.dtype);
  return stridedCopy(backend, x.dataId, { shape: perm.map((p) => x.shape[p]), inStrides: perm.map((p) => strides[p]) }, out);
}

type Kernel<A> = WebGpuKernel<A>;

/** One strided copy from the single input into a new tensor of the output spec. */
function copyKernel<A>(plan: (x: TensorInfo, attrs: A, outShape: readonly number[]) => Omit<StridedCopy, 'outStrides' | 'outOffset'>): Kernel<A> {
  return (args) => {
    const backend = gpu(args);
    const { inputs: [x], attrs, outputs: [spec] } = args;
    return [stridedCopy(backend, x.dataId, plan(x, attrs, spec.shape), backend.allocate(spec.shape, spec.dtype))];
  };
}

export const transposeKernel = copyKernel<{ perm: number[] | null }>((x, { perm }) => {
  const order = perm ?? x.shape.map((_, d) => x.shape.length - 1 - d);
  const strides = stridesOf(x.shape);
  return { shape: order.map((p) => x.shape[p]), inStrides: order.map((p) => strides[p]) };
});

export const sliceKernel = copyKernel<{ begin: number[] }>((x, { begin }, outShape) => {
  const strides = stridesOf(x.shape);
  return { shape: outShape, inStrides: strides, inOffset: strides.reduce((at, s, d) => at + (begin[d] ?? 0) * s, 0) };
});

export const reverseKernel = copyKernel<{ axis: number | number[] | null }>((x, { axis }) => {
  const axes = normalizeAxes(axis, x.shape.length);
  const strides = stridesOf(x.shape);
  // Reversed axes start at their last element and step backwards.
  return {
    shape: x.shape,
    inStrides: strides.map((s, d) => (axes.includes(d) ? -s : s)),
    inOffset: axes.reduce((at, d) => at + Math.max(0, x.shape[d] - 1) * strides[d], 0),
  };
});

export const broadcastToKernel = copyKernel<{ shape: number[] }>((x, _attrs, outShape) =>
  ({ shape: outShape, inStrides: broadcastStrides(x.shape, outShape) }));

/** Copies `x` (whole) into the region of `out` that starts at `offset` along `axis`. */
function copyIntoAlong(backend: WebGpuBackend, x: TensorInfo, out: DataId, outShape: readonly number[], axis: number, offset: number): void {
  const outStrides = stridesOf(outShape);
  stridedCopy(backend, x.dataId, { shape: x.shape, inStrides: stridesOf(x.shape), outStrides, outOffset: offset * outStrides[axis] }, out);
}

export const concatKernel: Kernel<{ axis: number }> = (args) => {
  const backend = gpu(args);
  const { inputs, attrs, outputs: [spec] } = args;
  const [axis] = normalizeAxes(attrs.axis, spec.shape.length);
  const out = backend.allocate(spec.shape, spec.dtype);
  let offset = 0;
  for (const x of inputs) {
    copyIntoAlong(backend, x, out, spec.shape, axis, offset);
    offset += x.shape[axis];
  }
  return [out];
};

export const splitKernel: Kernel<{ axis: number }> = (args) => {
  const backend = gpu(args);
  const { inputs: [x], attrs, outputs } = args;
  const [axis] = normalizeAxes(attrs.axis, x.shape.length);
  const strides = stridesOf(x.shape);
  let offset = 0;
  return outputs.map((spec) => {
    const part = stridedCopy(backend, x.dataId, { shape: spec.shape, inStrides: strides, inOffset: offset * strides[axis] },
      backend.allocate(spec.shape, spec.dtype));
    offset += spec.shape[axis];
    return part;
  });
};

/** `x` padded with the constant whose bits are `constantBits`: the constant everywhere, then x copied into the interior. */
function constantPad(backend: WebGpuBackend, x: TensorInfo, paddings: number[][], constantBits: number): TensorInfo {
  const shape = x.shape.map((dim, d) => dim + paddings[d][0] + paddings[d][1]);
  const out = fill(backend, shape, x.dtype, constantBits);
  const outStrides = stridesOf(shape);
  const outOffset = paddings.reduce((at, [before], d) => at + before * outStrides[d], 0);
  stridedCopy(backend, x.dataId, { shape: x.shape, inStrides: stridesOf(x.shape), outStrides, outOffset }, out);
  return { dataId: out, shape, dtype: x.dtype };
}

/** `x` padded with zeros by `paddings` ([before, after] per dim), as a new tensor. */
export function zeroPad(backend: WebGpuBackend, x: TensorInfo, paddings: number[][]): TensorInfo {
  return constantPad(backend, x, paddings, 0);
}

export const padKernel: Kernel<{ paddings: number[][]; constantValue: number }> = (args) => {
  const { inputs: [x], attrs } = args;
  return [constantPad(gpu(args), x, attrs.paddings, valueBits(attrs.constantValue, x.dtype)).dataId];
};

export const mirrorPadKernel: Kernel<{ paddings: number[][]; mode: 'reflect' | 'symmetric' }> = (args) => {
  const backend = gpu(args);
  const { inputs: [x], attrs, outputs: [spec] } = args;
  const out = backend.allocate(spec.shape, x.dtype);
  const size = sizeFromShape(spec.shape);
  if (size === 0) return [out];
  backend.run({
    shader: SHADERS.mirrorPad,
    slots: { types: typesSlot({ Elem: 'u32' }) },
    constants: { SYMMETRIC: attrs.mode === 'symmetric' },
    bindings: {
      x: x.dataId, out,
      params: { size, rank: spec.shape.length, in_shape: x.shape, out_shape: spec.shape, pad_before: attrs.paddings.map(([before]) => before) },
    },
    workgroups: groupsFor(size),
  });
  return [out];
};

/**
 * gather through shape/gather.wgsl with x as [outer, n, inner]. With batch
 * dims, each index first becomes a row of x viewed as [batch * outer * n,
 * inner] (-1 when out of range), so one gather serves every batch.
 */
export const gatherKernel: Kernel<{ axis: number; batchDims: number }> = (args) => {
  const backend = gpu(args);
  const { inputs: [x, indices], attrs, outputs: [spec] } = args;
  const { batch, outer, n, inner, count } = gatherLayout(x, indices, attrs);
  const out = backend.allocate(spec.shape, spec.dtype);
  const size = sizeFromShape(spec.shape);
  if (size === 0) return [out];
  let rows = indices.dataId;
  let layout = { outer: batch * outer, axisSize: n, count };
  if (batch > 1) {
    rows = generate(backend, [batch, outer, count], 'int32', GATHER_ROWS, { u0: outer, u1: count, bits0: n }, { x: indices.dataId });
    layout = { outer: 1, axisSize: batch * outer * n, count: batch * outer * count };
  }
  backend.run({
    shader: SHADERS.gather,
    slots: { types: typesSlot({ Elem: 'u32' }) },
    bindings: { x: x.dataId, indices: rows, out, params: { size, axis_size: layout.axisSize, count: layout.count, inner } },
    workgroups: groupsFor(size),
  });
  if (rows !== indices.dataId) backend.disposeData(rows);
  return [out];
};

export const gatherNDKernel: Kernel<Record<string, never>> = (args) => {
  const backend = gpu(args);
  const { inputs: [x, indices], outputs: [spec] } = args;
  const depth = indices.shape[indices.shape.length - 1];
  const out = backend.allocate(spec.shape, spec.dtype);
  const size = sizeFromShape(spec.shape);
  if (size === 0) return [out];
  backend.run({
    shader: SHADERS.gatherNd,
    slots: { types: typesSlot({ Elem: 'u32' }) },
    bindings: {
      x: x.dataId, indices: indices.dataId, out,
      params: {
        size, depth, slice_size: sizeFromShape(x.shape.slice(depth)),
        x_shape: x.shape.slice(0, depth), x_strides: stridesOf(x.shape).slice(0, depth),
      },
    },
    workgroups: groupsFor(size),
  });
  return [out];
};

/**
 * scatterND: zeros, then float adds by compare-and-swap (duplicates sum).
 * int32 updates go through float32 (exact below 2^24).
 */
export const scatterNDKernel: Kernel<{ shape: number[] }> = (args) => {
  const backend = gpu(args);
  const { inputs: [indices, updates], attrs, outputs: [spec] } = args;
  const depth = indices.shape[indices.shape.length - 1];
  const floats = updates.dtype === 'float32' ? updates.dataId : runUnary(backend, updates, 'float32', castBody(updates.dtype, 'float32'));
  const out = fill(backend, spec.shape, 'float32', 0);
  const size = sizeFromShape(updates.shape);
  if (size > 0) {
    backend.run({
      shader: SHADERS.scatterNd,
      bindings: {
        updates: floats, indices: indices.dataId, out,
        params: {
          size, depth, slice_size: sizeFromShape(attrs.shape.slice(depth)),
          out_shape: attrs.shape.slice(0, depth), out_strides: stridesOf(attrs.shape).slice(0, depth),
        },
      },
      workgroups: groupsFor(size),
    });
  }
  if (floats !== updates.dataId) backend.disposeData(floats);
  if (spec.dtype === 'float32') return [out];
  const converted = runUnary(backend, { dataId: out, shape: spec.shape, dtype: 'float32' }, spec.dtype, castBody('float32', spec.dtype));
  backend.disposeData(out);
  return [converted];
};

/**
 * tensorScatterUpdate: a copy of the tensor, then each update's bits stored
 * over its element (scatter_nd.wgsl with ACCUMULATE off), so every 32-bit
 * dtype takes the one pipeline.
 */
export const tensorScatterUpdateKernel: Kernel<Record<string, never>> = (args) => {
  const backend = gpu(args);
  const { inputs: [tensor, indices, updates], outputs: [spec] } = args;
  const depth = indices.shape[indices.shape.length - 1];
  const out = stridedCopy(backend, tensor.dataId, { shape: spec.shape, inStrides: stridesOf(spec.shape) }, backend.allocate(spec.shape, spec.dtype));
  const size = sizeFromShape(updates.shape);
  if (size === 0) return [out];
  backend.run({
    shader: SHADERS.scatterNd,
    constants: { ACCUMULATE: false },
    bindings: {
      updates: updates.dataId, indices: indices.dataId, out,
      params: {
        size, depth, slice_size: sizeFromShape(spec.shape.slice(depth)),
        out_shape: spec.shape.slice(0, depth), out_strides: stridesOf(spec.shape).slice(0, depth),
      },
    },
    workgroups: groupsFor(size),
  });
  return [out];
};

/** stridedSlice: TF's begin/end/stride/mask rules (resolved by the op's own spec) as one strided copy. */
export const stridedSliceKernel = copyKernel<Parameters<typeof stridedSliceSpec>[1]>((x, attrs) => {
  const { start, step, count } = stridedSliceSpec(x.shape, attrs);
  const strides = stridesOf(x.shape);
  // New and shrunk axes have size 1, so the copy over the per-input-dim counts is in the output's order.
  return { shape: count, inStrides: strides.map((s, d) => s * step[d]), inOffset: start.reduce((at, b, d) => at + b * strides[d], 0) };
});

/** resizeBilinear / resizeNearestNeighbor of [batch?, h, w, c] images with TF.js's corner rules. */
export function resizeKernel(bilinear: boolean): Kernel<{ size: number[]; alignCorners: boolean; halfPixelCenters: boolean }> {
  return (args) => {
    const backend = gpu(args);
    const { inputs: [images], attrs: { size: [outH, outW], alignCorners, halfPixelCenters }, outputs: [spec] } = args;
    const [inH, inW, channels] = images.shape.slice(-3);
    const out = backend.allocate(spec.shape, spec.dtype);
    const size = sizeFromShape(spec.shape);
    if (size === 0) return [out];
    const scale = (inSize: number, outSize: number) => (alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize);
    // 4 channels a thread where they allow (on SwiftShader, in turns, selfie segmentation's upsamplings to
    // 128x128x16 and 64x64x24 took 6.6 and 2.5 ms so, against 19 and 6.4 ms a thread per element).
    const vec4 = channels % 4 === 0 && images.dtype === 'float32' && backend.flags.vec4 !== 'off';
    const elem = wgslType(images.dtype);
    const per = vec4 ? 4 : 1;
    backend.run({
      shader: SHADERS.resize,
      slots: { types: typesSlot(vec4 ? { Elem: 'vec4<f32>', Value: 'vec4<f32>' } : { Elem: elem, Value: 'f32' }) },
      constants: { BILINEAR: bilinear, ALIGN_CORNERS: alignCorners, HALF_PIXEL_CENTERS: halfPixelCenters },
      bindings: {
        x: images.dataId, out,
        params: {
          size: size / per, in_h: inH, in_w: inW, channels: channels / per, out_h: outH, out_w: outW,
          scale_h: scale(inH, outH), scale_w: scale(inW, outW),
        },
      },
      workgroups: groupsFor(size / per),
    });
    return [out];
  };
}

// The normalisations, one dispatch each: softmax and logSoftmax
// (norm/softmax.wgsl) and layerNorm (norm/layer_norm.wgsl) along rows of x
// viewed as [outer, cols, inner], a workgroup per row, or a thread per row
// where reductions take a thread per output (the `reduce` flag's rule);
// batchNorm (norm/batch_norm.wgsl) and localResponseNormalization
// (norm/lrn.wgsl) a thread per element.
import type { DataId } from '../../../core/backend.js';
import { normalizeAxes, rowsAlongAxis } from '../../../core/axes.js';
import { sizeFromShape, stridesOf } from '../../../core/dtype.js';
import type { LayerNormAttrs, LrnAttrs } from '../../cpu/nn.js';
import type { Launch, WebGpuBackend } from '../backend.js';
import { type TensorInfo, type WebGpuKernel, broadcastStrides, gpu, groupsFor } from './common.js';
import { threadPerOutput } from './reduce.js';
import { stridedCopy, transposeData } from './shape.js';
import { shaderFiles } from '../../../shaders.js';

const SHADERS = shaderFiles({
  softmax: 'norm/softmax.wgsl',
  layerNorm: 'norm/layer_norm.wgsl',
  batchNorm: 'norm/batch_norm.wgsl',
  lrn: 'norm/lrn.wgsl',
});

export function softmaxKernel(log: boolean): WebGpuKernel<Record<string, number>> {
  return (args) => {
    const backend = gpu(args);
    const { inputs: [logits], attrs, outputs: [spec] } = args;
    const { rows, cols, inner } = rowsAlongAxis(logits.shape, log ? attrs.axis : attrs.dim);
    const out = backend.allocate(spec.shape, 'float32');
    if (rows === 0) return [out];
    const launch = (perThread: boolean): Launch => ({
      shader: SHADERS.softmax,
      constants: { LOG: log, THREAD_PER_ROW: perThread },
      bindings: { x: logits.dataId, out, params: { rows, cols, inner } },
      workgroups: perThread ? groupsFor(rows) : rows,
    });
    // Either way runs any rows: a model whose sizes change may keep the one it compiled (see pickVariant).
    const perThread = threadPerOutput(backend, rows, cols);
    backend.run(backend.pickVariant(launch(perThread), () => [launch(!perThread)]));
    return [out];
  };
}

/** An input broadcast to x as the norm shaders read it: element i of x takes data[i % period]. */
interface Periodic {
  data: DataId;
  period: number;
  /** Whether data is a copy the kernel made (and disposes). */
  copied: boolean;
}

/**
 * `input` read at the elements of a tensor of `shape`, where `strides` are the input's strides at that tensor's
 * dims (0 where it repeats), as data[i % period]: as is where its values run in that order over the dims from
 * the first one it varies along (a scalar; a per-channel vector, channels last; x's own shape), else copied out
 * over those dims first.
 */
function periodic(backend: WebGpuBackend, input: TensorInfo, shape: readonly number[], strides: readonly number[]): Periodic {
  const varying = shape.findIndex((n, d) => n !== 1 && strides[d] !== 0);
  const first = varying < 0 ? shape.length : varying;
  const suffix = shape.slice(first);
  const period = Math.max(1, sizeFromShape(suffix));
  const contiguous = stridesOf(suffix);
  if (suffix.every((n, k) => n === 1 || strides[first + k] === contiguous[k])) return { data: input.dataId, period, copied: false };
  const data = stridedCopy(backend, input.dataId, { shape: suffix, inStrides: strides.slice(first) }, backend.allocate(suffix, 'float32'));
  return { data, period, copied: true };
}

/**
 * layerNorm: the normalised axes, where adjacent, are the columns of x viewed as [outer, cols, inner]; others
 * are first transposed to the end (as reductions do), and the result back. gamma and beta broadcast to x in the
 * same element order.
 */
export const layerNormGpu: WebGpuKernel<LayerNormAttrs> = (args) => {
  const backend = gpu(args);
  const { inputs: [x, gamma, beta], attrs: { axis, epsilon }, outputs: [spec] } = args;
  const axes = normalizeAxes(axis, x.shape.length);
  if (sizeFromShape(x.shape) === 0) return [backend.allocate(spec.shape, 'float32')];
  const adjacent = axes.every((a, k) => k === 0 || a === axes[k - 1] + 1);
  const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  // The order the kernel sees x's dims in: x's own, or the normalised axes moved last.
  const order = adjacent ? x.shape.map((_, d) => d) : [...kept, ...axes];
  const shape = order.map((d) => x.shape[d]);
  const source = adjacent ? x.dataId : transposeData(backend, x, order);
  const firstAxis = adjacent ? (axes[0] ?? x.shape.length) : kept.length;
  const cols = sizeFromShape(axes.map((a) => x.shape[a]));
  const inner = sizeFromShape(shape.slice(firstAxis + axes.length));
  const rows = sizeFromShape(shape) / cols;
  const read = (input: TensorInfo | undefined) => {
    if (!input) return undefined;
    const strides = broadcastStrides(input.shape, x.shape);
    return periodic(backend, input, shape, order.map((d) => strides[d]));
  };
  const [gammaRead, betaRead] = [read(gamma), read(beta)];
  const out = backend.allocate(shape, 'float32');
  const launch = (perThread: boolean): Launch => ({
    shader: SHADERS.layerNorm,
    constants: { HAS_GAMMA: !!gammaRead, HAS_BETA: !!betaRead, THREAD_PER_ROW: perThread },
    bindings: {
      x: source, out,
      ...(gammaRead && { gamma: gammaRead.data }),
      ...(betaRead && { beta: betaRead.data }),
      params: { rows, cols, inner, gamma_period: gammaRead?.period ?? 1, beta_period: betaRead?.period ?? 1, epsilon },
    },
    workgroups: perThread ? groupsFor(rows) : rows,
  });
  const perThread = threadPerOutput(backend, rows, cols);
  backend.run(backend.pickVariant(launch(perThread), () => [launch(!perThread)]));
  for (const used of [gammaRead, betaRead]) if (used?.copied) backend.disposeData(used.data);
  if (adjacent) return [out];
  backend.disposeData(source);
  const restored = transposeData(backend, { dataId: out, shape, dtype: 'float32' }, x.shape.map((_, d) => order.indexOf(d)));
  backend.disposeData(out);
  return [restored];
};

/** batchNorm: a thread per element; mean, variance, offset and scale broadcast to x, each read periodically. */
export const batchNormGpu: WebGpuKernel<{ varianceEpsilon: number }> = (args) => {
  const backend = gpu(args);
  const { inputs: [x, mean, variance, offset, scale], attrs, outputs: [spec] } = args;
  const out = backend.allocate(spec.shape, 'float32');
  const size = sizeFromShape(x.shape);
  if (size === 0) return [out];
  const read = (input: TensorInfo) => periodic(backend, input, x.shape, broadcastStrides(input.shape, x.shape));
  const [meanRead, varianceRead] = [read(mean), read(variance)];
  const [offsetRead, scaleRead] = [offset, scale].map((input) => input && read(input));
  backend.run({
    shader: SHADERS.batchNorm,
    constants: { HAS_OFFSET: !!offsetRead, HAS_SCALE: !!scaleRead },
    bindings: {
      x: x.dataId, out, mean: meanRead.data, variance: varianceRead.data,
      ...(offsetRead && { offset: offsetRead.data }),
      ...(scaleRead && { scale: scaleRead.data }),
      params: {
        size, mean_period: meanRead.period, variance_period: varianceRead.period, offset_period: offsetRead?.period ?? 1,
        scale_period: scaleRead?.period ?? 1, epsilon: attrs.varianceEpsilon,
      },
    },
    workgroups: groupsFor(size),
  });
  for (const used of [meanRead, varianceRead, offsetRead, scaleRead]) if (used?.copied) backend.disposeData(used.data);
  return [out];
};

/** localResponseNormalization: a thread per element, summing the squares of its channel window. */
export const lrnGpu: WebGpuKernel<LrnAttrs> = (args) => {
  const backend = gpu(args);
  const { inputs: [x], attrs: { depthRadius, bias, alpha, beta }, outputs: [spec] } = args;
  const out = backend.allocate(spec.shape, 'float32');
  const size = sizeFromShape(x.shape);
  if (size === 0) return [out];
  backend.run({
    shader: SHADERS.lrn,
    bindings: { x: x.dataId, out, params: { size, channels: x.shape[x.shape.length - 1], depth_radius: depthRadius, bias, alpha, beta } },
    workgroups: groupsFor(size),
  });
  return [out];
};

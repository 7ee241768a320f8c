// CPU kernels of the fused ops' epilogue (bias + activation), of softmax,
// logSoftmax, layerNorm, batchNorm and localResponseNormalization, and of the
// image resizes.
import type { DataId, TensorInfo } from '../../core/backend.js';
import { normalizeAxes, rowsAlongAxis } from '../../core/axes.js';
import { makeArray, sizeFromShape } from '../../core/dtype.js';
import type { KernelArgs } from '../../ops/registry.js';
import type { CpuBackend } from './backend.js';
import { broadcastIndex } from './elementwise.js';
import { unaryFns } from './unary.js';

// TF.js's fused activations, and hardswish (not TF.js's: MobileNetV3's, which MediaPipe's models apply after
// their convs, fused here so that it takes no pass of its own over the feature map).
export type Activation = 'linear' | 'relu' | 'relu6' | 'elu' | 'prelu' | 'leakyrelu' | 'sigmoid' | 'hardswish';
export const ACTIVATIONS: readonly Activation[] = ['linear', 'relu', 'relu6', 'elu', 'prelu', 'leakyrelu', 'sigmoid', 'hardswish'];

/** The unary op (its registry name) each fused activation applies; linear and prelu apply none. */
export const ACTIVATION_OPS = {
  relu: 'relu', relu6: 'relu6', elu: 'elu', leakyrelu: 'leakyRelu', sigmoid: 'sigmoid', hardswish: 'hardSwish',
} as const satisfies Record<Exclude<Activation, 'linear' | 'prelu'>, keyof typeof unaryFns>;

export interface FusedAttrs {
  activation: Activation;
  leakyreluAlpha: number;
  /** tensorweb's: the addend comes after the activation (x + relu(conv(x)): MediaPipe's selfie decoder) instead of before it. */
  addendAfterActivation: boolean;
}

/** A fused op's optional inputs after its two operands, by what they are. */
export interface FusedExtras<T> {
  bias?: T;
  /** prelu's weights (activation 'prelu' only). */
  weights?: T;
  /** A tensor shaped like the output, added after the bias (a residual connection). */
  addend?: T;
}

/**
 * The fused ops' optional inputs `extra` (after the operands) by name: the bias, then prelu's weights where the
 * activation is 'prelu', then the addend; an addend comes after a bias (0 for none).
 */
export function fusedExtras<T>(extra: readonly T[], activation: string): FusedExtras<T> {
  const prelu = activation === 'prelu';
  return { bias: extra[0], weights: prelu ? extra[1] : undefined, addend: extra[prelu ? 2 : 1] };
}

/**
 * The fused ops' epilogue, in place on `values` (shaped `shape`): add `bias`
 * and `addend`, then apply the activation (the addend after it with
 * addendAfterActivation); prelu's weights broadcast like the bias.
 */
export function applyEpilogue(backend: CpuBackend, values: Float32Array, shape: readonly number[],
  { bias, weights: preluWeights, addend }: FusedExtras<TensorInfo>, { activation, leakyreluAlpha, addendAfterActivation }: FusedAttrs): void {
  const addTerm = (term: TensorInfo | undefined) => {
    if (!term) return;
    const b = backend.values(term);
    const at = broadcastIndex(shape, term.shape);
    for (let i = 0; i < values.length; i++) values[i] += b[at ? at[i] : i];
  };
  addTerm(bias);
  if (!addendAfterActivation) addTerm(addend);
  if (activation === 'prelu') {
    const w = backend.values(preluWeights!);
    const at = broadcastIndex(shape, preluWeights!.shape);
    for (let i = 0; i < values.length; i++) if (values[i] < 0) values[i] *= w[at ? at[i] : i];
  } else {
    const fn: ((x: number) => number) | null = activation === 'linear' ? null
      : activation === 'leakyrelu' ? (x) => unaryFns.leakyRelu(x, { alpha: leakyreluAlpha })
        : unaryFns[ACTIVATION_OPS[activation]];
    if (fn) for (let i = 0; i < values.length; i++) values[i] = fn(values[i]);
  }
  if (addendAfterActivation) addTerm(addend);
}

export interface ResizeAttrs {
  size: number[];
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/**
 * For each output coordinate along one axis, the input coordinates it reads
 * and their weights, by TF.js's rules (alignCorners scales by
 * (in-1)/(out-1); halfPixelCenters samples at pixel centres). Bilinear reads
 * two neighbours, nearest one.
 */
export function resizeTaps(inSize: number, outSize: number, { alignCorners, halfPixelCenters }: ResizeAttrs,
  mode: 'bilinear' | 'nearest'): { source: Int32Array; weight: Float32Array; taps: number } {
  const scale = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const taps = mode === 'bilinear' ? 2 : 1;
  const source = new Int32Array(outSize * taps);
  const weight = new Float32Array(outSize * taps);
  for (let o = 0; o < outSize; o++) {
    if (mode === 'bilinear') {
      const f = halfPixelCenters ? (o + 0.5) * scale - 0.5 : o * scale;
      const low = Math.min(inSize - 1, Math.max(0, Math.floor(f)));
      const high = Math.min(inSize - 1, Math.ceil(f));
      const frac = f - low;
      source.set([low, high], 2 * o);
      weight.set([1 - frac, frac], 2 * o);
    } else {
      const f = halfPixelCenters ? (o + 0.5) * scale : o * scale;
      const nearest = Math.min(inSize - 1, alignCorners ? Math.round(f) : Math.floor(f));
      source[o] = Math.max(0, nearest);
      weight[o] = 1;
    }
  }
  return { source, weight, taps };
}

/** resizeBilinear / resizeNearestNeighbor on [batch, height, width, channels] (batch optional). */
export function resizeKernel(mode: 'bilinear' | 'nearest') {
  return ({ backend, inputs: [images], attrs, outputs: [out] }: KernelArgs<CpuBackend, ResizeAttrs>): DataId[] => {
    const values = backend.values(images);
    const rank = images.shape.length;
    const [inH, inW, channels] = images.shape.slice(rank - 3);
    const [outH, outW] = attrs.size;
    const batch = sizeFromShape(images.shape.slice(0, rank - 3));
    const rows = resizeTaps(inH, outH, attrs, mode);
    const cols = resizeTaps(inW, outW, attrs, mode);
    const result = makeArray(out.dtype, sizeFromShape(out.shape));
    let at = 0;
    for (let n = 0; n < batch; n++) {
      for (let y = 0; y < outH; y++) {
        for (let x = 0; x < outW; x++) {
          for (let c = 0; c < channels; c++) {
            let total = 0;
            for (let i = 0; i < rows.taps; i++) {
              const rowBase = (n * inH + rows.source[y * rows.taps + i]) * inW;
              for (let j = 0; j < cols.taps; j++) {
                const w = rows.weight[y * rows.taps + i] * cols.weight[x * cols.taps + j];
                if (w !== 0) total += w * values[(rowBase + cols.source[x * cols.taps + j]) * channels + c];
              }
            }
            result[at++] = total;
          }
        }
      }
    }
    return [backend.write(result, out.shape, out.dtype)];
  };
}

/**
 * softmax (or logSoftmax with `log`) along `axis`: each row of the axis has
 * its max subtracted first, so large logits do not overflow.
 */
export function softmaxKernel(log: boolean) {
  return ({ backend, inputs: [logits], attrs, outputs: [out] }: KernelArgs<CpuBackend, Record<string, number>>): DataId[] => {
    const x = backend.values(logits);
    const { rows, cols, inner } = rowsAlongAxis(logits.shape, log ? attrs.axis : attrs.dim);
    const result = makeArray('float32', x.length) as Float32Array;
    for (let row = 0; row < rows; row++) {
      const base = Math.floor(row / inner) * cols * inner + (row % inner);
      let max = -Infinity;
      for (let c = 0; c < cols; c++) max = Math.max(max, x[base + c * inner]);
      let total = 0;
      for (let c = 0; c < cols; c++) total += Math.exp(x[base + c * inner] - max);
      const logTotal = Math.log(total);
      for (let c = 0; c < cols; c++) {
        const shifted = x[base + c * inner] - max - logTotal;
        result[base + c * inner] = log ? shifted : Math.exp(shifted);
      }
    }
    return [backend.write(result, out.shape, 'float32')];
  };
}

export interface LayerNormAttrs {
  axis: number | number[];
  epsilon: number;
}

/** Reads an optional input broadcast to `shape`: value(i) at element i of the output; null where the input is absent. */
function broadcastReader(backend: CpuBackend, input: TensorInfo | undefined, shape: readonly number[]): ((i: number) => number) | null {
  if (!input) return null;
  const values = backend.values(input);
  const at = broadcastIndex(shape, input.shape);
  return at ? (i) => values[at[i]] : (i) => values[i];
}

/**
 * layerNorm: over `axis`, x minus its mean, over the square root of its
 * variance (of the deviations, two passes) plus epsilon; then times gamma
 * plus beta, both broadcast to x.
 */
export function layerNormKernel({ backend, inputs: [x, gamma, beta], attrs, outputs: [out] }: KernelArgs<CpuBackend, LayerNormAttrs>): DataId[] {
  const values = backend.values(x);
  const axes = normalizeAxes(attrs.axis, x.shape.length);
  // Each element's row: its index in x's shape with the normalised axes kept as 1s.
  const rowShape = x.shape.map((n, d) => (axes.includes(d) ? 1 : n));
  const rowOf = broadcastIndex(x.shape, rowShape);
  const row = rowOf ? (i: number) => rowOf[i] : (i: number) => i;
  const rows = sizeFromShape(rowShape);
  const count = sizeFromShape(axes.map((a) => x.shape[a]));
  const means = new Float64Array(rows);
  for (let i = 0; i < values.length; i++) means[row(i)] += values[i];
  for (let r = 0; r < rows; r++) means[r] /= count;
  const inverseStd = new Float64Array(rows);
  for (let i = 0; i < values.length; i++) inverseStd[row(i)] += (values[i] - means[row(i)]) ** 2;
  for (let r = 0; r < rows; r++) inverseStd[r] = 1 / Math.sqrt(inverseStd[r] / count + attrs.epsilon);
  const [gammaAt, betaAt] = [broadcastReader(backend, gamma, x.shape), broadcastReader(backend, beta, x.shape)];
  const result = makeArray('float32', values.length) as Float32Array;
  for (let i = 0; i < values.length; i++) {
    const normalized = (values[i] - means[row(i)]) * inverseStd[row(i)];
    result[i] = (gammaAt ? normalized * gammaAt(i) : normalized) + (betaAt ? betaAt(i) : 0);
  }
  return [backend.write(result, out.shape, 'float32')];
}

/** batchNorm: (x - mean) / sqrt(variance + varianceEpsilon) * scale + offset, each broadcast to x. */
export function batchNormKernel({ backend, inputs: [x, mean, variance, offset, scale], attrs, outputs: [out] }:
  KernelArgs<CpuBackend, { varianceEpsilon: number }>): DataId[] {
  const values = backend.values(x);
  const [meanAt, varianceAt, offsetAt, scaleAt] = [mean, variance, offset, scale].map((input) => broadcastReader(backend, input, x.shape));
  const result = makeArray('float32', values.length) as Float32Array;
  for (let i = 0; i < values.length; i++) {
    const normalized = (values[i] - meanAt!(i)) / Math.sqrt(varianceAt!(i) + attrs.varianceEpsilon);
    result[i] = (scaleAt ? normalized * scaleAt(i) : normalized) + (offsetAt ? offsetAt(i) : 0);
  }
  return [backend.write(result, out.shape, 'float32')];
}

export interface LrnAttrs {
  depthRadius: number;
  bias: number;
  alpha: number;
  beta: number;
}

/** localResponseNormalization: x / (bias + alpha * the sum of x² over the channels within depthRadius) ^ beta, channels last. */
export function lrnKernel({ backend, inputs: [x], attrs: { depthRadius, bias, alpha, beta }, outputs: [out] }: KernelArgs<CpuBackend, LrnAttrs>): DataId[] {
  const values = backend.values(x);
  const channels = x.shape[x.shape.length - 1];
  const result = makeArray('float32', values.length) as Float32Array;
  for (let i = 0; i < values.length; i++) {
    const c = i % channels;
    let squares = 0;
    for (let k = Math.max(0, c - depthRadius); k <= Math.min(channels - 1, c + depthRadius); k++) squares += values[i - c + k] ** 2;
    result[i] = values[i] / (bias + alpha * squares) ** beta;
  }
  return [backend.write(result, out.shape, 'float32')];
}

// Neural-network ops other than convolution and pooling (those are in
// nn_conv.ts): fusedMatMul, softmax, logSoftmax, batchNorm, layerNorm,
// localResponseNormalization, dropout, resizeBilinear, resizeNearestNeighbor,
// and the `tw.fused` namespace.
import { sizeFromShape } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import { tensor } from '../core/convert.js';
import { matMulValues } from '../backends/cpu/linalg.js';
import {
  type Activation, type FusedAttrs, type LayerNormAttrs, type LrnAttrs, type ResizeAttrs, batchNormKernel, layerNormKernel, lrnKernel,
  resizeKernel, resizeTaps, softmaxKernel,
} from '../backends/cpu/nn.js';
import * as webgpuMatMul from '../backends/webgpu/kernels/matmul.js';
import * as webgpuNorm from '../backends/webgpu/kernels/norm.js';
import * as webgpuShape from '../backends/webgpu/kernels/shape.js';
import { add, addN, div, mul, pow, sub } from './binary.js';
import { randomUniform } from './creation.js';
import { broadcastShapes, normalizeAxes, sumToShape } from './helpers.js';
import { einsum, matMul, matMulDtype, matMulGrads, matMulShape } from './linalg.js';
import {
  FUSED_INPUTS, type FusedConv2dArgs, fusedAttrSpecs, fusedConv2d, fusedDepthwiseConv2d, fusedExtraInputs, fusedGrad, fusedKernel, fusedRule,
} from './nn_conv.js';
import { mean, moments, sum } from './reduction.js';
import { defineOp, spec } from './registry.js';
import { type TensorLike, addMethods, runOp } from './run.js';
import { pad, reshape, slice } from './shape.js';
import { exp, floor, neg, rsqrt, square } from './unary.js';

// ---- fusedMatMul ----

type FusedMatMulAttrs = { transposeA: boolean; transposeB: boolean } & FusedAttrs;

defineOp<FusedMatMulAttrs>({
  name: 'fusedMatMul',
  inputs: [{ name: 'a' }, { name: 'b' }, ...FUSED_INPUTS],
  attrs: { transposeA: { type: 'bool', default: false }, transposeB: { type: 'bool', default: false }, ...fusedAttrSpecs },
  inputDtype: 'float32',
  shape([a, b, ...extra], attrs) {
    matMulDtype(a, b);
    const out = matMulShape(a, b, attrs);
    fusedRule(out, extra, attrs);
    return [spec(out, 'float32')];
  },
  kernels: {
    cpu: fusedKernel<FusedMatMulAttrs>(({ backend, inputs: [a, b], attrs, outputs: [out] }) =>
      matMulValues(backend.values(a), a.shape, backend.values(b), b.shape, attrs, out.shape, 'float32') as Float32Array),
    webgpu: webgpuMatMul.fusedMatMulKernel,
  },
  grad: fusedGrad<FusedMatMulAttrs>(([a, b], { transposeA, transposeB }) => matMul(a, b, transposeA, transposeB),
    ([a, b], dPre, attrs, needsGrad) => matMulGrads(a, b, dPre, attrs, needsGrad)),
});

export interface FusedMatMulArgs {
  a: TensorLike;
  b: TensorLike;
  transposeA?: boolean;
  transposeB?: boolean;
  bias?: TensorLike;
  activation?: Activation;
  preluActivationWeights?: TensorLike;
  leakyreluAlpha?: number;
  /** tensorweb's: a tensor shaped like the output, added after the bias and before the activation (a residual connection). */
  addend?: TensorLike;
  /** tensorweb's: add the addend after the activation instead (x + relu(conv(x))). */
  addendAfterActivation?: boolean;
}

/** tw.fused.matMul({a, b, transposeA, transposeB, bias, activation, preluActivationWeights, leakyreluAlpha, addend}). */
export function fusedMatMul({ a, b, transposeA = false, transposeB = false, bias, activation = 'linear', preluActivationWeights,
  leakyreluAlpha = 0.2, addend, addendAfterActivation = false }: FusedMatMulArgs): Tensor {
  return runOp('fusedMatMul', [a, b, ...fusedExtraInputs(bias, preluActivationWeights, activation, addend)],
    { transposeA, transposeB, activation, leakyreluAlpha, addendAfterActivation });
}

/** TF.js's `tf.fused`: matMul, conv2d and depthwiseConv2d with bias and activation in one op. */
export const fused: {
  matMul: (args: FusedMatMulArgs) => Tensor;
  conv2d: (args: FusedConv2dArgs) => Tensor;
  depthwiseConv2d: (args: FusedConv2dArgs) => Tensor;
} = { matMul: fusedMatMul, conv2d: fusedConv2d, depthwiseConv2d: fusedDepthwiseConv2d };

// ---- softmax, logSoftmax: one kernel each (the max, the sum of exponentials and the result in one pass over a row) ----

for (const [name, attr] of [['softmax', 'dim'], ['logSoftmax', 'axis']] as const) {
  defineOp<Record<string, number>>({
    name,
    inputs: [{ name: 'logits' }],
    attrs: { [attr]: { type: 'int', default: -1 } },
    inputDtype: 'float32',
    shape([logits], attrs) {
      if (logits.shape.length === 0) throw new Error('input logits must have rank >= 1');
      normalizeAxes(attrs[attr], logits.shape.length, attr);
      return [spec(logits.shape, 'float32')];
    },
    kernels: { cpu: softmaxKernel(name === 'logSoftmax'), webgpu: webgpuNorm.softmaxKernel(name === 'logSoftmax') },
    // softmax: dy·y minus y times the row's sum of dy·y; logSoftmax: dy minus softmax times the row's sum of dy.
    grad: ([dy], { outputs: [y] }, attrs) => {
      const axis = attrs[attr];
      return name === 'softmax'
        ? [mul(y, sub(dy, sum(mul(dy, y), axis, true)))]
        : [sub(dy, mul(exp(y), sum(dy, axis, true)))];
    },
  });
}

/** tw.softmax(logits, dim = -1). */
export function softmax(logits: TensorLike, dim = -1): Tensor {
  return runOp('softmax', [logits], { dim }, { dtypes: ['float32'] });
}

/** tw.logSoftmax(logits, axis = -1). */
export function logSoftmax(logits: TensorLike, axis = -1): Tensor {
  return runOp('logSoftmax', [logits], { axis });
}

// ---- batchNorm, layerNorm, localResponseNormalization: one kernel each ----

defineOp<{ varianceEpsilon: number }>({
  name: 'batchNorm',
  inputs: [{ name: 'x' }, { name: 'mean' }, { name: 'variance' }, { name: 'offset', optional: true }, { name: 'scale', optional: true }],
  attrs: { varianceEpsilon: { type: 'number', default: 0.001 } },
  inputDtype: 'float32',
  shape(inputs) {
    const names = ['x', 'mean', 'variance', 'offset', 'scale'];
    inputs.slice(1).forEach((t, i) => {
      try {
        if (broadcastShapes(inputs[0].shape, t.shape).join() !== inputs[0].shape.join()) throw new Error();
      } catch {
        throw new Error(`input ${names[i + 1]} [${t.shape}] does not broadcast to x [${inputs[0].shape}]`);
      }
    });
    return [spec(inputs[0].shape, 'float32')];
  },
  kernels: { cpu: batchNormKernel, webgpu: webgpuNorm.batchNormGpu },
  // y = (x − mean)·inverse·scale + offset with inverse = (variance + ε)^(−1/2), whose derivative is −½·inverse³.
  grad: ([dy], { inputs }, { varianceEpsilon }) => {
    const [x, average, variance, offset, scale] = inputs;
    const inverse = rsqrt(add(variance, varianceEpsilon));
    const dx = mul(dy, scale ? mul(inverse, scale) : inverse);
    const dyCentered = mul(dy, sub(x, average));
    const dVariance = mul(dyCentered, mul(mul(square(inverse), inverse), scale ? mul(scale, -0.5) : -0.5));
    return [
      dx, sumToShape(neg(dx), average.shape), sumToShape(dVariance, variance.shape),
      offset && sumToShape(dy, offset.shape), scale && sumToShape(mul(dyCentered, inverse), scale.shape),
    ].slice(0, inputs.length);
  },
});

/** tw.batchNorm(x, mean, variance, offset?, scale?, varianceEpsilon = 0.001). */
export function batchNorm(x: TensorLike, mean: TensorLike, variance: TensorLike, offset?: TensorLike | null, scale?: TensorLike | null,
  varianceEpsilon = 0.001): Tensor {
  const optional = scale != null ? [offset ?? 0, scale] : offset != null ? [offset] : [];
  return runOp('batchNorm', [x, mean, variance, ...optional], { varianceEpsilon });
}

defineOp<LayerNormAttrs>({
  name: 'layerNorm',
  inputs: [{ name: 'x' }, { name: 'gamma', optional: true }, { name: 'beta', optional: true }],
  attrs: { axis: { type: 'intOrInts', default: [-1], doc: 'the axes normalized over' }, epsilon: { type: 'number', default: 0.001 } },
  inputDtype: 'float32',
  shape([x, ...affine], { axis }) {
    normalizeAxes(axis, x.shape.length);
    affine.forEach((t, i) => {
      const lead = x.shape.length - t.shape.length;
      if (lead < 0 || t.shape.some((n, d) => n !== 1 && n !== x.shape[d + lead])) {
        throw new Error(`input ${i === 0 ? 'gamma' : 'beta'} [${t.shape}] does not broadcast to x [${x.shape}]`);
      }
    });
    return [spec(x.shape, 'float32')];
  },
  kernels: { cpu: layerNormKernel, webgpu: webgpuNorm.layerNormGpu },
  // With n̂ = (x − mean)·inverse and g = dy·gamma: dx = inverse·(g − mean(g) − n̂·mean(g·n̂)) over the axes.
  grad: ([dy], { inputs }, { axis, epsilon }) => {
    const [x, gamma, beta] = inputs;
    const stats = moments(x, axis, true);
    const inverse = rsqrt(add(stats.variance, epsilon));
    const normalized = mul(sub(x, stats.mean), inverse);
    const g = gamma ? mul(dy, gamma) : dy;
    const dx = mul(inverse, sub(sub(g, mean(g, axis, true)), mul(normalized, mean(mul(g, normalized), axis, true))));
    return [dx, gamma && sumToShape(mul(dy, normalized), gamma.shape), beta && sumToShape(dy, beta.shape)].slice(0, inputs.length);
  },
});

/**
 * Not in TF.js (Keras's LayerNormalization as an op): normalizes x over `axis`
 * to zero mean and unit variance, then scales by gamma and shifts by beta
 * (both optional, broadcast against x):
 * `tw.layerNorm(x, gamma?, beta?, {axis = -1, epsilon = 1e-3})`.
 */
export function layerNorm(x: TensorLike, gamma?: TensorLike | null, beta?: TensorLike | null,
  { axis = -1, epsilon = 0.001 }: { axis?: number | number[]; epsilon?: number } = {}): Tensor {
  const optional = beta != null ? [gamma ?? 1, beta] : gamma != null ? [gamma] : [];
  return runOp('layerNorm', [x, ...optional], { axis, epsilon });
}

/** The sum of t over the 2r + 1 channels (last dim) around each one: shifted slices of t zero-padded by r. */
function channelWindowSum(t: Tensor, r: number): Tensor {
  const last = t.rank - 1;
  const channels = t.shape[last];
  const padded = pad(t, t.shape.map((_, d) => (d === last ? [r, r] : [0, 0])));
  const windows = Array.from({ length: 2 * r + 1 }, (_, k) =>
    slice(padded, t.shape.map((_, d) => (d === last ? k : 0)), t.shape.map((n, d) => (d === last ? channels : n))));
  return windows.length === 1 ? windows[0] : addN(windows);
}

defineOp<LrnAttrs>({
  name: 'localResponseNormalization',
  inputs: [{ name: 'x' }],
  attrs: {
    depthRadius: { type: 'int', default: 5 }, bias: { type: 'number', default: 1 },
    alpha: { type: 'number', default: 1 }, beta: { type: 'number', default: 0.5 },
  },
  inputDtype: 'float32',
  shape([x], { depthRadius }) {
    if (x.shape.length !== 4 && x.shape.length !== 3) throw new Error(`input x must have rank 4 (or 3), got ${x.shape.length}`);
    if (depthRadius < 0) throw new Error(`attribute depthRadius ${depthRadius} must be non-negative`);
    return [spec(x.shape, 'float32')];
  },
  kernels: { cpu: lrnKernel, webgpu: webgpuNorm.lrnGpu },
  // y = x·s^(−β) with s = bias + α·Σ x² over the window; a channel's window holds c exactly when c's window
  // holds it, so dx = dy·s^(−β) − 2αβ·x·Σ over the window of dy·y/s.
  grad: ([dy], { inputs: [x], outputs: [y] }, { depthRadius: r, bias, alpha, beta }) => {
    const s = add(mul(channelWindowSum(square(x), r), alpha), bias);
    return [sub(mul(dy, pow(s, -beta)), mul(mul(x, 2 * alpha * beta), channelWindowSum(div(mul(dy, y), s), r)))];
  },
});

/** tw.localResponseNormalization(x, depthRadius = 5, bias = 1, alpha = 1, beta = 0.5), over the last (channel) dim. */
export function localResponseNormalization(x: TensorLike, depthRadius = 5, bias = 1, alpha = 1, beta = 0.5): Tensor {
  return runOp('localResponseNormalization', [x], { depthRadius, bias, alpha, beta });
}

// ---- dropout ----

interface DropoutAttrs {
  rate: number;
  noiseShape: number[] | null;
  seed: number | string | null;
}

/** The noise shape: x's shape where noiseShape is absent (or has -1). */
const noiseShapeOf = (shape: readonly number[], noiseShape: number[] | null) =>
  (noiseShape ?? [...shape]).map((n, d) => (n === -1 ? shape[d] : n));

defineOp<DropoutAttrs>({
  name: 'dropout',
  inputs: [{ name: 'x' }],
  attrs: {
    rate: { type: 'number' }, noiseShape: { type: 'ints', nullable: true },
    seed: { type: 'numberOrString', nullable: true, doc: 'null: a fresh mask each call' },
  },
  inputDtype: 'float32',
  shape([x], { rate, noiseShape }) {
    if (!(rate >= 0 && rate < 1)) throw new Error(`attribute rate ${rate} must be in [0, 1)`);
    const noise = noiseShapeOf(x.shape, noiseShape);
    try {
      if (broadcastShapes(x.shape, noise).join() !== x.shape.join()) throw new Error();
    } catch {
      throw new Error(`attribute noiseShape [${noise}] does not broadcast to x [${x.shape}]`);
    }
    return [spec(x.shape, 'float32')];
  },
  // As TF.js: keep where uniform + (1 - rate) >= 1, scale the kept values by 1 / (1 - rate).
  decompose([x], { rate, noiseShape, seed }) {
    const keep = 1 - rate;
    const noise = randomUniform(noiseShapeOf(x.shape, noiseShape), 0, 1, 'float32', seed ?? undefined);
    return [mul(x, div(floor(add(noise, keep)), keep))];
  },
});

/** tw.dropout(x, rate, noiseShape?, seed?): zeroes elements with probability `rate` and scales the rest by 1 / (1 - rate). */
export function dropout(x: TensorLike, rate: number, noiseShape?: readonly number[], seed?: number | string): Tensor {
  // TF.js refuses an int32 or bool x in its own words (it is scaled), not convertToTensor's.
  if (x instanceof Tensor && x.dtype !== 'float32' && x.dtype !== 'float16') {
    throw new Error(`x has to be a floating point tensor since it's going to be scaled, but got a ${x.dtype} tensor instead.`);
  }
  return runOp('dropout', [x], { rate, noiseShape: noiseShape ? [...noiseShape] : null, seed: seed ?? null });
}

// ---- resizeBilinear, resizeNearestNeighbor ----

/**
 * The resize as a matrix along one axis: M[o, i] is the weight of input i in
 * output o. The gradient applies the transposes of both axes' matrices.
 */
function resizeMatrix(inSize: number, outSize: number, attrs: ResizeAttrs, mode: 'bilinear' | 'nearest'): Tensor {
  const { source, weight, taps } = resizeTaps(inSize, outSize, attrs, mode);
  const matrix = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    for (let t = 0; t < taps; t++) matrix[o * inSize + source[o * taps + t]] += weight[o * taps + t];
  }
  return tensor(matrix, [outSize, inSize], 'float32');
}

for (const [name, mode] of [['resizeBilinear', 'bilinear'], ['resizeNearestNeighbor', 'nearest']] as const) {
  defineOp<ResizeAttrs>({
    name,
    inputs: [{ name: 'images' }],
    attrs: {
      size: { type: 'ints', doc: '[newHeight, newWidth]' },
      alignCorners: { type: 'bool', default: false }, halfPixelCenters: { type: 'bool', default: false },
    },
    inputDtype: mode === 'bilinear' ? 'float32' : undefined,
    shape([images], { size, alignCorners, halfPixelCenters }) {
      if (images.shape.length !== 4 && images.shape.length !== 3) throw new Error(`input images must have rank 4 (or 3), got ${images.shape.length}`);
      if (images.dtype === 'bool') throw new Error('input images must be float32 or int32');
      if (size.length !== 2 || size.some((s) => s < 1)) throw new Error(`attribute size [${size}] must be two positive ints`);
      if (alignCorners && halfPixelCenters) throw new Error('attributes alignCorners and halfPixelCenters cannot both be true');
      if (sizeFromShape(images.shape.slice(-3, -1)) === 0) throw new Error(`input images [${images.shape}] has no pixels to resize`);
      return [spec([...images.shape.slice(0, -3), size[0], size[1], images.shape[images.shape.length - 1]], images.dtype)];
    },
    kernels: { cpu: resizeKernel(mode), webgpu: webgpuShape.resizeKernel(mode === 'bilinear') },
    grad: ([dy], { inputs: [images] }, attrs) => {
      const [inH, inW] = images.shape.slice(-3, -1);
      const rows = resizeMatrix(inH, attrs.size[0], attrs, mode);
      const cols = resizeMatrix(inW, attrs.size[1], attrs, mode);
      const batched = images.rank === 4 ? dy : reshape(dy, [1, ...dy.shape]);
      const back = einsum('jw,nhjc->nhwc', cols, einsum('ih,nijc->nhjc', rows, batched));
      return [reshape(back, images.shape)];
    },
  });
}

/** tw.resizeBilinear(images, size, alignCorners = false, halfPixelCenters = false). */
export function resizeBilinear(images: TensorLike, size: readonly number[], alignCorners = false, halfPixelCenters = false): Tensor {
  return runOp('resizeBilinear', [images], { size: [...size], alignCorners, halfPixelCenters });
}

/** tw.resizeNearestNeighbor(images, size, alignCorners = false, halfPixelCenters = false). */
export function resizeNearestNeighbor(images: TensorLike, size: readonly number[], alignCorners = false, halfPixelCenters = false): Tensor {
  return runOp('resizeNearestNeighbor', [images], { size: [...size], alignCorners, halfPixelCenters });
}

addMethods({ softmax, logSoftmax, batchNorm, localResponseNormalization, resizeBilinear, resizeNearestNeighbor });
declare module '../core/tensor.js' {
  interface Tensor {
    softmax(dim?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    batchNorm(mean: TensorLike, variance: TensorLike, offset?: TensorLike, scale?: TensorLike, varianceEpsilon?: number): Tensor;
    localResponseNormalization(depthRadius?: number, bias?: number, alpha?: number, beta?: number): Tensor;
    resizeBilinear(size: readonly number[], alignCorners?: boolean, halfPixelCenters?: boolean): Tensor;
    resizeNearestNeighbor(size: readonly number[], alignCorners?: boolean, halfPixelCenters?: boolean): Tensor;
  }
}

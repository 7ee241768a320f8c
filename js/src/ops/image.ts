// `tw.image`, as TF.js's `tf.image`: the resizes (registry ops in nn.ts);
// cropAndResize, transform and rotateWithOffset (registry ops with kernels
// of their own); colour conversions, flipLeftRight and threshold composed
// of other ops (TF.js composes the colour conversions and threshold too);
// and the non-max-suppression family.
//
// NMS keeps a data-dependent number of boxes, so it reads boxes and scores
// back and selects on the CPU (core/nms.ts), as TF.js does on every backend:
// the sync forms through dataSync(), the async forms through data(). The
// results are small int32/float32 tensors made on the active backend.
import type { Tensor } from '../core/tensor.js';
import { tensor, toTensor } from '../core/convert.js';
import { tidy } from '../core/globals.js';
import { type NmsResult, nonMaxSuppression as nmsCore } from '../core/nms.js';
import { add, div, greater, lessEqual, mul, sub, where } from './binary.js';
import { oneHot, range, scalar } from './creation.js';
import { matMul } from './linalg.js';
import { resizeBilinear, resizeNearestNeighbor } from './nn.js';
import { argMax, cumsum, max, sum } from './reduction.js';
import { type TensorLike, runOp } from './run.js';
import { runHostOpOn } from './host.js';
import { defineOp, spec } from './registry.js';
import {
  type CropAndResizeAttrs, type FillMode, type RotateAttrs, type TransformAttrs, cropAndResizeKernel, rotateKernel, transformKernel,
} from '../backends/cpu/image.js';
import * as webgpuImage from '../backends/webgpu/kernels/image.js';
import { reshape, reverse, slice, split, tile } from './shape.js';
import { cast, isNaN, round } from './unary.js';

/**
 * The tensor behind argument `name` of `op`; `owned` when made here (the
 * caller disposes it). With `dtype`, TensorLikes are made in it and a tensor
 * of another dtype is refused, as TF.js's convertToTensor does.
 */
function asTensor(x: TensorLike, name: string, op: string, dtype?: 'float32'): { t: Tensor; owned: boolean } {
  const { tensor: t, created } = toTensor(x, name, op, dtype);
  return { t, owned: created };
}

/** tw.image.flipLeftRight(image): mirrors [batch, height, width, channels] images along the width. */
export function flipLeftRight(image: TensorLike): Tensor {
  return tidy(() => {
    const { t } = asTensor(image, 'image', 'flipLeftRight', 'float32');
    if (t.rank !== 4) throw new Error(`tw.image.flipLeftRight: image must be rank 4, but got rank ${t.rank}.`);
    return reverse(t, 2);
  });
}

/** tw.image.grayscaleToRGB(image): repeats the last dim (size 1) three times. */
export function grayscaleToRGB(image: TensorLike): Tensor {
  return tidy(() => {
    const { t } = asTensor(image, 'image', 'grayscaleToRGB');
    if (t.rank < 2) throw new Error(`tw.image.grayscaleToRGB: images must be at least rank 2, but got rank ${t.rank}.`);
    const last = t.shape[t.rank - 1];
    if (last !== 1) throw new Error(`tw.image.grayscaleToRGB: last dimension of a grayscale image should be size 1, but got size ${last}.`);
    return tile(t, [...new Array(t.rank - 1).fill(1), 3]);
  });
}

// Luma weights of CCIR 601, TF.js's.
const LUMA = [0.2989, 0.587, 0.114];

/** tw.image.rgbToGrayscale(image): the luma of the last dim (size 3), kept as a dim of 1, in the image's dtype. */
export function rgbToGrayscale(image: TensorLike): Tensor {
  return tidy(() => {
    const { t } = asTensor(image, 'image', 'rgbToGrayscale');
    if (t.rank < 2) throw new Error(`tw.image.rgbToGrayscale: images must be at least rank 2, but got rank ${t.rank}.`);
    const last = t.shape[t.rank - 1];
    if (last !== 3) throw new Error(`tw.image.rgbToGrayscale: last dimension of an RGB image should be size 3, but got size ${last}.`);
    const gray = matMul(reshape(cast(t, 'float32'), [-1, 3]), tensor(LUMA, [3, 1], 'float32'));
    return cast(reshape(gray, [...t.shape.slice(0, -1), 1]), t.dtype);
  });
}

/**
 * Otsu's threshold of a [256] histogram: the first bin index t maximising
 * the between-class variance of bins [0, t] and (t, 255] (TF.js's loop keeps
 * the first strict maximum above 0, else -1), as a [1] tensor.
 */
function otsu(histogram: Tensor, total: number): Tensor {
  const bins = range(0, 256, 1, 'float32');
  const countFirst = cumsum(histogram);
  const weightedFirst = cumsum(mul(histogram, bins));
  const countAll = sum(histogram);
  const meanFirst = div(weightedFirst, countFirst);
  const meanSecond = div(sub(sum(mul(histogram, bins)), weightedFirst), sub(countAll, countFirst));
  const gap = sub(meanFirst, meanSecond);
  const variance = mul(mul(div(countFirst, total), div(sub(countAll, countFirst), total)), mul(gap, gap));
  // The last bin leaves the second class empty, and TF.js's loop stops before it.
  const candidates = slice(where(isNaN(variance), scalar(0), variance), [0], [255]);
  return reshape(where(greater(max(candidates), 0), cast(argMax(candidates), 'float32'), scalar(-1)), [1]);
}

/**
 * tw.image.threshold(image, method = 'binary', inverted = false, threshValue = 0.5):
 * 255 where the luma of a [height, width, 3 or 1] image is above the
 * threshold (at or below it when inverted), else 0, as int32. 'otsu' picks
 * the threshold from the image's 256-bin histogram.
 */
export function threshold(image: TensorLike, method: 'binary' | 'otsu' = 'binary', inverted = false, threshValue = 0.5): Tensor {
  return tidy(() => {
    const { t } = asTensor(image, 'image', 'threshold');
    if (t.rank !== 3) throw new Error(`tw.image.threshold: image must be rank 3, but got rank ${t.rank}.`);
    if (t.shape[2] !== 3 && t.shape[2] !== 1) throw new Error(`tw.image.threshold: image color channel must be equal to 3 or 1, but got ${t.shape[2]}.`);
    if (t.dtype !== 'int32' && t.dtype !== 'float32') throw new Error(`tw.image.threshold: image dtype must be int32 or float32, but got dtype ${t.dtype}.`);
    if (method !== 'binary' && method !== 'otsu') throw new Error(`tw.image.threshold: method must be binary or otsu, but was ${method}`);
    let gray: Tensor = t;
    if (t.shape[2] === 3) {
      const [r, g, b] = split(t, [1, 1, 1], -1);
      gray = add(add(mul(r, LUMA[0]), mul(g, LUMA[1])), mul(b, LUMA[2]));
    }
    let level = tensor([threshValue * 255], [1], 'float32');
    if (method === 'otsu') {
      const histogram = sum(oneHot(reshape(cast(round(gray), 'int32'), [-1]), 256, 1, 0, 'float32'), 0);
      level = otsu(histogram, t.shape[0] * t.shape[1]);
    }
    const on = inverted ? lessEqual(gray, level) : greater(gray, level);
    return cast(mul(on, 255), 'int32');
  });
}

// ---- cropAndResize: a kernel op ----

defineOp<CropAndResizeAttrs>({
  name: 'cropAndResize',
  inputs: [{ name: 'image' }, { name: 'boxes' }, { name: 'boxInd' }],
  attrs: {
    cropSize: { type: 'ints', doc: '[cropHeight, cropWidth]' },
    method: { type: 'string', default: 'bilinear', oneOf: ['bilinear', 'nearest'] },
    extrapolationValue: { type: 'number', default: 0 },
  },
  shape([image, boxes, boxInd], { cropSize }) {
    if (image.shape.length !== 4) throw new Error(`input image must be rank 4, but got rank ${image.shape.length}`);
    if (image.dtype !== 'float32' && image.dtype !== 'int32') throw new Error(`input image must be float32 or int32, got ${image.dtype}`);
    const numBoxes = boxes.shape[0];
    if (boxes.shape.length !== 2 || boxes.shape[1] !== 4) throw new Error(`input boxes must have shape [numBoxes, 4], got [${boxes.shape}]`);
    if (boxes.dtype !== 'float32') throw new Error(`input boxes must be float32, got ${boxes.dtype}`);
    if (boxInd.shape.length !== 1 || boxInd.shape[0] !== numBoxes) throw new Error(`input boxInd must have shape [${numBoxes}], got [${boxInd.shape}]`);
    if (boxInd.dtype !== 'int32') throw new Error(`input boxInd must be int32, got ${boxInd.dtype}`);
    if (cropSize.length !== 2 || !(cropSize[0] >= 1 && cropSize[1] >= 1)) throw new Error(`attribute cropSize [${cropSize}] must be two ints >= 1`);
    return [spec([numBoxes, cropSize[0], cropSize[1], image.shape[3]], 'float32')];
  },
  kernels: { cpu: cropAndResizeKernel, webgpu: webgpuImage.cropAndResizeKernel },
  // TF.js has no gradient for it either.
  grad: 'not-differentiable',
});

/**
 * tw.image.cropAndResize(image, boxes, boxInd, cropSize, method = 'bilinear', extrapolationValue = 0):
 * [numBoxes, cropH, cropW, channels] float32 crops of [batch, h, w, channels] images, box b ([y1, x1, y2, x2]
 * as fractions of the image, flipped when y1 > y2 or x1 > x2) taken from image boxInd[b].
 */
export function cropAndResize(image: TensorLike, boxes: TensorLike, boxInd: TensorLike, cropSize: readonly number[],
  method: 'bilinear' | 'nearest' = 'bilinear', extrapolationValue = 0): Tensor {
  return runOp('cropAndResize', [image, boxes, boxInd], { cropSize: [...cropSize], method, extrapolationValue },
    { dtypes: [undefined, 'float32', 'int32'] });
}

// ---- transform: a kernel op ----

defineOp<TransformAttrs>({
  name: 'transform',
  inputs: [{ name: 'image' }, { name: 'transforms' }],
  attrs: {
    interpolation: { type: 'string', default: 'nearest', oneOf: ['nearest', 'bilinear'] },
    fillMode: { type: 'string', default: 'constant', oneOf: ['constant', 'reflect', 'wrap', 'nearest'] },
    fillValue: { type: 'number', default: 0 },
    outputShape: { type: 'ints', nullable: true, doc: '[height, width]; null: the image\'s' },
  },
  shape([image, transforms], { outputShape }) {
    if (image.shape.length !== 4) throw new Error(`input image must be rank 4, but got rank ${image.shape.length}`);
    if (image.dtype !== 'float32') throw new Error(`input image must be float32, got ${image.dtype}`);
    if (transforms.dtype !== 'float32') throw new Error(`input transforms must be float32, got ${transforms.dtype}`);
    if (transforms.shape.length !== 2 || transforms.shape[1] !== 8 || (transforms.shape[0] !== 1 && transforms.shape[0] !== image.shape[0])) {
      throw new Error(`input transforms [${transforms.shape}] must be [${image.shape[0]}, 8] or [1, 8]`);
    }
    if (outputShape && (outputShape.length !== 2 || outputShape.some((d) => d < 0))) throw new Error(`attribute outputShape [${outputShape}] must be [height, width]`);
    const [h, w] = outputShape ?? image.shape.slice(1, 3);
    return [spec([image.shape[0], h, w, image.shape[3]], 'float32')];
  },
  kernels: { cpu: transformKernel, webgpu: webgpuImage.transformKernel },
  // TF.js has no gradient for it either.
  grad: 'not-differentiable',
});

/**
 * tw.image.transform(image, transforms, interpolation = 'nearest', fillMode = 'constant', fillValue = 0, outputShape?):
 * [batch, h, w, c] float32 images resampled through projective transforms ([batch or 1, 8], each mapping an
 * output pixel to the input, as TF's ImageProjectiveTransformV3).
 */
export function transform(image: TensorLike, transforms: TensorLike, interpolation: 'nearest' | 'bilinear' = 'nearest',
  fillMode: FillMode = 'constant', fillValue = 0, outputShape?: readonly number[]): Tensor {
  const a = asTensor(image, 'image', 'transform', 'float32');
  try {
    const t = asTensor(transforms, 'transforms', 'transform', 'float32');
    try {
      return runOp('transform', [a.t, t.t], { interpolation, fillMode, fillValue, outputShape: outputShape ? [...outputShape] : null });
    } finally {
      if (t.owned) t.t.dispose();
    }
  } finally {
    if (a.owned) a.t.dispose();
  }
}

// ---- rotateWithOffset: a kernel op ----

defineOp<RotateAttrs>({
  name: 'rotateWithOffset',
  inputs: [{ name: 'image' }],
  attrs: {
    radians: { type: 'number' },
    fillValue: { type: 'numbers', default: [0], doc: '[v] for every channel, or [r, g, b] (255 from channel 3 on)' },
    center: { type: 'numbers', default: [0.5, 0.5], doc: '[x, y] as fractions of the width and height' },
  },
  shape([image], { fillValue, center }) {
    if (image.shape.length !== 4) throw new Error(`input image must be rank 4, but got rank ${image.shape.length}`);
    if (image.dtype !== 'float32') throw new Error(`input image must be float32, got ${image.dtype}`);
    if (fillValue.length !== 1 && fillValue.length !== 3) throw new Error(`attribute fillValue [${fillValue}] must be one value or [r, g, b]`);
    if (center.length !== 2) throw new Error(`attribute center [${center}] must be [x, y]`);
    return [spec(image.shape, 'float32')];
  },
  kernels: { cpu: rotateKernel, webgpu: webgpuImage.rotateKernel },
  // TF.js has no gradient for it either.
  grad: 'not-differentiable',
});

/**
 * tw.image.rotateWithOffset(image, radians, fillValue = 0, center = 0.5): [batch, h, w, c] float32 images
 * rotated by `radians` about `center` (a fraction of the size, or [x, y] fractions), nearest pixel; uncovered
 * pixels take fillValue (a number, or [r, g, b] with 255 for channel 3).
 */
export function rotateWithOffset(image: TensorLike, radians: number, fillValue: number | readonly number[] = 0,
  center: number | readonly number[] = 0.5): Tensor {
  const a = asTensor(image, 'image', 'rotateWithOffset', 'float32');
  try {
    return runOp('rotateWithOffset', [a.t], {
      radians, fillValue: typeof fillValue === 'number' ? [fillValue] : [...fillValue],
      center: typeof center === 'number' ? [center, center] : [...center],
    });
  } finally {
    if (a.owned) a.t.dispose();
  }
}

// ---- non-max suppression ----

interface NmsArgs {
  boxes: Tensor;
  scores: Tensor;
  maxOutputSize: number;
  iouThreshold: number;
  scoreThreshold: number;
  softNmsSigma: number;
  owned: Tensor[];
}

/** TF.js's argument checks; maxOutputSize is capped at the box count. */
function nmsArgs(op: string, boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold = 0.5,
  scoreThreshold = Number.NEGATIVE_INFINITY, softNmsSigma = 0): NmsArgs {
  // TF.js names the sync ops' arguments after nonMaxSuppression, the async ones after nonMaxSuppressionAsync.
  const argOp = op.endsWith('Async') ? 'nonMaxSuppressionAsync' : 'nonMaxSuppression';
  const b = asTensor(boxes, 'boxes', argOp, 'float32');
  let s: { t: Tensor; owned: boolean };
  try {
    s = asTensor(scores, 'scores', argOp, 'float32');
  } catch (e) {
    if (b.owned) b.t.dispose();
    throw e;
  }
  const owned = [b, s].filter((a) => a.owned).map((a) => a.t);
  try {
    const fail = (message: string) => { throw new Error(`tw.image.${op}: ${message}`); };
    if (!(iouThreshold >= 0 && iouThreshold <= 1)) fail(`iouThreshold must be in [0, 1], but was '${iouThreshold}'`);
    if (b.t.rank !== 2) fail(`boxes must be a 2D tensor, but was of rank '${b.t.rank}'`);
    if (b.t.shape[1] !== 4) fail(`boxes must have 4 columns, but 2nd dimension was ${b.t.shape[1]}`);
    if (s.t.rank !== 1) fail('scores must be a 1D tensor');
    const numBoxes = b.t.shape[0];
    if (s.t.shape[0] !== numBoxes) fail(`scores has incompatible shape with boxes. Expected ${numBoxes}, but was ${s.t.shape[0]}`);
    if (!(softNmsSigma >= 0 && softNmsSigma <= 1)) fail(`softNmsSigma must be in [0, 1], but was '${softNmsSigma}'`);
    if (!Number.isInteger(maxOutputSize) || maxOutputSize < 0) fail(`maxOutputSize must be a non-negative int, got ${maxOutputSize}`);
    return { boxes: b.t, scores: s.t, maxOutputSize: Math.min(maxOutputSize, numBoxes), iouThreshold, scoreThreshold, softNmsSigma, owned };
  } catch (e) {
    owned.forEach((t) => t.dispose());
    throw e;
  }
}

function select(args: NmsArgs, boxes: ArrayLike<number>, scores: ArrayLike<number>, padToMaxOutputSize = false): NmsResult {
  args.owned.forEach((t) => t.dispose());
  return nmsCore(boxes, scores, { ...args, padToMaxOutputSize });
}

function readSync(args: NmsArgs): [ArrayLike<number>, ArrayLike<number>] {
  try {
    return [args.boxes.dataSync() as ArrayLike<number>, args.scores.dataSync() as ArrayLike<number>];
  } catch (e) {
    args.owned.forEach((t) => t.dispose());
    throw e;
  }
}

async function readAsync(args: NmsArgs): Promise<[ArrayLike<number>, ArrayLike<number>]> {
  try {
    return await Promise.all([args.boxes.data(), args.scores.data()]) as [ArrayLike<number>, ArrayLike<number>];
  } catch (e) {
    args.owned.forEach((t) => t.dispose());
    throw e;
  }
}

/**
 * tw.image.nonMaxSuppressionV5Async(boxes, scores, maxOutputSize, iouThreshold = 0.5, scoreThreshold = -Infinity,
 * softNmsSigma = 0, padToMaxOutputSize = false): TensorFlow's NonMaxSuppressionV3-V5 graph op as a converted graph
 * runs it (the host op nonMaxSuppression: counts and thresholds are float32 tensors, as in TensorFlow), giving
 * {selectedIndices, selectedScores, validOutputs}. The TF.js functions above compare with JS numbers instead.
 */
export async function nonMaxSuppressionV5Async(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold = 0.5,
  scoreThreshold = Number.NEGATIVE_INFINITY, softNmsSigma = 0, padToMaxOutputSize = false):
  Promise<{ selectedIndices: Tensor; selectedScores: Tensor; validOutputs: Tensor }> {
  const [selectedIndices, selectedScores, validOutputs] = await runHostOpOn('nonMaxSuppression', [['boxes', boxes, 'float32'],
    ['scores', scores, 'float32'], ['maxOutputSize', maxOutputSize, 'int32'], ['iouThreshold', iouThreshold, 'float32'],
    ['scoreThreshold', scoreThreshold, 'float32'], ['softNmsSigma', softNmsSigma, 'float32']], { padToMaxOutputSize });
  return { selectedIndices, selectedScores, validOutputs };
}

/** tw.image.nonMaxSuppressionPerClassAsync(boxes, scores, maxOutputBoxesPerClass, iouThreshold = 0, scoreThreshold = -Infinity,
 * centerPointBox = false): ONNX's NonMaxSuppression, rows (batch, class, box index) of the boxes kept per batch and class. */
export async function nonMaxSuppressionPerClassAsync(boxes: TensorLike, scores: TensorLike, maxOutputBoxesPerClass: number,
  iouThreshold = 0, scoreThreshold = Number.NEGATIVE_INFINITY, centerPointBox = false): Promise<Tensor> {
  return (await runHostOpOn('nonMaxSuppressionPerClass', [['boxes', boxes, 'float32'], ['scores', scores, 'float32'],
    ['maxOutputBoxesPerClass', maxOutputBoxesPerClass, 'int32'], ['iouThreshold', iouThreshold, 'float32'],
    ['scoreThreshold', scoreThreshold, 'float32']], { centerPointBox }))[0];
}

const indicesOf = (r: NmsResult) => tensor(r.selectedIndices, [r.selectedIndices.length], 'int32');
const scoresOf = (r: NmsResult) => tensor(r.selectedScores, [r.selectedScores.length], 'float32');

/**
 * tw.image.nonMaxSuppression(boxes, scores, maxOutputSize, iouThreshold = 0.5, scoreThreshold = -Infinity):
 * indices (int32) of at most maxOutputSize boxes ([n, 4] as [y1, x1, y2, x2]), best score first, none
 * overlapping a better one by iouThreshold or more. Reads boxes and scores back (dataSync).
 */
export function nonMaxSuppression(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold?: number, scoreThreshold?: number): Tensor {
  const args = nmsArgs('nonMaxSuppression', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold);
  return indicesOf(select(args, ...readSync(args)));
}

/** tw.image.nonMaxSuppressionAsync: nonMaxSuppression reading back with data(). */
export async function nonMaxSuppressionAsync(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold?: number,
  scoreThreshold?: number): Promise<Tensor> {
  const args = nmsArgs('nonMaxSuppressionAsync', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold);
  return indicesOf(select(args, ...await readAsync(args)));
}

/**
 * tw.image.nonMaxSuppressionWithScore(boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, softNmsSigma = 0):
 * {selectedIndices, selectedScores}; softNmsSigma > 0 is soft-NMS (overlapping boxes' scores decay).
 */
export function nonMaxSuppressionWithScore(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold?: number,
  scoreThreshold?: number, softNmsSigma?: number): { selectedIndices: Tensor; selectedScores: Tensor } {
  const args = nmsArgs('nonMaxSuppressionWithScore', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, softNmsSigma);
  const r = select(args, ...readSync(args));
  return { selectedIndices: indicesOf(r), selectedScores: scoresOf(r) };
}

/** tw.image.nonMaxSuppressionWithScoreAsync: nonMaxSuppressionWithScore reading back with data(). */
export async function nonMaxSuppressionWithScoreAsync(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold?: number,
  scoreThreshold?: number, softNmsSigma?: number): Promise<{ selectedIndices: Tensor; selectedScores: Tensor }> {
  const args = nmsArgs('nonMaxSuppressionWithScoreAsync', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, softNmsSigma);
  const r = select(args, ...await readAsync(args));
  return { selectedIndices: indicesOf(r), selectedScores: scoresOf(r) };
}

/**
 * tw.image.nonMaxSuppressionPadded(boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, padToMaxOutputSize = false):
 * {selectedIndices, validOutputs (int32 scalar)}; padded with index 0 up to maxOutputSize when asked.
 */
export function nonMaxSuppressionPadded(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold?: number,
  scoreThreshold?: number, padToMaxOutputSize = false): { selectedIndices: Tensor; validOutputs: Tensor } {
  const args = nmsArgs('nonMaxSuppressionPadded', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold);
  const r = select(args, ...readSync(args), padToMaxOutputSize);
  return { selectedIndices: indicesOf(r), validOutputs: scalar(r.validOutputs, 'int32') };
}

/** tw.image.nonMaxSuppressionPaddedAsync: nonMaxSuppressionPadded reading back with data(). */
export async function nonMaxSuppressionPaddedAsync(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold?: number,
  scoreThreshold?: number, padToMaxOutputSize = false): Promise<{ selectedIndices: Tensor; validOutputs: Tensor }> {
  const args = nmsArgs('nonMaxSuppressionPaddedAsync', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold);
  const r = select(args, ...await readAsync(args), padToMaxOutputSize);
  return { selectedIndices: indicesOf(r), validOutputs: scalar(r.validOutputs, 'int32') };
}

/** TF.js's `tf.image`. */
export const image = {
  resizeBilinear, resizeNearestNeighbor, flipLeftRight, grayscaleToRGB, rgbToGrayscale, threshold, cropAndResize, transform, rotateWithOffset,
  nonMaxSuppression, nonMaxSuppressionAsync, nonMaxSuppressionWithScore, nonMaxSuppressionWithScoreAsync, nonMaxSuppressionV5Async, nonMaxSuppressionPerClassAsync,
  nonMaxSuppressionPadded, nonMaxSuppressionPaddedAsync,
};

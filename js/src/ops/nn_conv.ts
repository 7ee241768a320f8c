// Convolutions and pools (channels-last: NWC, NHWC, NDHWC; the public
// conv2d and fused.conv2d also take NCHW, run as the NHWC op between
// transposes). One geometry
// helper turns the TF.js attributes (strides, pad, dilations,
// dimRoundingMode) into output sizes and padding for every op here; the CPU
// kernels (backends/cpu/nn_conv.ts) all walk that geometry.
//
// Kernel ops come in families of three: the forward op, its input gradient
// (conv2dTranspose, conv3dTranspose, depthwiseConv2dBackpropInput) and its
// filter gradient (...BackpropFilter); each one's gradient is written with the
// other two. Pools have a gradient op each (maxPoolGrad, avgPoolGrad, ...).
import type { TensorSpec } from '../core/backend.js';
import type { Tensor } from '../core/tensor.js';
import type { CpuBackend } from '../backends/cpu/backend.js';
import {
  type ConvGeometry, type GeometryOf, avgPoolGradKernel, avgPoolKernel, convBackpropFilterValues, convBackpropInputValues,
  convFamilyKernel, convValues, maxPoolGradKernel, maxPoolKernel,
} from '../backends/cpu/nn_conv.js';
import { type Activation, type FusedAttrs, ACTIVATIONS, applyEpilogue, fusedExtras } from '../backends/cpu/nn.js';
import * as webgpu from '../backends/webgpu/kernels/conv.js';
import type { WebGpuKernel } from '../backends/webgpu/kernels/common.js';
import { add, floorDiv, greater, less, logicalAnd, mod, mul, sub, where } from './binary.js';
import { oneHot, range, scalar, zerosLike } from './creation.js';
import { cast, unaryDerivative } from './unary.js';
import { argMax, sum } from './reduction.js';
import { sumToShape } from './helpers.js';
import { type AttrSpec, type GradFn, type KernelArgs, defineOp, spec } from './registry.js';
import { type TensorLike, addMethods, runOp, runOpMulti, withTensors } from './run.js';
import { batchToSpaceND, pad, reshape, spaceToBatchND, stack, stridedSlice, transpose } from './shape.js';
import { toTensor } from '../core/convert.js';
import { tidy } from '../core/globals.js';
import { type DimRoundingMode, type Pad, type WindowAttrs, perDim, windowGeometry } from '../core/windows.js';

export type { DimRoundingMode, Pad } from '../core/windows.js';

/** Splits a channels-last shape with `rank` spatial dims into batch, spatial and channels; the batch dim may be absent. */
function channelsLast(shape: readonly number[], rank: number, name: string): { batch: number; spatial: number[]; channels: number; batched: boolean } {
  if (shape.length !== rank + 2 && shape.length !== rank + 1) {
    throw new Error(`input ${name} must have rank ${rank + 2} (or ${rank + 1} without the batch dim), got ${shape.length}`);
  }
  const batched = shape.length === rank + 2;
  return { batch: batched ? shape[0] : 1, spatial: shape.slice(batched ? 1 : 0, -1), channels: shape[shape.length - 1], batched };
}

interface ConvAttrs extends WindowAttrs {
  dataFormat: string;
}

interface ConvFamily {
  /** Spatial dims. */
  rank: number;
  depthwise: boolean;
  names: { forward: string; backpropInput: string; backpropFilter: string };
  dataFormat: string;
  /** The family's WebGPU kernels, in the order of `names`. */
  webgpu: { forward: WebGpuKernel; backpropInput: WebGpuKernel; backpropFilter: WebGpuKernel };
}

const FAMILIES: ConvFamily[] = [
  {
    rank: 2, depthwise: false, dataFormat: 'NHWC',
    names: { forward: 'conv2d', backpropInput: 'conv2dTranspose', backpropFilter: 'conv2dBackpropFilter' },
    webgpu: { forward: webgpu.convKernel(2), backpropInput: webgpu.convBackpropInputKernel(2), backpropFilter: webgpu.convBackpropFilterKernel(2) },
  },
  {
    rank: 3, depthwise: false, dataFormat: 'NDHWC',
    names: { forward: 'conv3d', backpropInput: 'conv3dTranspose', backpropFilter: 'conv3dBackpropFilter' },
    webgpu: { forward: webgpu.convKernel(3), backpropInput: webgpu.convBackpropInputKernel(3), backpropFilter: webgpu.convBackpropFilterKernel(3) },
  },
  {
    rank: 2, depthwise: true, dataFormat: 'NHWC',
    names: { forward: 'depthwiseConv2d', backpropInput: 'depthwiseConv2dBackpropInput', backpropFilter: 'depthwiseConv2dBackpropFilter' },
    webgpu: {
      forward: webgpu.depthwiseConv2dKernel, backpropInput: webgpu.depthwiseBackpropInputKernel, backpropFilter: webgpu.depthwiseBackpropFilterKernel,
    },
  },
];

/**
 * The geometry of a forward conv of `family` from x's and the filter's
 * shapes (filter [...window, inC, outC], depthwise [...window, inC, multiplier]).
 */
function convGeometry(family: ConvFamily, xShape: readonly number[], filterShape: readonly number[], attrs: WindowAttrs): ConvGeometry {
  const x = channelsLast(xShape, family.rank, 'x');
  if (filterShape.length !== family.rank + 2) throw new Error(`input filter must have rank ${family.rank + 2}, got ${filterShape.length}`);
  const window = filterShape.slice(0, family.rank);
  const [filterIn, filterOut] = filterShape.slice(family.rank);
  if (filterIn !== x.channels) throw new Error(`input filter has ${filterIn} input channels, x has ${x.channels}`);
  const { outSpatial, padBefore, strides, dilations } = windowGeometry(x.spatial, window, attrs);
  return {
    batch: x.batch, inSpatial: x.spatial, outSpatial, window, strides, dilations, padBefore, inChannels: x.channels,
    outChannels: family.depthwise ? x.channels * filterOut : filterOut, groups: family.depthwise ? x.channels : 1,
  };
}

/** The output shape of a forward conv: x's layout with the output sizes and channels. */
function convOutShape(g: ConvGeometry, xShape: readonly number[]): number[] {
  return [...(xShape.length === g.inSpatial.length + 2 ? [g.batch] : []), ...g.outSpatial, g.outChannels];
}

function convAttrSpecs(family: ConvFamily): Record<keyof ConvAttrs, AttrSpec> {
  const ones = new Array(family.rank).fill(1);
  return {
    strides: { type: 'intOrInts', default: ones },
    pad: { type: 'pad', default: 'valid' },
    dataFormat: { type: 'string', default: family.dataFormat, oneOf: [family.dataFormat], doc: 'channels-last only; the converter makes NCHW graphs NHWC' },
    dilations: { type: 'intOrInts', default: ones },
    dimRoundingMode: { type: 'string', nullable: true, oneOf: ['floor', 'round', 'ceil'] },
  };
}

const requireFloat = (inputs: readonly TensorSpec[], names: string[]) => inputs.forEach((t, i) => {
  if (t.dtype !== 'float32') throw new Error(`input ${names[i]} has dtype ${t.dtype}; this op takes float32`);
});

/** The three ops of a family run from gradients; attrs pass through unchanged. */
function familyOps(family: ConvFamily) {
  const { forward, backpropInput, backpropFilter } = family.names;
  const pass = ({ strides, pad, dataFormat, dilations, dimRoundingMode }: ConvAttrs) => ({ strides, pad, dataFormat, dilations, dimRoundingMode });
  return {
    forward: (x: Tensor, filter: Tensor, attrs: ConvAttrs) => runOp(forward, [x, filter], pass(attrs)),
    input: (dy: Tensor, filter: Tensor, xShape: readonly number[], attrs: ConvAttrs) =>
      runOp(backpropInput, [dy, filter], { ...pass(attrs), outputShape: [...xShape] }),
    filter: (x: Tensor, dy: Tensor, filterShape: readonly number[], attrs: ConvAttrs) =>
      runOp(backpropFilter, [x, dy], { ...pass(attrs), filterShape: [...filterShape] }),
  };
}

/** Checks that `dy` has the forward conv's output shape for input `xShape`; returns the geometry. */
function backpropGeometry(family: ConvFamily, xShape: readonly number[], filterShape: readonly number[], dy: TensorSpec, attrs: WindowAttrs, dyName: string): ConvGeometry {
  const g = convGeometry(family, xShape, filterShape, attrs);
  const want = convOutShape(g, xShape);
  if (want.join() !== dy.shape.join()) {
    throw new Error(`input ${dyName} [${dy.shape}] is not the ${family.names.forward} output [${want}] for input [${xShape}]`);
  }
  return g;
}

for (const family of FAMILIES) {
  const ops = familyOps(family);
  const attrs = convAttrSpecs(family);
  const { forward, backpropInput, backpropFilter } = family.names;

  defineOp<ConvAttrs>({
    name: forward,
    inputs: [{ name: 'x' }, { name: 'filter' }],
    attrs,
    inputDtype: 'float32',
    shape([x, filter], a) {
      return [spec(convOutShape(convGeometry(family, x.shape, filter.shape, a), x.shape), 'float32')];
    },
    kernels: {
      cpu: convFamilyKernel(convValues, ({ inputs: [x, filter], attrs: a }) => convGeometry(family, x.shape, filter.shape, a)),
      webgpu: family.webgpu.forward,
    },
    grad: ([dy], { inputs: [x, filter], needsGrad: [needX, needFilter] }, a) =>
      [needX ? ops.input(dy, filter, x.shape, a) : null, needFilter ? ops.filter(x, dy, filter.shape, a) : null],
  });

  type InputAttrs = ConvAttrs & { outputShape: number[] };
  // The output shape may leave out the batch dim; it then comes from dy.
  const fullInputShape = (dy: { shape: readonly number[] }, outputShape: number[]) =>
    (outputShape.length === family.rank + 1 && dy.shape.length === family.rank + 2 ? [dy.shape[0], ...outputShape] : outputShape);
  const inputGeometry: GeometryOf<InputAttrs> = ({ inputs: [dy, filter], attrs: a }) =>
    convGeometry(family, fullInputShape(dy, a.outputShape), filter.shape, a);
  defineOp<InputAttrs>({
    name: backpropInput,
    inputs: [{ name: family.depthwise ? 'dy' : 'x' }, { name: 'filter' }],
    attrs: { outputShape: { type: 'ints', doc: 'the shape of the forward conv input this computes' }, ...attrs },
    inputDtype: 'float32',
    shape([dy, filter], a) {
      requireFloat([dy, filter], ['x', 'filter']);
      const xShape = fullInputShape(dy, a.outputShape);
      backpropGeometry(family, xShape, filter.shape, dy, a, family.depthwise ? 'dy' : 'x');
      return [spec(xShape, 'float32')];
    },
    kernels: { cpu: convFamilyKernel(convBackpropInputValues, inputGeometry), webgpu: family.webgpu.backpropInput },
    grad: ([g], { inputs: [dy, filter] }, a) => [ops.forward(g, filter, a), ops.filter(g, dy, filter.shape, a)],
  });

  type FilterAttrs = ConvAttrs & { filterShape: number[] };
  defineOp<FilterAttrs>({
    name: backpropFilter,
    inputs: [{ name: 'x' }, { name: 'dy' }],
    attrs: { filterShape: { type: 'ints' }, ...attrs },
    inputDtype: 'float32',
    shape([x, dy], a) {
      backpropGeometry(family, x.shape, a.filterShape, dy, a, 'dy');
      return [spec(a.filterShape, 'float32')];
    },
    kernels: {
      cpu: convFamilyKernel(convBackpropFilterValues, ({ inputs: [x], attrs: a }) => convGeometry(family, x.shape, a.filterShape, a)),
      webgpu: family.webgpu.backpropFilter,
    },
    grad: ([g], { inputs: [x, dy] }, a) => [ops.input(dy, g, x.shape, a), ops.forward(x, g, a)],
  });
}

type Strides = number | number[];

/**
 * TF.js's conv functions refuse strides and dilations both above 1, in these
 * words (TensorFlow's kernels refuse them too); the registry ops take them,
 * for the ONNX models that use them.
 */
function requireStridesOrDilationsOne(op: string, strides: Strides, dilations: Strides | null | undefined, names = ['strides', 'dilations']): void {
  const ones = (v: Strides | null | undefined) => v == null || (Array.isArray(v) ? v : [v]).every((n) => n === 1);
  if (!ones(strides) && !ones(dilations)) {
    throw new Error(`Error in ${op}: Either ${names[0]} or ${names[1]} must be 1. Got ${names[0]} ${strides} and ${names[1]} '${dilations}'`);
  }
}

/** tw.conv2d(x, filter, strides, pad, dataFormat = 'NHWC', dilations = 1, dimRoundingMode?); filter [fh, fw, inC, outC]. */
export function conv2d(x: TensorLike, filter: TensorLike, strides: Strides, pad: Pad, dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
  dilations: Strides = [1, 1], dimRoundingMode?: DimRoundingMode): Tensor {
  return withTensors('conv2d', [['x', x, 'float32'], ['filter', filter, 'float32']], (tx, tf) => {
    requireStridesOrDilationsOne('conv2D', strides, dilations);
    return viaChannelsLast('conv2d', tx, dataFormat, pad, (xLast, padLast, format) =>
      runOp('conv2d', [xLast, tf], { strides, pad: padLast, dataFormat: format, dilations, dimRoundingMode: dimRoundingMode ?? null }));
  });
}

/**
 * TF.js takes NCHW (and [C, H, W]) images for conv2d and fused.conv2d; the
 * kernels are channels-last, so NCHW runs the NHWC op between two transposes
 * (explicit pads, given in NCHW order, permuted alike), and the gradient
 * flows back through them. Other formats go to the op, which names them.
 */
function viaChannelsLast(op: string, t: Tensor, dataFormat: string, pad: Pad,
  run: (x: Tensor, pad: Pad, dataFormat: string) => Tensor): Tensor {
  if (dataFormat !== 'NCHW') return run(t, pad, dataFormat);
  return tidy(() => {
    if (t.rank !== 4 && t.rank !== 3) throw new Error(`tw.${op}: input x must have rank 4 (or 3 without the batch dim), got ${t.rank}`);
    const batched = t.rank === 4;
    const nhwc = transpose(t, batched ? [0, 2, 3, 1] : [1, 2, 0]);
    const padLast = Array.isArray(pad) && pad.length === 4 ? [pad[0], pad[2], pad[3], pad[1]] as Pad : pad;
    return transpose(run(nhwc, padLast, 'NHWC'), batched ? [0, 3, 1, 2] : [2, 0, 1]);
  });
}

/**
 * A fused conv's bias or PReLU weights given for an NCHW output, as
 * broadcast against the NHWC one: scalars and 1-D (per channel, as TF.js
 * reads them for NCHW) stay; higher ranks, aligned to [N, C, H, W], move
 * their channel dim last.
 */
function channelsLastOperand(v: TensorLike | undefined): TensorLike | undefined {
  if (v == null) return v;
  const t = toTensor(v, 'bias', 'fusedConv2d').tensor;
  if (t.rank <= 1) return t;
  return transpose(reshape(t, [...new Array(4 - t.rank).fill(1), ...t.shape]), [0, 2, 3, 1]);
}

/** tw.depthwiseConv2d(x, filter, strides, pad, dataFormat = 'NHWC', dilations = 1, dimRoundingMode?); filter [fh, fw, inC, multiplier]. */
export function depthwiseConv2d(x: TensorLike, filter: TensorLike, strides: Strides, pad: Pad, dataFormat: 'NHWC' = 'NHWC',
  dilations: Strides | null = [1, 1], dimRoundingMode?: DimRoundingMode): Tensor {
  return runOp('depthwiseConv2d', [x, filter], { strides, pad, dataFormat, dilations: dilations ?? [1, 1], dimRoundingMode: dimRoundingMode ?? null },
    { dtypes: ['float32', 'float32'] });
}

/** tw.conv3d(x, filter, strides, pad, dataFormat = 'NDHWC', dilations = 1); filter [fd, fh, fw, inC, outC]. */
export function conv3d(x: TensorLike, filter: TensorLike, strides: Strides, pad: Pad, dataFormat: 'NDHWC' = 'NDHWC',
  dilations: Strides = [1, 1, 1]): Tensor {
  return runOp('conv3d', [x, filter], { strides, pad, dataFormat, dilations });
}

/**
 * tw.conv2dTranspose(x, filter, outputShape, strides, pad, dimRoundingMode?): the input gradient of conv2d;
 * filter [fh, fw, outC, inC] (conv2d's filter for the output's channels). Also takes `dilations` as an extra
 * last argument (not in TF.js).
 */
export function conv2dTranspose(x: TensorLike, filter: TensorLike, outputShape: readonly number[], strides: Strides, pad: Pad,
  dimRoundingMode?: DimRoundingMode, dilations: Strides = [1, 1]): Tensor {
  return runOp('conv2dTranspose', [x, filter], { outputShape: [...outputShape], strides, pad, dilations, dimRoundingMode: dimRoundingMode ?? null });
}

/** tw.conv3dTranspose(x, filter, outputShape, strides, pad): conv3d's input gradient; filter [fd, fh, fw, outC, inC]. */
export function conv3dTranspose(x: TensorLike, filter: TensorLike, outputShape: readonly number[], strides: Strides, pad: Pad): Tensor {
  return runOp('conv3dTranspose', [x, filter], { outputShape: [...outputShape], strides, pad });
}

// The gradient ops as functions (not in TF.js's public API; useful in custom gradients).

/** tw.conv2dBackpropFilter(x, dy, filterShape, strides, pad, dataFormat?, dilations?, dimRoundingMode?): conv2d's filter gradient. */
export function conv2dBackpropFilter(x: TensorLike, dy: TensorLike, filterShape: readonly number[], strides: Strides, pad: Pad,
  dataFormat: 'NHWC' = 'NHWC', dilations: Strides = [1, 1], dimRoundingMode?: DimRoundingMode): Tensor {
  return runOp('conv2dBackpropFilter', [x, dy], { filterShape: [...filterShape], strides, pad, dataFormat, dilations, dimRoundingMode: dimRoundingMode ?? null });
}

/** tw.conv3dBackpropFilter(x, dy, filterShape, strides, pad, dataFormat?, dilations?): conv3d's filter gradient. */
export function conv3dBackpropFilter(x: TensorLike, dy: TensorLike, filterShape: readonly number[], strides: Strides, pad: Pad,
  dataFormat: 'NDHWC' = 'NDHWC', dilations: Strides = [1, 1, 1]): Tensor {
  return runOp('conv3dBackpropFilter', [x, dy], { filterShape: [...filterShape], strides, pad, dataFormat, dilations });
}

/** tw.depthwiseConv2dBackpropInput(dy, filter, outputShape, strides, pad, dilations?, dimRoundingMode?): the input gradient. */
export function depthwiseConv2dBackpropInput(dy: TensorLike, filter: TensorLike, outputShape: readonly number[], strides: Strides, pad: Pad,
  dilations: Strides = [1, 1], dimRoundingMode?: DimRoundingMode): Tensor {
  return runOp('depthwiseConv2dBackpropInput', [dy, filter], { outputShape: [...outputShape], strides, pad, dilations, dimRoundingMode: dimRoundingMode ?? null });
}

/** tw.depthwiseConv2dBackpropFilter(x, dy, filterShape, strides, pad, dilations?, dimRoundingMode?): the filter gradient. */
export function depthwiseConv2dBackpropFilter(x: TensorLike, dy: TensorLike, filterShape: readonly number[], strides: Strides, pad: Pad,
  dilations: Strides = [1, 1], dimRoundingMode?: DimRoundingMode): Tensor {
  return runOp('depthwiseConv2dBackpropFilter', [x, dy], { filterShape: [...filterShape], strides, pad, dilations, dimRoundingMode: dimRoundingMode ?? null });
}

// ---- conv1d and separableConv2d: conv2d with a height of 1, depthwise then pointwise ----

interface Conv1dAttrs {
  stride: number;
  pad: Pad;
  dataFormat: string;
  dilation: number;
  dimRoundingMode: DimRoundingMode | null;
}

/** conv1d's pad as conv2d's, with a height of 1 and no padding there. */
function padFor2d(pad: Pad): Pad {
  if (typeof pad === 'number') return [[0, 0], [0, 0], [pad, pad], [0, 0]];
  // Four pairs are conv2d's, which TF.js's conv1d passes on unchanged.
  if (Array.isArray(pad)) return pad.length === 4 ? pad : [[0, 0], [0, 0], ...pad.slice(1)];
  return pad;
}

const conv1dAs2d = (xShape: readonly number[], filterShape: readonly number[], a: Conv1dAttrs) => ({
  x: [...xShape.slice(0, -2), 1, ...xShape.slice(-2)],
  filter: [1, ...filterShape],
  attrs: { strides: [1, a.stride], pad: padFor2d(a.pad), dataFormat: 'NHWC', dilations: [1, a.dilation], dimRoundingMode: a.dimRoundingMode },
});

defineOp<Conv1dAttrs>({
  name: 'conv1d',
  inputs: [{ name: 'x' }, { name: 'filter' }],
  attrs: {
    stride: { type: 'int', default: 1 }, pad: { type: 'pad', default: 'valid' },
    dataFormat: { type: 'string', default: 'NWC', oneOf: ['NWC'] }, dilation: { type: 'int', default: 1 },
    dimRoundingMode: { type: 'string', nullable: true, oneOf: ['floor', 'round', 'ceil'] },
  },
  inputDtype: 'float32',
  shape([x, filter], a) {
    if (x.shape.length !== 3 && x.shape.length !== 2) throw new Error(`input x must have rank 3 (or 2 without the batch dim), got ${x.shape.length}`);
    if (filter.shape.length !== 3) throw new Error(`input filter must have rank 3 [fw, inC, outC], got ${filter.shape.length}`);
    const as2d = conv1dAs2d(x.shape, filter.shape, a);
    const g = convGeometry(FAMILIES[0], as2d.x, as2d.filter, as2d.attrs);
    return [spec([...x.shape.slice(0, -2), g.outSpatial[1], g.outChannels], 'float32')];
  },
  decompose([x, filter], a) {
    const as2d = conv1dAs2d(x.shape, filter.shape, a);
    const y = runOp('conv2d', [reshape(x, as2d.x), reshape(filter, as2d.filter)], as2d.attrs);
    return [reshape(y, [...y.shape.slice(0, -3), ...y.shape.slice(-2)])];
  },
});

/** tw.conv1d(x, filter, stride, pad, dataFormat = 'NWC', dilation = 1, dimRoundingMode?); filter [fw, inC, outC]. */
export function conv1d(x: TensorLike, filter: TensorLike, stride: number, pad: Pad, dataFormat: 'NWC' = 'NWC', dilation = 1,
  dimRoundingMode?: DimRoundingMode): Tensor {
  return withTensors('conv1d', [['x', x], ['filter', filter]], (tx, tf) => {
    requireStridesOrDilationsOne('conv1D', stride, dilation, ['stride', 'dilation']);
    return runOp('conv1d', [tx, tf], { stride, pad, dataFormat, dilation, dimRoundingMode: dimRoundingMode ?? null });
  });
}

interface SeparableAttrs {
  strides: Strides;
  pad: Pad;
  dilation: Strides;
  dataFormat: string;
}

defineOp<SeparableAttrs>({
  name: 'separableConv2d',
  inputs: [{ name: 'x' }, { name: 'depthwiseFilter' }, { name: 'pointwiseFilter' }],
  attrs: {
    strides: { type: 'intOrInts', default: [1, 1] }, pad: { type: 'pad', default: 'valid' },
    dilation: { type: 'intOrInts', default: [1, 1] }, dataFormat: { type: 'string', default: 'NHWC', oneOf: ['NHWC'] },
  },
  inputDtype: 'float32',
  shape([x, depthwise, pointwise], a) {
    const g = convGeometry(FAMILIES[2], x.shape, depthwise.shape, { ...a, dilations: a.dilation, dimRoundingMode: null });
    // Each dim checked on its own, in TF.js's words.
    const want = `input pointwiseFilter must be [1, 1, ${g.outChannels}, outC], got [${pointwise.shape}]`;
    if (pointwise.shape.length !== 4) throw new Error(`${want}: it must be rank 4, but got rank ${pointwise.shape.length}`);
    pointwise.shape.slice(0, 3).forEach((d, i) => {
      const size = [1, 1, g.outChannels][i];
      if (d !== size) throw new Error(`${want}: dim ${i} must be ${size}, but got ${d}`);
    });
    return [spec([...convOutShape(g, x.shape).slice(0, -1), pointwise.shape[3]], 'float32')];
  },
  decompose([x, depthwise, pointwise], { strides, pad, dilation, dataFormat }) {
    const spread = depthwiseConv2d(x, depthwise, strides, pad, dataFormat as 'NHWC', dilation);
    return [conv2d(spread, pointwise, 1, 'valid')];
  },
});

/** tw.separableConv2d(x, depthwiseFilter, pointwiseFilter, strides, pad, dilation = 1, dataFormat = 'NHWC'). */
export function separableConv2d(x: TensorLike, depthwiseFilter: TensorLike, pointwiseFilter: TensorLike, strides: Strides, pad: Pad,
  dilation: Strides = [1, 1], dataFormat: 'NHWC' = 'NHWC'): Tensor {
  return runOp('separableConv2d', [x, depthwiseFilter, pointwiseFilter], { strides, pad, dilation, dataFormat });
}

// ---- pools ----

interface PoolAttrs {
  filterSize: number | number[];
  strides: Strides;
  pad: Pad;
  dimRoundingMode: DimRoundingMode | null;
  dataFormat: string;
}

function poolGeometry(rank: number, xShape: readonly number[], a: PoolAttrs): ConvGeometry {
  const x = channelsLast(xShape, rank, 'x');
  const window = perDim(a.filterSize, rank, 'filterSize');
  const { outSpatial, padBefore, strides, dilations } = windowGeometry(x.spatial, window, { ...a, dilations: 1 });
  return { batch: x.batch, inSpatial: x.spatial, outSpatial, window, strides, dilations, padBefore, inChannels: x.channels, outChannels: x.channels, groups: 1 };
}

for (const [suffix, rank, dataFormat] of [['', 2, 'NHWC'], ['3d', 3, 'NDHWC']] as const) {
  const attrs: Record<keyof PoolAttrs, AttrSpec> = {
    filterSize: { type: 'intOrInts', default: new Array(rank).fill(1) },
    strides: { type: 'intOrInts', default: new Array(rank).fill(1) },
    pad: { type: 'pad', default: 'valid' },
    dimRoundingMode: { type: 'string', nullable: true, oneOf: ['floor', 'round', 'ceil'] },
    dataFormat: { type: 'string', default: dataFormat, oneOf: [dataFormat] },
  };
  const geometryOf: GeometryOf<PoolAttrs> = ({ inputs: [x], attrs: a }) => poolGeometry(rank, x.shape, a);
  const outShape = (xShape: readonly number[], a: PoolAttrs) => {
    const g = poolGeometry(rank, xShape, a);
    return [...xShape.slice(0, xShape.length - rank - 1), ...g.outSpatial, g.outChannels];
  };
  const maxName = `maxPool${suffix}`;
  const avgName = `avgPool${suffix}`;

  defineOp<PoolAttrs>({
    name: maxName,
    inputs: [{ name: 'x' }],
    attrs,
    inputDtype: 'float32',
    shape: ([x], a) => [spec(outShape(x.shape, a), 'float32')],
    kernels: { cpu: maxPoolKernel(geometryOf), webgpu: webgpu.poolKernel(rank, false) },
    grad: ([dy], { inputs: [x] }, a) => [runOp(`${maxName}Grad`, [dy, x], { ...a })],
  });
  defineOp<PoolAttrs>({
    name: `${maxName}Grad`,
    inputs: [{ name: 'dy' }, { name: 'x' }],
    attrs,
    inputDtype: 'float32',
    shape([dy, x], a) {
      const want = outShape(x.shape, a);
      if (want.join() !== dy.shape.join()) throw new Error(`input dy [${dy.shape}] is not the ${maxName} output [${want}]`);
      return [spec(x.shape, 'float32')];
    },
    kernels: { cpu: maxPoolGradKernel(({ inputs: [, x], attrs: a }) => poolGeometry(rank, x.shape, a)), webgpu: webgpu.poolGradKernel(rank, false) },
    // Piecewise constant in x and only needed for second derivatives through a max pool.
    grad: 'not-differentiable',
  });
  defineOp<PoolAttrs>({
    name: avgName,
    inputs: [{ name: 'x' }],
    attrs,
    inputDtype: 'float32',
    shape: ([x], a) => [spec(outShape(x.shape, a), 'float32')],
    kernels: { cpu: avgPoolKernel(geometryOf), webgpu: webgpu.poolKernel(rank, true) },
    grad: ([dy], { inputs: [x] }, a) => [runOp(`${avgName}Grad`, [dy], { ...a, inputShape: x.shape })],
  });
  type GradAttrs = PoolAttrs & { inputShape: number[] };
  defineOp<GradAttrs>({
    name: `${avgName}Grad`,
    inputs: [{ name: 'dy' }],
    attrs: { inputShape: { type: 'ints' }, ...attrs },
    inputDtype: 'float32',
    shape([dy], a) {
      const want = outShape(a.inputShape, a);
      if (want.join() !== dy.shape.join()) throw new Error(`input dy [${dy.shape}] is not the ${avgName} output [${want}] for inputShape [${a.inputShape}]`);
      return [spec(a.inputShape, 'float32')];
    },
    kernels: { cpu: avgPoolGradKernel(({ attrs: a }) => poolGeometry(rank, a.inputShape, a)), webgpu: webgpu.poolGradKernel(rank, true) },
    // Linear in dy: its adjoint is the average pool itself.
    grad: ([g], _saved, { inputShape: _inputShape, ...a }) => [runOp(avgName, [g], a)],
  });
}

/** tw.maxPool(x, filterSize, strides, pad, dimRoundingMode?). */
export function maxPool(x: TensorLike, filterSize: Strides, strides: Strides, pad: Pad, dimRoundingMode?: DimRoundingMode): Tensor {
  return runOp('maxPool', [x], { filterSize, strides, pad, dimRoundingMode: dimRoundingMode ?? null });
}

/** tw.avgPool(x, filterSize, strides, pad, dimRoundingMode?): padding is left out of each average. */
export function avgPool(x: TensorLike, filterSize: Strides, strides: Strides, pad: Pad, dimRoundingMode?: DimRoundingMode): Tensor {
  return runOp('avgPool', [x], { filterSize, strides, pad, dimRoundingMode: dimRoundingMode ?? null }, { dtypes: ['float32'] });
}

/** tw.maxPool3d(x, filterSize = 1, strides, pad, dimRoundingMode?, dataFormat = 'NDHWC'). */
export function maxPool3d(x: TensorLike, filterSize: Strides = [1, 1, 1], strides: Strides = [1, 1, 1], pad: Pad = 'valid',
  dimRoundingMode?: DimRoundingMode, dataFormat: 'NDHWC' = 'NDHWC'): Tensor {
  return runOp('maxPool3d', [x], { filterSize, strides, pad, dimRoundingMode: dimRoundingMode ?? null, dataFormat });
}

/** tw.avgPool3d(x, filterSize = 1, strides, pad, dimRoundingMode?, dataFormat = 'NDHWC'). */
export function avgPool3d(x: TensorLike, filterSize: Strides = [1, 1, 1], strides: Strides = [1, 1, 1], pad: Pad = 'valid',
  dimRoundingMode?: DimRoundingMode, dataFormat: 'NDHWC' = 'NDHWC'): Tensor {
  return runOp('avgPool3d', [x], { filterSize, strides, pad, dimRoundingMode: dimRoundingMode ?? null, dataFormat }, { dtypes: ['float32'] });
}

/**
 * tw.pool(input, windowShape, poolingType, pad, dilations = 1, strides = 1, dimRoundingMode?): maxPool or
 * avgPool with dilated windows, composed as TF.js composes it: with dilations above 1 (strides then 1) the
 * input goes through spaceToBatchND, one pool per phase of the dilation, and batchToSpaceND back. 'same'
 * padding there comes from spaceToBatchND's zeros, as in TF.js (a max pool sees them).
 */
export function pool(input: TensorLike, windowShape: Strides, poolingType: 'max' | 'avg', pad: Pad, dilations: Strides | null = [1, 1],
  strides: Strides | null = 1, dimRoundingMode?: DimRoundingMode): Tensor {
  const windowPool = (x: TensorLike, p: Pad) => (poolingType === 'avg' ? avgPool : maxPool)(x, windowShape, strides ?? 1, p, dimRoundingMode);
  if (poolingType !== 'max' && poolingType !== 'avg') throw new Error(`tw.pool: poolingType must be 'max' or 'avg', got '${poolingType}'`);
  const dilation = perDim(dilations ?? 1, 2, 'dilations');
  const padding = pad === 0 ? 'valid' : pad;
  if (dilation.every((d) => d === 1)) return windowPool(input, padding);
  if (perDim(strides ?? 1, 2, 'strides').some((s) => s !== 1)) {
    throw new Error(`tw.pool: Either strides or dilations must be 1. Got strides ${strides} and dilations '${dilations}'`);
  }
  if (padding !== 'same' && padding !== 'valid') throw new Error(`tw.pool: pad must be 'same' or 'valid' with dilations above 1, got ${JSON.stringify(pad)}`);
  return tidy(() => {
    const x = toTensor(input, 'x', 'pool').tensor;
    if (x.rank !== 4 && x.rank !== 3) throw new Error(`tw.pool: input x must have rank 4 (or 3 without the batch dim), got ${x.rank}`);
    const x4 = x.rank === 4 ? x : reshape(x, [1, ...x.shape]);
    const window = perDim(windowShape, 2, 'windowShape');
    // 'same': the dilated window's padding, split as TF's; then each dim padded up to a multiple of the dilation.
    const base = window.map((k, i) => {
      const extra = (k - 1) * dilation[i];
      return padding === 'same' ? [Math.floor(extra / 2), extra - Math.floor(extra / 2)] : [0, 0];
    });
    const endExtra = dilation.map((d, i) => (d - (x4.shape[i + 1] % d)) % d);
    const pads = base.map(([before, after], i) => [before, after + endExtra[i]]);
    const y = batchToSpaceND(windowPool(spaceToBatchND(x4, dilation, pads), 'valid'), dilation, endExtra.map((e) => [0, e]));
    return x.rank === 4 ? y : reshape(y, y.shape.slice(1));
  });
}

// ---- dilation2d and maxPoolWithArgmax: decompositions over the window's taps ----

/**
 * x ([N, H, W, C]) seen through each tap of a window: for tap (i, j) of a
 * [fh, fw] window, the [N, outH, outW, C] values x[n, oy * sh + i * dh - top,
 * ox * sw + j * dw - left, c], -Infinity outside x; stacked last, taps in
 * row-major order: [N, outH, outW, C, fh * fw].
 */
function windowTaps(x: Tensor, window: readonly number[], g: { outSpatial: number[]; padBefore: number[]; strides: number[]; dilations: number[] }): Tensor {
  const [n, h, w, c] = x.shape;
  const [outH, outW] = g.outSpatial;
  const reach = (d: number, size: number) => Math.max(0, (g.outSpatial[d] - 1) * g.strides[d] + (window[d] - 1) * g.dilations[d] + 1 - size - g.padBefore[d]);
  const padded = pad(x, [[0, 0], [g.padBefore[0], reach(0, h)], [g.padBefore[1], reach(1, w)], [0, 0]], -Infinity);
  const taps: Tensor[] = [];
  for (let i = 0; i < window[0]; i++) {
    for (let j = 0; j < window[1]; j++) {
      const [top, left] = [i * g.dilations[0], j * g.dilations[1]];
      taps.push(stridedSlice(padded, [0, top, left, 0], [n, top + (outH - 1) * g.strides[0] + 1, left + (outW - 1) * g.strides[1] + 1, c],
        [1, g.strides[0], g.strides[1], 1]));
    }
  }
  return stack(taps, 4);
}

/** The first largest of the taps (last axis of `taps`): the values, and which tap. */
function firstMax(taps: Tensor): { values: Tensor; tap: Tensor } {
  const tap = argMax(taps, -1);
  // Selected by a one-hot mask (not multiplied: -Infinity taps), so a gradient reaches that tap alone (TF.js's backprop picks the first maximum too).
  const chosen = cast(oneHot(tap, taps.shape[4]), 'bool');
  return { values: sum(where(chosen, taps, zerosLike(taps)), -1), tap };
}

interface Dilation2dAttrs {
  strides: Strides;
  pad: 'valid' | 'same';
  dilations: Strides;
  dataFormat: string;
}

defineOp<Dilation2dAttrs>({
  name: 'dilation2d',
  inputs: [{ name: 'x' }, { name: 'filter' }],
  attrs: {
    strides: { type: 'intOrInts', default: [1, 1] },
    pad: { type: 'string', default: 'valid', oneOf: ['valid', 'same'] },
    dilations: { type: 'intOrInts', default: [1, 1] },
    dataFormat: { type: 'string', default: 'NHWC', oneOf: ['NHWC'] },
  },
  inputDtype: 'float32',
  shape([x, filter], a) {
    const { batched, channels, spatial } = channelsLast(x.shape, 2, 'x');
    if (filter.shape.length !== 3) throw new Error(`input filter must be rank 3 [fh, fw, C], got rank ${filter.shape.length}`);
    if (filter.shape[2] !== channels) throw new Error(`input x and filter must have the same depth: ${channels} vs ${filter.shape[2]}`);
    const { outSpatial } = windowGeometry(spatial, filter.shape.slice(0, 2), { ...a, dimRoundingMode: null });
    return [spec([...(batched ? [x.shape[0]] : []), ...outSpatial, channels], 'float32')];
  },
  // max over the window of x + filter (grayscale morphological dilation); gradients through the first maximum.
  decompose([x, filter], a) {
    const x4 = x.rank === 4 ? x : reshape(x, [1, ...x.shape]);
    const g = windowGeometry(x4.shape.slice(1, 3), filter.shape.slice(0, 2), { ...a, dimRoundingMode: null });
    const taps = windowTaps(x4, filter.shape.slice(0, 2), g);
    const { values } = firstMax(add(taps, reshape(transpose(filter, [2, 0, 1]), [filter.shape[2], filter.shape[0] * filter.shape[1]])));
    return [x.rank === 4 ? values : reshape(values, values.shape.slice(1))];
  },
});

/** tw.dilation2d(x, filter, strides, pad, dilations = [1, 1], dataFormat = 'NHWC'): out[.., c] = max over the window of x + filter[.., c]. */
export function dilation2d(x: TensorLike, filter: TensorLike, strides: Strides, pad: 'valid' | 'same', dilations: Strides = [1, 1],
  dataFormat: 'NHWC' = 'NHWC'): Tensor {
  return runOp('dilation2d', [x, filter], { strides, pad, dilations, dataFormat });
}

interface ArgmaxPoolAttrs {
  filterSize: Strides;
  strides: Strides;
  pad: Pad;
  includeBatchInIndex: boolean;
}

defineOp<ArgmaxPoolAttrs>({
  name: 'maxPoolWithArgmax',
  inputs: [{ name: 'x' }],
  attrs: {
    filterSize: { type: 'intOrInts', default: [1, 1] },
    strides: { type: 'intOrInts', default: [1, 1] },
    pad: { type: 'pad', default: 'valid' },
    includeBatchInIndex: { type: 'bool', default: false },
  },
  outputs: 2,
  inputDtype: 'float32',
  shape([x], a) {
    if (x.shape.length !== 4) throw new Error(`input x must be rank 4, but got rank ${x.shape.length}`);
    const g = poolGeometry(2, x.shape, { ...a, dimRoundingMode: null, dataFormat: 'NHWC' });
    const out = [x.shape[0], ...g.outSpatial, g.outChannels];
    return [spec(out, 'float32'), spec(out, 'int32')];
  },
  // The max pool, and where each maximum is in x: ((b * H + y) * W + x) * C + c, b left out unless includeBatchInIndex.
  decompose([x], a) {
    const g = poolGeometry(2, x.shape, { ...a, dimRoundingMode: null, dataFormat: 'NHWC' });
    const [n, h, w, c] = x.shape;
    const { values, tap } = firstMax(windowTaps(x, g.window, g));
    const [fw, [outH, outW]] = [g.window[1], g.outSpatial];
    const ints = (size: number, shape: number[]) => reshape(range(0, size, 1, 'int32'), shape);
    const int = (v: number) => scalar(v, 'int32');
    const row = add(sub(mul(ints(outH, [1, outH, 1, 1]), int(g.strides[0])), int(g.padBefore[0])), floorDiv(tap, int(fw)));
    const col = add(sub(mul(ints(outW, [1, 1, outW, 1]), int(g.strides[1])), int(g.padBefore[1])), mod(tap, int(fw)));
    let index = add(mul(add(mul(row, int(w)), col), int(c)), ints(c, [1, 1, 1, c]));
    if (a.includeBatchInIndex) index = add(index, mul(ints(n, [n, 1, 1, 1]), int(h * w * c)));
    return [values, index];
  },
});

/**
 * tw.maxPoolWithArgmax(x, filterSize, strides, pad, includeBatchInIndex = false): {result, indexes}, the max pool
 * of [N, H, W, C] x and the flat index in x of each maximum (the first, in window order).
 */
export function maxPoolWithArgmax(x: TensorLike, filterSize: Strides, strides: Strides, pad: Pad, includeBatchInIndex = false): { result: Tensor; indexes: Tensor } {
  const [result, indexes] = runOpMulti('maxPoolWithArgmax', [x], { filterSize, strides, pad, includeBatchInIndex });
  return { result, indexes };
}

/** tw.maxPoolGrad(dy, x, filterSize, strides, pad, dimRoundingMode?): maxPool's input gradient (each dy to its window's maximum). */
export function maxPoolGrad(dy: TensorLike, x: TensorLike, filterSize: Strides, strides: Strides, pad: Pad, dimRoundingMode?: DimRoundingMode): Tensor {
  return runOp('maxPoolGrad', [dy, x], { filterSize, strides, pad, dimRoundingMode: dimRoundingMode ?? null });
}

/** tw.maxPool3dGrad(dy, x, filterSize, strides, pad, dimRoundingMode?). */
export function maxPool3dGrad(dy: TensorLike, x: TensorLike, filterSize: Strides, strides: Strides, pad: Pad, dimRoundingMode?: DimRoundingMode): Tensor {
  return runOp('maxPool3dGrad', [dy, x], { filterSize, strides, pad, dimRoundingMode: dimRoundingMode ?? null });
}

/** tw.avgPoolGrad(dy, inputShape, filterSize, strides, pad, dimRoundingMode?): avgPool's input gradient. */
export function avgPoolGrad(dy: TensorLike, inputShape: readonly number[], filterSize: Strides, strides: Strides, pad: Pad,
  dimRoundingMode?: DimRoundingMode): Tensor {
  return runOp('avgPoolGrad', [dy], { inputShape: [...inputShape], filterSize, strides, pad, dimRoundingMode: dimRoundingMode ?? null });
}

/** tw.avgPool3dGrad(dy, inputShape, filterSize, strides, pad, dimRoundingMode?). */
export function avgPool3dGrad(dy: TensorLike, inputShape: readonly number[], filterSize: Strides, strides: Strides, pad: Pad,
  dimRoundingMode?: DimRoundingMode): Tensor {
  return runOp('avgPool3dGrad', [dy], { inputShape: [...inputShape], filterSize, strides, pad, dimRoundingMode: dimRoundingMode ?? null });
}

// ---- fused ops: bias + activation after the matMul or conv ----

export const fusedAttrSpecs: Record<keyof FusedAttrs, AttrSpec> = {
  activation: { type: 'string', default: 'linear', oneOf: ACTIVATIONS },
  leakyreluAlpha: { type: 'number', default: 0.2 },
  addendAfterActivation: { type: 'bool', default: false },
};

/**
 * The fused ops' optional inputs after their operands: a bias, prelu's weights (given with activation 'prelu'
 * only) and an addend shaped like the output, added after the bias and before the activation (a residual
 * connection, which the converter fuses: TensorFlow's _FusedConv2D 'Add', onnxruntime's FusedConv Z), or after
 * the activation with attribute addendAfterActivation (x + relu(conv(x))). They
 * come in that order; prelu's weights come after a bias and an addend after both, so the public functions
 * pass a zero bias when there is none (`fusedExtras` reads them).
 */
export const FUSED_INPUTS = [
  { name: 'bias', optional: true }, { name: 'preluActivationWeights', optional: true }, { name: 'addend', optional: true },
];

/** Checks bias, prelu weights and addend against the core op's output shape. */
export function fusedRule(outShape: readonly number[], extra: readonly TensorSpec[], { activation, addendAfterActivation }: FusedAttrs): void {
  const { bias, weights, addend } = fusedExtras(extra, activation);
  if (addendAfterActivation && !addend) throw new Error('attribute addendAfterActivation needs input addend');
  if (activation === 'prelu' && !weights) throw new Error("activation 'prelu' needs input preluActivationWeights");
  if (extra.length > (activation === 'prelu' ? 3 : 2)) {
    throw new Error(`input preluActivationWeights is only for activation 'prelu', not '${activation}'`);
  }
  for (const [t, name] of [[bias, 'bias'], [weights, 'preluActivationWeights'], [addend, 'addend']] as const) {
    if (!t) continue;
    if (t.dtype !== 'float32') throw new Error(`input ${name} has dtype ${t.dtype}; this op takes float32`);
    const lead = outShape.length - t.shape.length;
    if (name === 'addend' ? t.shape.join() !== outShape.join() : lead < 0 || t.shape.some((n, d) => n !== 1 && n !== outShape[d + lead])) {
      throw new Error(`input ${name} [${t.shape}] ${name === 'addend' ? 'is not shaped like' : 'does not broadcast to'} the output [${outShape}]`);
    }
  }
}

/**
 * dy through the activation, read from the fused op's output `y` where `y`
 * determines the derivative; undefined where it does not (prelu, whose
 * weights may have any sign, leakyrelu with alpha <= 0, and hardswish, which
 * takes one value at two inputs).
 */
function activationBackpropFromOutput(dy: Tensor, y: Tensor, { activation, leakyreluAlpha }: FusedAttrs): Tensor | undefined {
  switch (activation as Activation) {
    case 'linear': return dy;
    case 'relu': return where(greater(y, 0), dy, 0);
    case 'relu6': return where(logicalAnd(greater(y, 0), less(y, 6)), dy, 0);
    case 'elu': return where(greater(y, 0), dy, mul(dy, add(y, 1)));
    case 'sigmoid': return mul(dy, mul(y, add(mul(y, -1), 1)));
    case 'leakyrelu': return leakyreluAlpha > 0 ? where(less(y, 0), mul(dy, leakyreluAlpha), dy) : undefined;
    case 'prelu': case 'hardswish': return undefined;
  }
}

/** dy through the activation at the pre-activation `pre`, for those whose output does not give the derivative. */
function activationBackpropFromPre(dy: Tensor, pre: Tensor, weights: Tensor | undefined, { activation, leakyreluAlpha }: FusedAttrs): Tensor {
  if (activation === 'hardswish') return mul(dy, unaryDerivative('hardSwish', pre));
  // prelu, leakyrelu: their slope below zero
  return where(less(pre, 0), mul(dy, activation === 'prelu' ? weights! : leakyreluAlpha), dy);
}

/**
 * The gradient of a fused op. The activation's derivative comes from the
 * op's output when it can (no recomputation); otherwise the pre-activation
 * `core + bias` is recomputed with ops. Then the core op's gradients
 * (`coreGrads`); bias and prelu weights get their gradients summed to shape.
 */
export function fusedGrad<A extends FusedAttrs>(coreOp: (inputs: Tensor[], attrs: A) => Tensor,
  coreGrads: (inputs: Tensor[], dPre: Tensor, attrs: A, needsGrad: readonly boolean[]) => (Tensor | null)[]): GradFn<A> {
  return ([dy], { inputs, outputs: [y], needsGrad }, attrs) => {
    const [first, second, ...extra] = inputs;
    const { bias, weights, addend } = fusedExtras(extra, attrs.activation);
    const addendBefore = addend && !attrs.addendAfterActivation ? addend : undefined;
    const recomputePre = () => {
      const core = coreOp([first, second], attrs);
      const biased = bias ? add(core, bias) : core;
      return addendBefore ? add(biased, addendBefore) : biased;
    };
    // With the addend after the activation, the activation's output is y less the addend.
    const fromOutput = activationBackpropFromOutput(dy, addend && !addendBefore ? sub(y, addend) : y, attrs);
    const pre = fromOutput === undefined ? recomputePre() : undefined;
    const dPre = fromOutput ?? activationBackpropFromPre(dy, pre!, weights, attrs);
    const grads: (Tensor | null)[] = coreGrads([first, second], dPre, attrs, needsGrad);
    if (bias) grads.push(sumToShape(dPre, bias.shape));
    if (weights) grads.push(sumToShape(mul(dy, where(less(pre!, 0), pre!, 0)), weights.shape));
    if (addend) grads.push(addendBefore ? dPre : dy);
    return grads;
  };
}

/** The CPU kernel of a fused op: the core values, then the epilogue. */
export function fusedKernel<A extends FusedAttrs>(coreValues: (args: KernelArgs<CpuBackend, A>) => Float32Array) {
  return (args: KernelArgs<CpuBackend, A>) => {
    const { backend, inputs: [, , ...extra], attrs, outputs: [out] } = args;
    const values = coreValues(args);
    applyEpilogue(backend, values, out.shape, fusedExtras(extra, attrs.activation), attrs);
    return [backend.write(values, out.shape, out.dtype)];
  };
}

const convFused = (family: ConvFamily) => {
  type Attrs = ConvAttrs & FusedAttrs;
  const ops = familyOps(family);
  defineOp<Attrs>({
    name: family.depthwise ? 'fusedDepthwiseConv2d' : 'fusedConv2d',
    inputs: [{ name: 'x' }, { name: 'filter' }, ...FUSED_INPUTS],
    attrs: { ...convAttrSpecs(family), ...fusedAttrSpecs },
    inputDtype: 'float32',
    shape([x, filter, ...extra], a) {
      const out = convOutShape(convGeometry(family, x.shape, filter.shape, a), x.shape);
      fusedRule(out, extra, a);
      return [spec(out, 'float32')];
    },
    kernels: {
      cpu: fusedKernel<Attrs>(({ backend, inputs: [x, filter], attrs: a }) =>
        convValues(convGeometry(family, x.shape, filter.shape, a), backend.values(x), backend.values(filter))),
      webgpu: family.depthwise ? webgpu.fusedDepthwiseConv2dKernel : webgpu.fusedConv2dKernel,
    },
    grad: fusedGrad<Attrs>(([x, filter], a) => ops.forward(x, filter, a),
      ([x, filter], dPre, a, [needX, needFilter]) =>
        [needX ? ops.input(dPre, filter, x.shape, a) : null, needFilter ? ops.filter(x, dPre, filter.shape, a) : null]),
  });
};
convFused(FAMILIES[0]);
convFused(FAMILIES[2]);

export interface FusedConv2dArgs {
  x: TensorLike;
  filter: TensorLike;
  strides: Strides;
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: Strides;
  dimRoundingMode?: DimRoundingMode;
  bias?: TensorLike;
  activation?: Activation;
  preluActivationWeights?: TensorLike;
  leakyreluAlpha?: number;
  /** tensorweb's: a tensor shaped like the output, added after the bias and before the activation (a residual connection). */
  addend?: TensorLike;
  /** tensorweb's: add the addend after the activation instead (x + relu(conv(x))). */
  addendAfterActivation?: boolean;
}

/**
 * The optional inputs as runOp takes them (see FUSED_INPUTS): a zero bias stands in where prelu weights or an
 * addend come without one; prelu weights only with activation 'prelu' (TF.js's fused ops ignore them otherwise).
 */
export function fusedExtraInputs(bias: TensorLike | null | undefined, weights: TensorLike | null | undefined, activation: string,
  addend?: TensorLike | null): TensorLike[] {
  const prelu = weights != null && activation === 'prelu';
  if (!prelu && addend == null) return bias != null ? [bias] : [];
  return [bias ?? 0, ...(prelu ? [weights] : []), ...(addend != null ? [addend] : [])];
}

function fusedConvFunction(name: string) {
  return ({ x, filter, strides, pad, dataFormat = 'NHWC', dilations = [1, 1], dimRoundingMode, bias, activation = 'linear',
    preluActivationWeights, leakyreluAlpha = 0.2, addend, addendAfterActivation = false }: FusedConv2dArgs): Tensor => {
    // TF.js's messages name the unfused op
    const conv2d = name === 'fusedConv2d';
    return withTensors(conv2d ? 'conv2d' : 'depthwiseConv2d', [['x', x, 'float32'], ['filter', filter, 'float32']], (tx, tf) => {
      requireStridesOrDilationsOne(conv2d ? 'conv2D' : 'fused depthwiseConv2d', strides, dilations);
      const run = (xLast: Tensor, padLast: Pad, format: string, b = bias, w = preluActivationWeights, z = addend) =>
        runOp(name, [xLast, tf, ...fusedExtraInputs(b, w, activation, z)],
          { strides, pad: padLast, dataFormat: format, dilations, dimRoundingMode: dimRoundingMode ?? null, activation, leakyreluAlpha,
            addendAfterActivation });
      if (!conv2d || dataFormat !== 'NCHW') return run(tx, pad, dataFormat);
      return viaChannelsLast(name, tx, dataFormat, pad, (xLast, padLast, format) =>
        run(xLast, padLast, format, channelsLastOperand(bias), channelsLastOperand(preluActivationWeights), channelsLastOperand(addend)));
    });
  };
}

/** tw.fused.conv2d({x, filter, strides, pad, dataFormat, dilations, dimRoundingMode, bias, activation, preluActivationWeights, leakyreluAlpha, addend}). */
export const fusedConv2d = fusedConvFunction('fusedConv2d');
/** tw.fused.depthwiseConv2d({...}) with the same options as fused.conv2d. */
export const fusedDepthwiseConv2d = fusedConvFunction('fusedDepthwiseConv2d');

addMethods({ conv1d, conv2d, conv2dTranspose, depthwiseConv2d, separableConv2d, maxPool, avgPool, pool, dilation2d });
declare module '../core/tensor.js' {
  interface Tensor {
    conv1d(filter: TensorLike, stride: number, pad: Pad, dataFormat?: 'NWC', dilation?: number, dimRoundingMode?: DimRoundingMode): Tensor;
    conv2d(filter: TensorLike, strides: Strides, pad: Pad, dataFormat?: 'NHWC' | 'NCHW', dilations?: Strides, dimRoundingMode?: DimRoundingMode): Tensor;
    conv2dTranspose(filter: TensorLike, outputShape: readonly number[], strides: Strides, pad: Pad, dimRoundingMode?: DimRoundingMode): Tensor;
    depthwiseConv2d(filter: TensorLike, strides: Strides, pad: Pad, dataFormat?: 'NHWC', dilations?: Strides, dimRoundingMode?: DimRoundingMode): Tensor;
    separableConv2d(depthwiseFilter: TensorLike, pointwiseFilter: TensorLike, strides: Strides, pad: Pad, dilation?: Strides, dataFormat?: 'NHWC'): Tensor;
    maxPool(filterSize: Strides, strides: Strides, pad: Pad, dimRoundingMode?: DimRoundingMode): Tensor;
    avgPool(filterSize: Strides, strides: Strides, pad: Pad, dimRoundingMode?: DimRoundingMode): Tensor;
    dilation2d(filter: TensorLike, strides: Strides, pad: 'valid' | 'same', dilations?: Strides, dataFormat?: 'NHWC'): Tensor;
    pool(windowShape: Strides, poolingType: 'max' | 'avg', pad: Pad, dilations?: Strides | null, strides?: Strides | null, dimRoundingMode?: DimRoundingMode): Tensor;
  }
}

// Gradient cases of the nn ops: every conv family op (forward, input and
// filter gradient, each differentiated with the other two), pools, fused ops
// for each activation, and the decompositions.
import * as tw from '../../../js/dist/tensorweb.js';

const r = (shape, low = -1, high = 1) => ({ shape, low, high });
const x = r([1, 4, 4, 2]);
const filter = r([3, 3, 2, 2]);
const depthwise = r([2, 2, 2, 2]);
const x3d = r([1, 3, 3, 3, 1]);
const filter3d = r([2, 2, 2, 1, 2]);
// Distinct values a step apart, so each pool window has one clear maximum.
const poolInput = { shape: [1, 4, 4, 1], values: [3, 7, 1, 12, 9, 0, 14, 5, 2, 15, 6, 11, 13, 4, 10, 8].map((v) => v / 4) };

export const cases = [
  { op: 'conv2d', f: (a, w) => tw.conv2d(a, w, 1, 'same'), inputs: [x, filter] },
  { op: 'conv2d', name: 'conv2d strided, explicit pad', f: (a, w) => tw.conv2d(a, w, 2, [[0, 0], [1, 0], [0, 1], [0, 0]]), inputs: [x, filter] },
  { op: 'conv2d', name: 'conv2d dilated', f: (a, w) => tw.conv2d(a, w, 1, 'valid', 'NHWC', 2), inputs: [r([1, 5, 5, 1]), r([2, 2, 1, 2])] },
  { op: 'conv2dTranspose', f: (dy, w) => tw.conv2dTranspose(dy, w, [1, 4, 4, 2], 2, 'same'), inputs: [r([1, 2, 2, 2]), filter] },
  { op: 'conv2dBackpropFilter', f: (a, dy) => tw.conv2dBackpropFilter(a, dy, [3, 3, 2, 2], 2, 'same'), inputs: [x, r([1, 2, 2, 2])] },
  { op: 'depthwiseConv2d', f: (a, w) => tw.depthwiseConv2d(a, w, 1, 'same'), inputs: [x, depthwise] },
  { op: 'depthwiseConv2d', name: 'depthwiseConv2d strided', f: (a, w) => tw.depthwiseConv2d(a, w, 2, 'valid'), inputs: [x, depthwise] },
  {
    op: 'depthwiseConv2dBackpropInput', f: (dy, w) => tw.depthwiseConv2dBackpropInput(dy, w, [1, 4, 4, 2], 2, 'same'),
    inputs: [r([1, 2, 2, 4]), depthwise],
  },
  {
    op: 'depthwiseConv2dBackpropFilter', f: (a, dy) => tw.depthwiseConv2dBackpropFilter(a, dy, [2, 2, 2, 2], 2, 'same'),
    inputs: [x, r([1, 2, 2, 4])],
  },
  { op: 'conv3d', f: (a, w) => tw.conv3d(a, w, 1, 'same'), inputs: [x3d, filter3d] },
  { op: 'conv3dTranspose', f: (dy, w) => tw.conv3dTranspose(dy, w, [1, 3, 3, 3, 1], 2, 'valid'), inputs: [r([1, 1, 1, 1, 2]), filter3d] },
  { op: 'conv3dBackpropFilter', f: (a, dy) => tw.conv3dBackpropFilter(a, dy, [2, 2, 2, 1, 2], 1, 'valid'), inputs: [x3d, r([1, 2, 2, 2, 2])] },
  { op: 'conv2d', name: 'conv1d', f: (a, w) => tw.conv1d(a, w, 2, 'same'), inputs: [r([2, 5, 2]), r([3, 2, 2])] },
  { op: 'depthwiseConv2d', name: 'separableConv2d', f: (a, d, p) => tw.separableConv2d(a, d, p, 1, 'valid'), inputs: [x, depthwise, r([1, 1, 4, 2])] },
  { op: 'maxPool', f: (a) => tw.maxPool(a, 2, 1, 'same'), inputs: [poolInput] },
  { op: 'dilation2d', f: (a, w) => tw.dilation2d(a, w, 1, 'same', 2), inputs: [poolInput, { shape: [2, 2, 1], values: [0.1, 0.7, 0.3, 0.45] }] },
  { op: 'avgPool', f: (a) => tw.avgPool(a, 3, 2, 'same'), inputs: [x] },
  { op: 'avgPoolGrad', f: (dy) => tw.avgPoolGrad(dy, [1, 4, 4, 2], 3, 2, 'same'), inputs: [r([1, 2, 2, 2])] },
  { op: 'maxPool3d', f: (a) => tw.maxPool3d(a, 2, 1, 'valid'), inputs: [{ shape: [1, 2, 2, 4, 1], values: poolInput.values }] },
  { op: 'avgPool3d', f: (a) => tw.avgPool3d(a, 2, 1, 'same'), inputs: [x3d] },
  { op: 'avgPool3dGrad', f: (dy) => tw.avgPool3dGrad(dy, [1, 3, 3, 3, 1], 2, 2, 'valid'), inputs: [r([1, 1, 1, 1, 1])] },
  ...['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'hardswish'].map((activation) => ({
    op: 'fusedMatMul', name: `fused.matMul ${activation}`,
    f: (a, b, bias) => tw.fused.matMul({ a, b, bias, activation, leakyreluAlpha: 0.3 }),
    inputs: [r([3, 4]), r([4, 2]), r([2])],
  })),
  {
    // alpha <= 0: the output's sign no longer tells the pre-activation's, so the gradient recomputes it
    op: 'fusedMatMul', name: 'fused.matMul leakyrelu, negative alpha',
    f: (a, b, bias) => tw.fused.matMul({ a, b, bias, activation: 'leakyrelu', leakyreluAlpha: -0.5 }),
    inputs: [r([3, 4]), r([4, 2]), r([2])],
  },
  {
    op: 'fusedMatMul', name: 'fused.matMul prelu, transposed',
    f: (a, b, bias, weights) => tw.fused.matMul({ a, b, transposeA: true, transposeB: true, bias, activation: 'prelu', preluActivationWeights: weights }),
    inputs: [r([4, 3]), r([2, 4]), r([2]), r([2], 0.1, 0.5)],
  },
  {
    op: 'fusedConv2d', f: (a, w, bias) => tw.fused.conv2d({ x: a, filter: w, strides: 1, pad: 'same', bias, activation: 'elu' }),
    inputs: [x, filter, r([2])],
  },
  {
    op: 'fusedConv2d', name: 'fused.conv2d prelu',
    f: (a, w, bias, weights) => tw.fused.conv2d({ x: a, filter: w, strides: 2, pad: 'valid', bias, activation: 'prelu', preluActivationWeights: weights }),
    inputs: [x, filter, r([2]), r([2], 0.1, 0.5)],
  },
  {
    op: 'fusedDepthwiseConv2d',
    f: (a, w, bias) => tw.fused.depthwiseConv2d({ x: a, filter: w, strides: 1, pad: 'same', bias, activation: 'sigmoid' }),
    inputs: [x, depthwise, r([4])],
  },
  // An addend (a residual connection) before the activation gets the activation's gradient.
  {
    op: 'fusedConv2d', name: 'fused.conv2d prelu with an addend',
    f: (a, w, bias, weights, addend) => tw.fused.conv2d({ x: a, filter: w, strides: 2, pad: 'valid', bias, activation: 'prelu',
      preluActivationWeights: weights, addend }),
    inputs: [x, filter, r([2]), r([2], 0.1, 0.5), r([1, 1, 1, 2])],
  },
  {
    op: 'fusedMatMul', name: 'fused.matMul relu with an addend',
    f: (a, b, bias, addend) => tw.fused.matMul({ a, b, bias, activation: 'relu', addend }),
    inputs: [r([3, 4]), r([4, 2]), r([2]), r([3, 2])],
  },
  // One after the activation (tensorweb's addendAfterActivation) gets dy itself; the activation's derivative comes
  // from the output less the addend (sigmoid) or from the recomputed pre-activation (hardswish).
  ...['sigmoid', 'hardswish'].map((activation) => ({
    op: 'fusedMatMul', name: `fused.matMul ${activation}, the addend after it`,
    f: (a, b, bias, addend) => tw.fused.matMul({ a, b, bias, activation, addend, addendAfterActivation: true }),
    inputs: [r([3, 4]), r([4, 2]), r([2]), r([3, 2])],
  })),
  {
    op: 'fusedDepthwiseConv2d', name: 'fused.depthwiseConv2d relu, its input added after the activation',
    f: (a, w, bias) => tw.fused.depthwiseConv2d({ x: a, filter: w, strides: 1, pad: 'same', bias, activation: 'relu', addend: a,
      addendAfterActivation: true }),
    inputs: [x, r([2, 2, 2, 1]), r([2])],
  },
  { op: 'softmax', f: (a) => tw.softmax(a), inputs: [r([2, 3], -2, 2)] },
  { op: 'logSoftmax', f: (a) => tw.logSoftmax(a, 0), inputs: [r([3, 2], -2, 2)] },
  { op: 'batchNorm', f: (a, m, v, o, s) => tw.batchNorm(a, m, v, o, s, 0.01), inputs: [r([2, 3]), r([3]), r([3], 0.5, 1.5), r([3]), r([3])] },
  {
    op: 'batchNorm', name: 'batchNorm moments along a middle axis, scale without offset',
    f: (a, m, v, s) => tw.batchNorm(a, m, v, null, s), inputs: [r([2, 3, 2]), r([3, 1]), r([1, 3, 1], 0.5, 1.5), r([2])],
  },
  { op: 'layerNorm', f: (a, g, b) => tw.layerNorm(a, g, b), inputs: [r([2, 4]), r([4]), r([4])] },
  { op: 'layerNorm', name: 'layerNorm axes [0, 2], no gamma or beta', f: (a) => tw.layerNorm(a, null, null, { axis: [0, 2] }), inputs: [r([2, 3, 2])] },
  {
    op: 'layerNorm', name: 'layerNorm along a middle axis, gamma per batch row',
    // A row of 3 values of [-1, 1] may have a small variance, which curves the output faster than a step of 1e-2 resolves.
    f: (a, g, b) => tw.layerNorm(a, g, b, { axis: 1 }), inputs: [r([2, 3, 2]), r([2, 3, 1]), r([1])], eps: 2e-3,
  },
  { op: 'localResponseNormalization', f: (a) => tw.localResponseNormalization(a, 1, 1, 0.5, 0.75), inputs: [r([1, 1, 2, 4])] },
  { op: 'localResponseNormalization', name: 'localResponseNormalization rank 3, radius past the channels', f: (a) => tw.localResponseNormalization(a, 3, 2, 0.3, 0.5), inputs: [r([2, 2, 3])] },
  { op: 'dropout', f: (a) => tw.dropout(a, 0.4, undefined, 5), inputs: [r([3, 4])] },
  { op: 'resizeBilinear', f: (a) => tw.resizeBilinear(a, [3, 5], false, true), inputs: [r([1, 2, 3, 2])] },
  { op: 'resizeBilinear', name: 'resizeBilinear alignCorners', f: (a) => tw.resizeBilinear(a, [4, 2], true), inputs: [r([1, 3, 3, 1])] },
  { op: 'resizeNearestNeighbor', f: (a) => tw.resizeNearestNeighbor(a, [3, 5]), inputs: [r([1, 2, 3, 2])] },
];

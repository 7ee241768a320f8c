// Registers the WebGPU backend (preferred over the CPU where WebGPU exists)
// and its kernels with the op registry. Ops without an entry here would run
// on the CPU reference kernel; ./README.md lists any such op and why.
import '../../ops/index.js';
import { getEngine } from '../../core/engine.js';
import { listOps, registerKernel } from '../../ops/registry.js';
import { WebGpuBackend } from './backend.js';
import type { WebGpuKernel } from './kernels/common.js';
import {
  addNKernel, aliasKernel, binaryKernel, castKernel, eyeKernel, fillKernel, linspaceKernel, oneHotKernel, randomKernel, rangeKernel,
  unaryKernel, whereKernel,
} from './kernels/elementwise.js';
import { fusedMatMulKernel, matMulKernel } from './kernels/matmul.js';
import {
  convBackpropFilterKernel, convBackpropInputKernel, convKernel, depthwiseBackpropFilterKernel, depthwiseBackpropInputKernel,
  depthwiseConv2dKernel, fusedConv2dKernel, fusedDepthwiseConv2dKernel, poolGradKernel, poolKernel,
} from './kernels/conv.js';
import { argReduceKernel, reduceKernel, scanKernel, topkKernel } from './kernels/reduce.js';
import { softmaxKernel } from './kernels/norm.js';
import {
  broadcastToKernel, concatKernel, gatherKernel, gatherNDKernel, mirrorPadKernel, padKernel, reverseKernel, scatterNDKernel,
  resizeKernel, sliceKernel, splitKernel, stridedSliceKernel, transposeKernel,
} from './kernels/shape.js';

const UNARY_OPS = [
  'neg', 'abs', 'sign', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'reciprocal', 'square', 'sin', 'cos', 'tan',
  'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'erf', 'floor', 'ceil', 'round', 'relu',
  'relu6', 'leakyRelu', 'elu', 'selu', 'gelu', 'sigmoid', 'logSigmoid', 'softplus', 'softsign', 'silu', 'hardSigmoid',
  'hardSwish', 'isNaN', 'isInf', 'isFinite', 'logicalNot', 'clipByValue', 'step',
];
const BINARY_OPS = [
  'add', 'sub', 'mul', 'div', 'divNoNan', 'floorDiv', 'mod', 'pow', 'maximum', 'minimum', 'squaredDifference', 'atan2',
  'prelu', 'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual', 'logicalAnd', 'logicalOr', 'logicalXor',
];

/** Every WebGPU kernel, by registry op name. */
export const WEBGPU_KERNELS: Record<string, WebGpuKernel> = {
  ...Object.fromEntries(UNARY_OPS.map((name) => [name, unaryKernel(name)])),
  ...Object.fromEntries(BINARY_OPS.map((name) => [name, binaryKernel(name)])),
  where: whereKernel,
  addN: addNKernel,
  cast: castKernel,
  fill: fillKernel,
  range: rangeKernel,
  linspace: linspaceKernel,
  eye: eyeKernel,
  oneHot: oneHotKernel,
  randomUniform: randomKernel(0),
  randomNormal: randomKernel(1),
  truncatedNormal: randomKernel(2),
  clone: aliasKernel,
  reshape: aliasKernel,
  ...Object.fromEntries(['sum', 'mean', 'prod', 'max', 'min', 'all', 'any'].map((name) => [name, reduceKernel(name)])),
  argMax: argReduceKernel('argMax'),
  argMin: argReduceKernel('argMin'),
  cumsum: scanKernel('cumsum'),
  softmax: softmaxKernel(false),
  logSoftmax: softmaxKernel(true),
  cumprod: scanKernel('cumprod'),
  transpose: transposeKernel,
  slice: sliceKernel,
  reverse: reverseKernel,
  broadcastTo: broadcastToKernel,
  concat: concatKernel,
  split: splitKernel,
  pad: padKernel,
  mirrorPad: mirrorPadKernel,
  gather: gatherKernel,
  gatherND: gatherNDKernel,
  scatterND: scatterNDKernel,
  stridedSlice: stridedSliceKernel,
  topk: topkKernel,
  resizeBilinear: resizeKernel(true),
  resizeNearestNeighbor: resizeKernel(false),
  matMul: matMulKernel,
  fusedMatMul: fusedMatMulKernel,
  conv2d: convKernel(2),
  conv3d: convKernel(3),
  conv2dTranspose: convBackpropInputKernel(2),
  conv3dTranspose: convBackpropInputKernel(3),
  conv2dBackpropFilter: convBackpropFilterKernel(2),
  conv3dBackpropFilter: convBackpropFilterKernel(3),
  fusedConv2d: fusedConv2dKernel,
  depthwiseConv2d: depthwiseConv2dKernel,
  fusedDepthwiseConv2d: fusedDepthwiseConv2dKernel,
  depthwiseConv2dBackpropInput: depthwiseBackpropInputKernel,
  depthwiseConv2dBackpropFilter: depthwiseBackpropFilterKernel,
  maxPool: poolKernel(2, false),
  avgPool: poolKernel(2, true),
  maxPool3d: poolKernel(3, false),
  avgPool3d: poolKernel(3, true),
  maxPoolGrad: poolGradKernel(2, false),
  avgPoolGrad: poolGradKernel(2, true),
  maxPool3dGrad: poolGradKernel(3, false),
  avgPool3dGrad: poolGradKernel(3, true),
};

const registered = new Set(listOps());
for (const [name, kernel] of Object.entries(WEBGPU_KERNELS)) {
  // Ops other modules have not defined (yet) keep their kernel here until they exist.
  if (!registered.has(name)) continue;
  registerKernel('webgpu', name, (args) => (args.backend as WebGpuBackend).runKernel(name, () => kernel(args)));
}

getEngine().registerBackend('webgpu', () => WebGpuBackend.create(), 2);

// Registers the WebGPU backend (preferred over the CPU where WebGPU exists)
// and its kernels with the op registry. Ops without an entry here run on the
// CPU reference kernel; ./README.md lists them and why.
import '../../ops/index.js';
import { getEngine } from '../../core/engine.js';
import { listOps, registerKernel } from '../../ops/registry.js';
import { WebGpuBackend } from './backend.js';
import type { WebGpuKernel } from './kernels/common.js';
import {
  addNKernel, aliasKernel, binaryKernel, castKernel, eyeKernel, fillKernel, linspaceKernel, oneHotKernel, rangeKernel,
  unaryKernel, whereKernel,
} from './kernels/elementwise.js';
import { fusedMatMulKernel, matMulKernel } from './kernels/matmul.js';
import { argReduceKernel, reduceKernel, scanKernel } from './kernels/reduce.js';
import {
  broadcastToKernel, concatKernel, gatherKernel, gatherNDKernel, mirrorPadKernel, padKernel, reverseKernel, scatterNDKernel,
  sliceKernel, splitKernel, transposeKernel,
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
  clone: aliasKernel,
  reshape: aliasKernel,
  ...Object.fromEntries(['sum', 'mean', 'prod', 'max', 'min', 'all', 'any'].map((name) => [name, reduceKernel(name)])),
  argMax: argReduceKernel('argMax'),
  argMin: argReduceKernel('argMin'),
  cumsum: scanKernel('cumsum'),
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
  matMul: matMulKernel,
  fusedMatMul: fusedMatMulKernel,
};

const registered = new Set(listOps());
for (const [name, kernel] of Object.entries(WEBGPU_KERNELS)) {
  // Ops other modules have not defined (yet) keep their kernel here until they exist.
  if (!registered.has(name)) continue;
  registerKernel('webgpu', name, (args) => {
    (args.backend as WebGpuBackend).currentOp = name;
    return kernel(args);
  });
}

getEngine().registerBackend('webgpu', () => WebGpuBackend.create(), 2);

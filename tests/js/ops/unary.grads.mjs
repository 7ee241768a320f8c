// Gradient cases of the unary ops: inputs keep clear of kinks and domain edges.
import * as tw from '../../../js/dist/tensorweb.js';

const general = { shape: [2, 3], values: [-2.3, -1.7, -0.6, 0.4, 1.1, 2.6] };
const positive = { shape: [2, 3], values: [0.3, 0.7, 1.2, 1.9, 2.5, 3.1] };
const unit = { shape: [2, 3], values: [-0.8, -0.45, -0.1, 0.15, 0.5, 0.85] };
const aboveOne = { shape: [2, 3], values: [1.2, 1.5, 2, 2.5, 3, 4] };
const wide = { shape: [2, 4], values: [-7, -4.5, -2.2, -0.5, 0.7, 2.8, 5.1, 7.5] };

// op: [input, ...attribute arguments]
const table = {
  neg: [general], abs: [general], sign: [general], exp: [general], expm1: [general], log: [positive],
  log1p: [positive], sqrt: [positive], rsqrt: [positive], reciprocal: [positive], square: [general],
  sin: [general], cos: [general], tan: [unit], asin: [unit], acos: [unit], atan: [general], sinh: [general],
  cosh: [general], tanh: [general], asinh: [general], acosh: [aboveOne], atanh: [unit], erf: [general],
  floor: [general], ceil: [general], round: [general], relu: [general], relu6: [wide],
  leakyRelu: [general, 0.1], elu: [general], selu: [general], gelu: [general], sigmoid: [general],
  logSigmoid: [general], softplus: [general], softsign: [general], silu: [general], hardSigmoid: [wide],
  hardSwish: [wide], clipByValue: [general, -1, 1.5], step: [general, 0.3],
};

export const cases = [
  ...Object.entries(table).map(([op, [input, ...attrs]]) => ({
    op, f: (x) => tw[op](x, ...attrs), inputs: [input],
  })),
  { op: 'hardSigmoid', name: 'hardSigmoid alpha 0.2', f: (x) => tw.hardSigmoid(x, 0.2, 0.5), inputs: [wide] },
  { op: 'gelu', name: 'gelu tanh approximation', f: (x) => tw.gelu(x, true), inputs: [general] },
  { op: 'cast', name: 'cast float32 to float16 and back', f: (x) => tw.cast(x, 'float16').mul(1), inputs: [general], eps: 0.25, rtol: 2e-2 },
];

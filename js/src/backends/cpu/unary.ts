// Scalar functions of the unary ops, computed in float64 and stored in the
// output dtype. Keyed by registry op name; ops/unary.ts wraps each in
// `unaryKernel`.

const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** erf to float64 accuracy: Taylor series near 0, continued fraction for erfc in the tails. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let total = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * total; n++) {
      term *= -x2 / n;
      total += term / (2 * n + 1);
    }
    return Math.sign(x) * total * 2 / Math.sqrt(Math.PI);
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail.
  let fraction = ax;
  for (let k = 60; k >= 1; k--) fraction = ax + (k / 2) / fraction;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / fraction;
  return Math.sign(x) * (1 - erfc);
}

/** Round half to even, as numpy and TF.js round. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

const relu6 = (x: number) => Math.min(Math.max(x, 0), 6);

export const unaryFns = {
  neg: (x: number) => -x,
  abs: Math.abs,
  sign: Math.sign,
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x: number) => 1 / Math.sqrt(x),
  reciprocal: (x: number) => 1 / x,
  square: (x: number) => x * x,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  relu: (x: number) => Math.max(x, 0),
  relu6,
  leakyRelu: (x: number, { alpha }: { alpha: number }) => (x < 0 ? alpha * x : x),
  elu: (x: number) => (x > 0 ? x : Math.expm1(x)),
  selu: (x: number) => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x)),
  gelu: (x: number, { approximate }: { approximate: boolean }) => (approximate
    ? 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
    : 0.5 * x * (1 + erf(x / Math.SQRT2))),
  sigmoid,
  logSigmoid: (x: number) => -softplus(-x),
  softplus,
  softsign: (x: number) => x / (1 + Math.abs(x)),
  silu: (x: number) => x * sigmoid(x),
  hardSigmoid: (x: number, { alpha, beta }: { alpha: number; beta: number }) => Math.max(0, Math.min(1, alpha * x + beta)),
  hardSwish: (x: number) => (x * relu6(x + 3)) / 6,
  isNaN: (x: number) => (Number.isNaN(x) ? 1 : 0),
  isInf: (x: number) => (x === Infinity || x === -Infinity ? 1 : 0),
  isFinite: (x: number) => (Number.isFinite(x) ? 1 : 0),
  logicalNot: (x: number) => (x ? 0 : 1),
  clipByValue: (x: number, { clipValueMin, clipValueMax }: { clipValueMin: number; clipValueMax: number }) =>
    Math.min(Math.max(x, clipValueMin), clipValueMax),
  step: (x: number, { alpha }: { alpha: number }) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : alpha),
};

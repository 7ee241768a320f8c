// Scalar functions of the broadcasting binary ops, keyed by registry op name;
// ops/binary.ts wraps each in `binaryKernel`. `binaryIntFns` replace them
// where int32 needs exact integer arithmetic.

/** Floored modulo: the result takes the divisor's sign (numpy, TF.js). */
function mod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

const bool = (condition: boolean) => (condition ? 1 : 0);

export const binaryFns = {
  add: (a: number, b: number) => a + b,
  sub: (a: number, b: number) => a - b,
  mul: (a: number, b: number) => a * b,
  div: (a: number, b: number) => a / b,
  divNoNan: (a: number, b: number) => (b === 0 ? 0 : a / b),
  floorDiv: (a: number, b: number) => Math.floor(a / b),
  mod,
  // IEEE pow: 1 to any power (NaN included) is 1.
  pow: (a: number, b: number) => (a === 1 ? 1 : a ** b),
  maximum: (a: number, b: number) => Math.max(a, b),
  minimum: (a: number, b: number) => Math.min(a, b),
  squaredDifference: (a: number, b: number) => (a - b) * (a - b),
  atan2: (a: number, b: number) => Math.atan2(a, b),
  prelu: (x: number, alpha: number) => (x < 0 ? alpha * x : x),
  equal: (a: number, b: number) => bool(a === b),
  notEqual: (a: number, b: number) => bool(a !== b),
  less: (a: number, b: number) => bool(a < b),
  lessEqual: (a: number, b: number) => bool(a <= b),
  greater: (a: number, b: number) => bool(a > b),
  greaterEqual: (a: number, b: number) => bool(a >= b),
  logicalAnd: (a: number, b: number) => bool(!!a && !!b),
  logicalOr: (a: number, b: number) => bool(!!a || !!b),
  logicalXor: (a: number, b: number) => bool(!!a !== !!b),
  bitwiseAnd: (a: number, b: number) => a & b,
};

export const binaryIntFns: Partial<Record<keyof typeof binaryFns, (a: number, b: number) => number>> = {
  mul: Math.imul,
  // Division by zero gives 0, as numpy does for integers.
  floorDiv: (a, b) => (b === 0 ? 0 : Math.floor(a / b)),
  mod: (a, b) => (b === 0 ? 0 : mod(a, b)),
  pow: (a, b) => Math.round(a ** b),
};

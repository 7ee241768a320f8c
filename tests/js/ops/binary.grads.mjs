// Gradient cases of the binary ops, including broadcast operands (whose
// gradients are summed back to their shape).
import * as tw from '../../../js/dist/tensorweb.js';

const a23 = { shape: [2, 3], values: [-2.3, -1.7, -0.6, 0.4, 1.1, 2.6] };
const b3 = { shape: [3], values: [0.7, -1.3, 1.9] };
const b21 = { shape: [2, 1], values: [1.6, -0.9] };
const positive23 = { shape: [2, 3], values: [0.4, 0.8, 1.3, 1.7, 2.2, 2.9] };
const modA = { shape: [2, 3], values: [-3.3, -1.2, 0.3, 1.4, 2.7, 5.1] };
const modB = { shape: [3], values: [1.7, -2.3, 2.9] };

const pairs = {
  add: [a23, b3], sub: [a23, b21], mul: [a23, b3], div: [a23, b3], divNoNan: [a23, b21], mod: [modA, modB],
  pow: [positive23, b3], maximum: [a23, b3], minimum: [a23, b21], squaredDifference: [a23, b3],
  atan2: [a23, b21], prelu: [a23, { shape: [3], values: [0.1, 0.25, 0.5] }],
};

export const cases = [
  ...Object.entries(pairs).map(([op, inputs]) => ({ op, f: (a, b) => tw[op](a, b), inputs })),
  { op: 'mul', name: 'mul rank 0 with matrix', f: (a, b) => tw.mul(a, b), inputs: [{ shape: [], values: [1.3] }, a23] },
  {
    op: 'where', f: (a, b) => tw.where(tw.tensor([[true, false, true], [false, false, true]]), a, b),
    inputs: [a23, b3],
  },
  { op: 'addN', f: (a, b, c) => tw.addN([a, b, c]), inputs: [a23, positive23, modA] },
];

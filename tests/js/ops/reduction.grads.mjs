// Gradient cases of the reductions and scans (and the decompositions built on them).
import * as tw from '../../../js/dist/tensorweb.js';

const x234 = { shape: [2, 3, 4], low: -2, high: 2 };
// Distinct values, so max/min have a unique winner per group.
const distinct = { shape: [2, 3], values: [-2.3, 1.7, -0.6, 0.4, 2.1, -1.2] };
const positive = { shape: [2, 3], values: [0.6, 1.3, 0.9, 1.7, 0.8, 1.2] };
const withZero = { shape: [2, 3], values: [0.6, 0, 0.9, 1.7, 0.8, 1.2] };

export const cases = [
  { op: 'sum', f: (x) => tw.sum(x, [0, 2]), inputs: [x234] },
  { op: 'sum', name: 'sum all, keepDims', f: (x) => tw.sum(x, null, true), inputs: [x234] },
  { op: 'mean', f: (x) => tw.mean(x, 1, true), inputs: [x234] },
  { op: 'prod', f: (x) => tw.prod(x, 1), inputs: [positive] },
  { op: 'prod', name: 'prod with a zero', f: (x) => tw.prod(x, 1), inputs: [withZero] },
  { op: 'max', f: (x) => tw.max(x, 1), inputs: [distinct] },
  { op: 'min', f: (x) => tw.min(x, 0, true), inputs: [distinct] },
  { op: 'cumsum', f: (x) => tw.cumsum(x, 1), inputs: [distinct] },
  { op: 'cumsum', name: 'cumsum exclusive reverse', f: (x) => tw.cumsum(x, 1, true, true), inputs: [distinct] },
  { op: 'cumprod', f: (x) => tw.cumprod(x, 1), inputs: [positive] },
  { op: 'cumprod', name: 'cumprod exclusive reverse', f: (x) => tw.cumprod(x, 0, true, true), inputs: [positive] },
  { op: 'logSumExp', f: (x) => tw.logSumExp(x, 1), inputs: [x234] },
  { op: 'moments', f: (x) => { const { mean, variance } = tw.moments(x, [0, 1]); return tw.add(mean, variance); }, inputs: [x234] },
  { op: 'norm', f: (x) => tw.norm(x), inputs: [distinct] },
  { op: 'norm', name: 'norm ord 1 axis 1', f: (x) => tw.norm(x, 1, 1), inputs: [distinct] },
  { op: 'norm', name: 'norm matrix ord 1', f: (x) => tw.norm(x, 1, [0, 1]), inputs: [distinct] },
];

// Gradient cases of the differentiable creation ops (the rest make constants).
import * as tw from '../../../js/dist/tensorweb.js';

export const cases = [
  { op: 'clone', f: (x) => tw.clone(x).mul(x), inputs: [{ shape: [2, 2], values: [0.5, -1.5, 2, 3] }] },
];

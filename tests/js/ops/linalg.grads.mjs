// Gradient cases of matMul and the decompositions on it.
import * as tw from '../../../js/dist/tensorweb.js';

const r = (shape) => ({ shape, low: -2, high: 2 });

export const cases = [
  { op: 'matMul', f: (a, b) => tw.matMul(a, b), inputs: [r([3, 4]), r([4, 2])] },
  { op: 'matMul', name: 'matMul transposeA', f: (a, b) => tw.matMul(a, b, true, false), inputs: [r([4, 3]), r([4, 2])] },
  { op: 'matMul', name: 'matMul transposeB', f: (a, b) => tw.matMul(a, b, false, true), inputs: [r([3, 4]), r([2, 4])] },
  { op: 'matMul', name: 'matMul both transposed', f: (a, b) => tw.matMul(a, b, true, true), inputs: [r([4, 3]), r([2, 4])] },
  { op: 'matMul', name: 'matMul broadcast batch', f: (a, b) => tw.matMul(a, b), inputs: [r([2, 1, 2, 3]), r([3, 3, 2])] },
  { op: 'dot', f: (a, b) => tw.dot(a, b), inputs: [r([3]), r([3, 2])] },
  { op: 'outerProduct', f: (a, b) => tw.outerProduct(a, b), inputs: [r([3]), r([2])] },
  { op: 'einsum', f: (a, b) => tw.einsum('bhqd,bhkd->bhqk', a, b), inputs: [r([1, 2, 3, 2]), r([1, 2, 2, 2])] },
  { op: 'einsum', name: 'einsum with a private sum', f: (a, b) => tw.einsum('ik,jk->i', a, b), inputs: [r([2, 3]), r([2, 3])] },
  { op: 'einsum', name: 'einsum one operand', f: (a) => tw.einsum('ijk->kj', a), inputs: [r([2, 3, 2])] },
];

// Gradient cases of the shape ops (kernels and decompositions).
import * as tw from '../../../js/dist/tensorweb.js';

const x234 = { shape: [2, 3, 4], low: -2, high: 2 };
const x23 = { shape: [2, 3], low: -2, high: 2 };
const indices = (shape, values) => ({ shape, values, dtype: 'int32' });
// Distinct values so topk's winners do not move under the finite-difference step.
const distinct = { shape: [2, 4], values: [0.3, -1.2, 2.5, 0.9, -0.4, 1.7, 0.1, -2.2] };

export const cases = [
  { op: 'reshape', f: (x) => tw.reshape(x, [4, 6]), inputs: [x234] },
  { op: 'transpose', f: (x) => tw.transpose(x, [2, 0, 1]), inputs: [x234] },
  { op: 'slice', f: (x) => tw.slice(x, [1, 0, 1], [1, 2, -1]), inputs: [x234] },
  { op: 'reverse', f: (x) => tw.reverse(x, [0, 2]), inputs: [x234] },
  { op: 'pad', f: (x) => tw.pad(x, [[1, 0], [2, 1]], 3), inputs: [x23] },
  { op: 'mirrorPad', f: (x) => tw.mirrorPad(x, [[1, 1], [2, 2]], 'reflect'), inputs: [x23] },
  { op: 'mirrorPad', name: 'mirrorPad symmetric', f: (x) => tw.mirrorPad(x, [[2, 0], [0, 3]], 'symmetric'), inputs: [x23] },
  { op: 'broadcastTo', f: (x) => tw.broadcastTo(x, [2, 2, 3]), inputs: [{ shape: [2, 1, 3], low: -2, high: 2 }] },
  { op: 'broadcastTo', name: 'broadcastTo adds leading dims', f: (x) => tw.broadcastTo(x, [3, 2, 3]), inputs: [x23] },
  { op: 'broadcastTo', name: 'tile', f: (x) => tw.tile(x, [2, 3]), inputs: [x23] },
  { op: 'reshape', name: 'expandDims', f: (x) => tw.expandDims(x, 1), inputs: [x23] },
  { op: 'reshape', name: 'squeeze', f: (x) => tw.squeeze(x), inputs: [{ shape: [1, 3, 1], low: -2, high: 2 }] },
  { op: 'concat', f: (a, b) => tw.concat([a, b], 1), inputs: [x23, { shape: [2, 2], low: -2, high: 2 }] },
  { op: 'concat', name: 'stack', f: (a, b) => tw.stack([a, b], 2), inputs: [x23, x23] },
  { op: 'split', f: (x) => { const [a, b] = tw.split(x, [1, 3], 2); return tw.add(tw.mul(a, 2), tw.sum(b, 2, true)); }, inputs: [x234] },
  { op: 'split', name: 'split, one part used', f: (x) => tw.split(x, 3, 1)[2], inputs: [x23] },
  { op: 'split', name: 'unstack', f: (x) => { const parts = tw.unstack(x, 1); return tw.sub(parts[0], tw.mul(parts[2], 3)); }, inputs: [x23] },
  { op: 'stridedSlice', f: (x) => tw.stridedSlice(x, [1, 0, 3], [2, 3, 0], [1, 2, -2]), inputs: [x234] },
  {
    op: 'stridedSlice', name: 'stridedSlice with masks',
    f: (x) => tw.stridedSlice(x, [0, 1, 0], [0, 3, 0], [1, 1, 1], 0, 0, 1, 0, 0), inputs: [x234],
  },
  { op: 'gather', f: (x, i) => tw.gather(x, i, 1), inputs: [x234, indices([4], [2, 0, 2, 1])] },
  { op: 'gather', name: 'gather batchDims 1', f: (x, i) => tw.gather(x, i, 2, 1), inputs: [x234, indices([2, 3], [3, 0, 3, 1, 1, 2])] },
  { op: 'gatherND', f: (x, i) => tw.gatherND(x, i), inputs: [x234, indices([3, 2], [0, 1, 1, 2, 0, 1])] },
  { op: 'scatterND', f: (u, i) => tw.scatterND(i, u, [4, 3]), inputs: [x23, indices([2, 1], [2, 2])] },
  {
    op: 'tensorScatterUpdate', f: (x, u, i) => tw.tensorScatterUpdate(x, i, u),
    inputs: [{ shape: [4, 3], low: -2, high: 2 }, x23, indices([2, 1], [3, 1])],
  },
  { op: 'topk', f: (x) => tw.topk(x, 2).values, inputs: [distinct] },
  { op: 'reshape', name: 'depthToSpace', f: (x) => tw.depthToSpace(x, 2), inputs: [{ shape: [1, 2, 1, 4], low: -2, high: 2 }] },
  { op: 'pad', name: 'spaceToBatchND', f: (x) => tw.spaceToBatchND(x, [2, 2], [[0, 1], [1, 0]]), inputs: [{ shape: [1, 3, 3, 1], low: -2, high: 2 }] },
  { op: 'slice', name: 'batchToSpaceND', f: (x) => tw.batchToSpaceND(x, [2, 1], [[1, 0], [0, 0]]), inputs: [{ shape: [2, 2, 2, 1], low: -2, high: 2 }] },
];

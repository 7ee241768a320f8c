import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { goldenTests } from '../helpers/golden.mjs';
import { gradientTests } from '../helpers/gradcheck.mjs';
import { cases } from './shape.grads.mjs';
import { assertOpError } from './shape.errors.mjs';

goldenTests('shape');
gradientTests('shape', cases);

test('shape op errors name the op, the input or attribute, and leak nothing', () => {
  const x = () => [tw.zeros([2, 3, 4])];
  assertOpError(x, (t) => tw.reshape(t, [5, 5]), [/^tw\.reshape:/, /attribute shape \[5,5\]/, /inputs: x: \[2,3,4\] float32/]);
  // 24 / 7 is no whole dimension, though the sizes multiply back to 24
  assertOpError(x, (t) => tw.reshape(t, [-1, 7]), [/^tw\.reshape:/, /attribute shape \[-1,7\] does not fit the input's 24 elements/]);
  assertOpError(x, (t) => tw.transpose(t, [0, 0, 1]), [/^tw\.transpose:/, /perm \[0,0,1\] is not a permutation/]);
  assertOpError(x, (t) => tw.slice(t, [0, 2], [1, 2]), [/^tw\.slice:/, /attribute size/, /dim 1/]);
  assertOpError(x, (t) => tw.pad(t, [[1, 1]]), [/^tw\.pad:/, /paddings has 1 pairs for rank 3/]);
  assertOpError(x, (t) => tw.mirrorPad(t, [[0, 0], [3, 0], [0, 0]], 'reflect'), [/^tw\.mirrorPad:/, /at most 2 for mode 'reflect'/]);
  assertOpError(x, (t) => tw.mirrorPad(t, [[0, 0], [0, 0], [0, 0]], 'wrap'), [/^tw\.mirrorPad:/, /attribute 'mode' must be one of/]);
  assertOpError(x, (t) => tw.broadcastTo(t, [2, 5, 4]), [/^tw\.broadcastTo:/, /input dim 1 \(size 3\)/]);
  assertOpError(x, (t) => tw.split(t, 5, 2), [/^tw\.split:/, /numOrSizeSplits 5 does not divide axis 2/]);
  assertOpError(x, (t) => tw.squeeze(t, [1]), [/^tw\.squeeze:/, /axis 1 has size 3/]);
  assertOpError(() => [tw.zeros([2, 3, 4]), tw.zeros([2, 2, 2])], (a, b) => tw.concat([a, b], 1), [/^tw\.concat:/, /tensors\[1\] \[2,2,2\] does not match/]);
  assertOpError(x, (t) => tw.stridedSlice(t, [0], [1], [0]), [/^tw\.stridedSlice:/, /strides \[0\] has a 0/]);
  // TF.js parses gather's indices as int32: a float32 tensor is refused in its words
  assertOpError(() => [tw.zeros([2, 3, 4]), tw.tensor([0.5])], (t, i) => tw.gather(t, i),
    [/^Argument 'indices' passed to 'gather' must be int32 tensor, but got float32 tensor$/]);
  assertOpError(x, (t) => tw.gather(t, [0], 3), [/^tw\.gather:/, /axis 3 is out of range for rank 3/]);
  assertOpError(() => [tw.zeros([2, 3, 4]), tw.zeros([2, 1], 'int32')], (t, i) => tw.gather(t, i, 2, 3),
    [/^tw\.gather:/, /Expect batchDims in the range of \[-2, 2\], but got 3/]);
  assertOpError(() => [tw.zeros([2, 3, 4]), tw.zeros([2, 1], 'int32')], (t, i) => tw.gather(t, i, 0, 1),
    [/^tw\.gather:/, /batchDims \(1\) must be less than or equal to axis \(0\)/]);
  assertOpError(() => [tw.zeros([2, 3, 4]), tw.zeros([3, 1], 'int32')], (t, i) => tw.gather(t, i, 1, 1),
    [/^tw\.gather:/, /x.shape\[0\]: 2 should be equal to indices.shape\[0\]: 3/]);
  assertOpError(x, (t) => tw.slice(t, [-1, 0], [1, 1]), [/^tw\.slice:/, /slice\(\) does not support negative begin indexing/]);
  assertOpError(x, (t) => tw.topk(t, 5), [/^tw\.topk:/, /'k' passed to topk\(\) must be <= the last dimension \(4\) but got 5/]);
  assertOpError(x, (t) => tw.topk(t, -1), [/^tw\.topk:/, /'k' passed to topk\(\) must be >= 0 but got -1/]);
  assertOpError(() => [tw.zeros([2]), tw.zeros([2], 'int32')], (a, b) => tw.stack([a, b]),
    [/^tw\.stack:/, /All tensors passed to stack must have matching dtypes \(tensors\[1\] is int32/]);
  assertOpError(x, (t) => tw.depthToSpace(t, 2), [/^tw\.depthToSpace:/, /rank 4/]);
  // TF.js's checks keep its exact words (ported code compares them), before the op runs
  assertOpError(() => [tw.zeros([1, 1, 1, 4])], (t) => tw.depthToSpace(t, 3),
    [/^Dimension size must be evenly divisible by 9 but is 4 for depthToSpace with input shape 1,1,1,4$/]);
  assertOpError(() => [tw.zeros([1, 1, 1, 4])], (t) => tw.depthToSpace(t, 1), [/^blockSize should be > 1 for depthToSpace, but was: 1$/]);
  assertOpError(x, (t) => tw.unstack(t, 3), [/^Axis = 3 is not in \[-3, 3\)$/]);
  assertOpError(() => [tw.zeros([5, 1, 1, 1])], (t) => tw.batchToSpaceND(t, [2, 2], [[0, 0], [0, 0]]),
    [/^input tensor batch is 5 but is not divisible by the product of the elements of blockShape 2 \* 2 === 4$/]);
  assertOpError(() => [tw.zeros([1, 2, 3, 1])], (t) => tw.spaceToBatchND(t, [2, 2], [[0, 0], [0, 0]]),
    [/^input spatial dimensions 2,3,1 with paddings 0,0,0,0 must be divisible by blockShapes 2,2$/]);
  // the registry op (what a graph runs) says the same, named
  assertOpError(() => [tw.zeros([1, 2, 3, 1])], (t) => tw.engine().runOp('spaceToBatchND', [t], { blockShape: [2, 2], paddings: [[0, 0]] }),
    [/^tw\.spaceToBatchND: paddings.shape\[0\] 1 must be equal to \[blockShape\] 2/]);
  assertOpError(x, (t) => tw.scatterND([[0]], t, [3]), [/^tw\.scatterND:/, /input updates must have shape/]);
});

test('gather and gatherND give zeros for out-of-range indices (a GPU kernel cannot throw)', () => {
  const x = tw.tensor([[1, 2], [3, 4]]);
  assert.deepEqual(Array.from(tw.gather(x, [1, 2, -1]).dataSync()), [3, 4, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(tw.gatherND(x, [[1, 1], [2, 0]]).dataSync()), [4, 0]);
  x.dispose();
});

test('shape ops are tensor methods', () => {
  const x = tw.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(x.transpose().shape, [3, 2]);
  assert.deepEqual(x.expandDims(0).squeeze().shape, [2, 3]);
  assert.deepEqual(x.concat(x, 1).shape, [2, 6]);
  assert.deepEqual(x.stack(x).shape, [2, 2, 3]);
  assert.deepEqual(x.tile([2, 1]).slice([1, 0], [2, 3]).arraySync(), [[4, 5, 6], [1, 2, 3]]);
  assert.deepEqual(x.gather([1]).arraySync(), [[4, 5, 6]]);
  assert.deepEqual(x.topk(1).indices.arraySync(), [[2], [2]]);
});

test('booleanMaskAsync rejects a mask that does not match', async () => {
  const x = tw.zeros([2, 3]);
  await assert.rejects(tw.booleanMaskAsync(x, [true, false, true], 0), /mask's shape must match the first K dimensions of tensor's shape, Shapes 2 and 3 must match/);
  await assert.rejects(tw.booleanMaskAsync(x, true), /^Error: mask cannot be scalar$/);
  x.dispose();
});

test("TF.js's reshaping methods: as1D..as5D, asScalar, flatten, reshapeAs", () => {
  const x = tw.range(0, 6);
  assert.deepEqual(x.as2D(2, 3).shape, [2, 3]);
  assert.deepEqual(x.as3D(1, 2, 3).shape, [1, 2, 3]);
  assert.deepEqual(x.as5D(1, 1, 2, 3, 1).shape, [1, 1, 2, 3, 1]);
  assert.deepEqual(x.as4D(3, 2, 1, 1).flatten().shape, [6]);
  assert.deepEqual(x.as2D(3, 2).as1D().shape, [6]);
  assert.deepEqual(x.reshapeAs(tw.zeros([3, 2])).shape, [3, 2]);
  assert.deepEqual(tw.tensor([[4]]).asScalar().shape, []);
  assert.throws(() => x.asScalar(), /The array must have only 1 element/);
});

test("scatterND reads rank-1 indices as one index per element, as TF.js", () => {
  const out = tw.scatterND(tw.tensor([0, 4, 2], [3], 'int32'), [100, 101, 102], [5]);
  assert.deepEqual(Array.from(out.dataSync()), [100, 0, 102, 0, 101]);
  out.dispose();
});

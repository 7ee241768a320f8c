// The fixed-rank forms (concat1d.., slice1d.., reverse1d.., pad1d.., batchNorm2d..)
// against the general op they stand for, and their rank checks (TF.js's messages).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

const same = async (got, want) => {
  assert.deepEqual(got.shape, want.shape);
  assert.equal(got.dtype, want.dtype);
  assert.deepEqual(Array.from(await got.data()), Array.from(await want.data()));
};

test('tensor5d and tensor6d make tensors of that rank and refuse others', () => {
  const t5 = tw.tensor5d([[[[[1, 2]]]]]);
  assert.deepEqual(t5.shape, [1, 1, 1, 1, 2]);
  const t6 = tw.tensor6d([1, 2, 3, 4], [1, 1, 2, 1, 2, 1], 'int32');
  assert.deepEqual(t6.shape, [1, 1, 2, 1, 2, 1]);
  assert.equal(t6.dtype, 'int32');
  assert.throws(() => tw.tensor5d([1, 2]), /rank 1, expected 5/);
  tw.dispose([t5, t6]);
});

test('each fixed-rank form gives what the general op gives', async () => {
  const x2 = tw.tensor2d([[1, 2, 3], [4, 5, 6]]);
  const x4 = tw.reshape(tw.range(0, 24), [1, 2, 3, 4]);
  await same(tw.concat1d([[1, 2], [3]]), tw.concat([[1, 2], [3]], 0));
  await same(tw.concat2d([x2, x2], 1), tw.concat([x2, x2], 1));
  await same(tw.slice1d([5, 6, 7, 8], 1, 2), tw.tensor([6, 7]));
  await same(tw.slice2d(x2, [1, 0], [1, 2]), tw.slice(x2, [1, 0], [1, 2]));
  await same(tw.slice4d(x4, [0, 1, 1, 0], [1, 1, 2, -1]), tw.slice(x4, [0, 1, 1, 0], [1, 1, 2, -1]));
  await same(tw.reverse1d([1, 2, 3]), tw.tensor([3, 2, 1]));
  await same(tw.reverse2d(x2), tw.reverse(x2));
  await same(tw.reverse4d(x4, [1, 3]), tw.reverse(x4, [1, 3]));
  await same(tw.pad1d([1, 2], [1, 2], 9), tw.tensor([9, 1, 2, 9, 9]));
  await same(tw.pad2d(x2, [[0, 1], [2, 0]]), tw.pad(x2, [[0, 1], [2, 0]]));
  const [mean, variance, offset, scale] = [[1, 2, 3], [0.5, 1, 2], [0, 1, 0], [2, 2, 1]];
  await same(tw.batchNorm2d(x2, mean, variance, offset, scale, 0.01), tw.batchNorm(x2, mean, variance, offset, scale, 0.01));
  await same(tw.batchNorm2d(x2, mean, variance, undefined, scale), tw.batchNorm(x2, mean, variance, undefined, scale));
  await same(tw.batchNorm4d(x4, tw.zeros([4]), tw.ones([4])), tw.batchNorm(x4, tw.zeros([4]), tw.ones([4])));
});

test('the rank checks use TF.js\'s messages and free what they converted', () => {
  const x2 = tw.zeros([2, 2]);
  const live = tw.memory().numTensors;
  assert.throws(() => tw.slice1d(x2, 0, 1), /slice1d expects a rank-1 tensor, but got a rank-2 tensor/);
  assert.throws(() => tw.slice3d([[1]], [0, 0, 0], [1, 1, 1]), /slice3d expects a rank-3 tensor, but got a rank-2 tensor/);
  assert.throws(() => tw.reverse3d(x2), /Error in reverse3D: x must be rank 3 but got rank 2\./);
  assert.throws(() => tw.pad1d([1, 2], [1]), /Invalid number of paddings. Must be length of 2\./);
  assert.throws(() => tw.pad2d(x2, [[1, 1]]), /Invalid number of paddings/);
  assert.throws(() => tw.batchNorm3d(x2, [0, 0], [1, 1]), /Error in batchNorm3D: x must be rank 3 but got rank 2\./);
  assert.throws(() => tw.batchNorm2d(x2, tw.zeros([1, 1, 2]), [1, 1]), /Error in batchNorm2D: mean must be rank 2 or rank 1 but got rank 3\./);
  assert.throws(() => tw.slice2d({}, [0, 0], [1, 1]), /Argument 'x' passed to 'slice2d' must be a Tensor or TensorLike/);
  assert.equal(tw.memory().numTensors, live + 1); // only the mean tensor made for the last batchNorm2d call
});

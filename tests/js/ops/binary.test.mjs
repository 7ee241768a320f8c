import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { goldenTests } from '../helpers/golden.mjs';
import { gradientTests } from '../helpers/gradcheck.mjs';
import { cases } from './binary.grads.mjs';

goldenTests('binary');
gradientTests('binary', cases);

test("x.where(condition, b) is TF.js's where(condition, x, b)", () => {
  const x = tw.tensor([1, 2, 3]);
  assert.deepEqual(Array.from(x.where([true, false, true], [9, 9, 9]).dataSync()), [1, 9, 3]);
});

test("bitwiseAnd takes int32 tensors of one shape, with TF.js's errors", () => {
  const x = tw.tensor([[1, 2], [3, 4]], [2, 2], 'int32');
  assert.throws(() => tw.bitwiseAnd(x, tw.tensor([1, 2], [2], 'int32')), /BitwiseAnd: Tensors must have the same shape. x: 2,2, y: 2/);
  assert.throws(() => tw.bitwiseAnd(x, [[1, 1], [1, 1]]), /BitwiseAnd: Only supports 'int32' values in tensor, found type of x: int32 and type of y: float32/);
});

test("TF.js's dtype rules: maximum and minimum of bools are int32, div floors what upcasts to int32", () => {
  const a = tw.tensor([true, false, false, true]);
  const b = tw.tensor([false, false, true, true]);
  const max = tw.maximum(a, b);
  assert.equal(max.dtype, 'int32');
  assert.deepEqual(Array.from(max.dataSync()), [1, 0, 1, 1]);
  assert.deepEqual(Array.from(tw.minimum(a, b).dataSync()), [0, 0, 0, 1]);
  const seven = tw.tensor([7, -7], [2], 'int32');
  const floored = tw.div(seven, tw.tensor([true, true]));
  assert.equal(floored.dtype, 'int32');
  assert.deepEqual(Array.from(tw.div(seven, tw.tensor([2, 2], [2], 'int32')).dataSync()), [3, -4]);
  // a number is a float32 TensorLike: real division
  assert.deepEqual(Array.from(tw.div(seven, 2).dataSync()), [3.5, -3.5]);
  assert.throws(() => tw.addN(seven), /^Error: The argument passed to tf.addN\(\) must be a list of tensors$/);
  assert.throws(() => tw.addN([seven, tw.tensor([1, 2])]), /All tensors passed to tf.addN\(\) must have the same dtype/);
  assert.throws(() => tw.addN([]), /Must pass at least one tensor to tf.addN\(\), but got 0/);
});

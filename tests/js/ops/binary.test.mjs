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

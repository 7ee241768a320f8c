import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { goldenTests } from '../helpers/golden.mjs';
import { gradientTests } from '../helpers/gradcheck.mjs';
import { cases } from './linalg.grads.mjs';
import { assertOpError } from './shape.errors.mjs';

goldenTests('linalg');
gradientTests('linalg', cases);

test('linalg errors name the op, the operands and leak nothing', () => {
  const pair = () => [tw.zeros([2, 3]), tw.zeros([4, 5])];
  assertOpError(pair, (a, b) => tw.matMul(a, b), [/^tw\.matMul:/, /inner dims differ: a gives 3 \(transposeA=false\), b gives 4/,
    /inputs: a: \[2,3\] float32, b: \[4,5\] float32/]);
  assertOpError(() => [tw.zeros([2, 2, 3]), tw.zeros([3, 3, 2])], (a, b) => tw.matMul(a, b), [/batch dims \[2\] of a and \[3\] of b do not broadcast/]);
  assertOpError(() => [tw.zeros([3])], (a) => tw.matMul(a, a), [/rank >= 2/]);
  assertOpError(pair, (a, b) => tw.dot(a, b), [/^tw\.dot:/, /inner dims differ/]);
  // TF.js's wording after the equation
  assertOpError(pair, (a, b) => tw.einsum('ij,jk->ik', a, b),
    [/^tw\.einsum:/, /Expected dimension 3 at axis 0 of input shaped \[4,5\], but got dimension 4/]);
  assertOpError(pair, (a, b) => tw.einsum('ii,jk->ik', a, b), [/Found duplicate axes in input component ii\. .*not implemented yet/]);
  assertOpError(pair, (a, b) => tw.einsum('...i,jk->ik', a, b), [/no ellipsis/]);
  assertOpError(pair, (a, b) => tw.einsum('ij,jk,kl->il', a, b), [/Expected 3 input tensors, received 2/]);
  assertOpError(pair, (a, b) => tw.einsum('ij,jk->ik->i', a, b), [/Equation must contain exactly one arrow \("->"\) or none/]);
  assertOpError(() => [tw.zeros([2, 3]), tw.zeros([3, 5])], (a, b) => tw.einsum('ij,jk->in', a, b), [/Output subscripts contain the label n not present in the input subscripts\./]);
  assertOpError(() => [...pair(), tw.zeros([5, 2])], (a, b, c) => tw.einsum('ij,jk,kl->il', a, b, c),
    [/Support for more than 2 input tensors is not implemented yet/]);
});

test('matMul and dot are tensor methods; matMul upcasts int32 with float32', () => {
  const a = tw.tensor([[1, 2], [3, 4]], undefined, 'int32');
  const b = tw.tensor([[0.5, 0], [0, 0.5]]);
  const y = a.matMul(b);
  assert.equal(y.dtype, 'float32');
  assert.deepEqual(y.arraySync(), [[0.5, 1], [1.5, 2]]);
  const square = a.dot(a);
  assert.deepEqual(square.arraySync(), [[7, 10], [15, 22]]);
  tw.dispose([a, b, y, square]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { goldenTests } from '../helpers/golden.mjs';
import { gradientTests } from '../helpers/gradcheck.mjs';
import { cases } from './nn.grads.mjs';
import { assertOpError } from './shape.errors.mjs';

goldenTests('nn');
gradientTests('nn', cases);

test('nn op errors name the op, the input or attribute, and leak nothing', () => {
  const conv = () => [tw.zeros([1, 4, 4, 2]), tw.zeros([3, 3, 3, 2])];
  assertOpError(conv, (x, w) => tw.conv2d(x, w, 1, 'same'), [/^tw\.conv2d:/, /input filter has 3 input channels, x has 2/,
    /inputs: x: \[1,4,4,2\] float32, filter: \[3,3,3,2\] float32/]);
  assertOpError(() => [tw.zeros([4, 2]), tw.zeros([3, 3, 2, 2])], (x, w) => tw.conv2d(x, w, 1, 'same'), [/input x must have rank 4 \(or 3 without the batch dim\), got 2/]);
  const ok = () => [tw.zeros([1, 4, 4, 2]), tw.zeros([3, 3, 2, 2])];
  assertOpError(ok, (x, w) => tw.conv2d(x, w, [1, 1, 1], 'same'), [/attribute strides \[1,1,1\] needs 2 entries/]);
  assertOpError(ok, (x, w) => tw.conv2d(x, w, 1, 'full'), [/attribute 'pad' must be 'valid', 'same', an int or a list/]);
  assertOpError(ok, (x, w) => tw.conv2d(x, w, 1, [[1, 1], [1, 1], [1, 1], [0, 0]]), [/\[0, 0\] for batch and channels/]);
  assertOpError(ok, (x, w) => tw.conv2d(x, w, 1, 'same', 'NCHW'), [/attribute 'dataFormat' must be one of "NHWC"/]);
  assertOpError(ok, (x, w) => tw.conv2d(x, w, 1, 'valid', 'NHWC', 3), [/does not fit spatial dim 0 \(size 4\)/]);
  assertOpError(ok, (x, w) => tw.conv2dTranspose(x, w, [1, 9, 9, 2], 1, 'same'), [/^tw\.conv2dTranspose:/, /is not the conv2d output \[1,9,9,2\]/]);
  assertOpError(ok, (x) => tw.maxPool(x, [2, 2, 2], 1, 'valid'), [/^tw\.maxPool:/, /attribute filterSize \[2,2,2\] needs 2 entries/]);
  assertOpError(() => [tw.zeros([4, 2])], (x) => tw.avgPool3d(x, 2, 1, 'valid'), [/^tw\.avgPool3d:/, /must have rank 5 \(or 4 without the batch dim\), got 2/]);
  assertOpError(ok, (x, w) => tw.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', bias: [1, 2, 3] }), [/^tw\.fusedConv2d:/,
    /input bias \[3\] does not broadcast to the output \[1,4,4,2\]/]);
  assertOpError(ok, (x, w) => tw.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', activation: 'prelu' }),
    [/activation 'prelu' needs input preluActivationWeights/]);
  assertOpError(ok, (x, w) => tw.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', activation: 'swish' }), [/attribute 'activation' must be one of/]);
  assertOpError(ok, (x) => tw.resizeBilinear(x, [2, 2], true, true), [/alignCorners and halfPixelCenters cannot both be true/]);
  assertOpError(ok, (x) => tw.dropout(x, 1), [/^tw\.dropout:/, /attribute rate 1 must be in \[0, 1\)/]);
  assertOpError(ok, (x) => tw.softmax(x, 4), [/^tw\.softmax:/, /dim 4 is out of range for rank 4/]);
  assertOpError(ok, (x) => tw.batchNorm(x, [1, 2, 3], [1]), [/^tw\.batchNorm:/, /input mean \[3\] does not broadcast to x/]);
});

test('dropout: the same seed gives the same mask; about rate of the values are dropped; the rest scaled', () => {
  const x = tw.ones([4000]);
  const a = tw.dropout(x, 0.3, undefined, 42).dataSync();
  const b = tw.dropout(x, 0.3, undefined, 42).dataSync();
  assert.deepEqual(a, b);
  const dropped = a.filter((v) => v === 0).length / a.length;
  assert.ok(Math.abs(dropped - 0.3) < 0.03, `dropped ${dropped}`);
  assert.ok(a.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6));
  x.dispose();
});

test('conv and pool ops are tensor methods; conv2d takes a rank-3 image', () => {
  const image = tw.ones([4, 4, 1]);
  const y = image.conv2d(tw.ones([2, 2, 1, 1]), 1, 'valid').maxPool(2, 1, 'valid');
  assert.deepEqual(y.shape, [2, 2, 1]);
  assert.deepEqual(Array.from(y.dataSync()), [4, 4, 4, 4]);
});

test("a dimRoundingMode with 'same' or 'valid' pad is an error, as in TF.js", () => {
  const x = tw.zeros([1, 5, 5, 1]);
  const f = tw.zeros([2, 2, 1, 1]);
  assert.throws(() => tw.conv2d(x, f, 2, 'same', 'NHWC', 1, 'floor'),
    /tw\.conv2d: attribute pad must be an integer when using dimRoundingMode floor but got pad same/);
  assert.throws(() => tw.maxPool(x, 2, 2, 'valid', 'ceil'), /dimRoundingMode ceil but got pad valid/);
  const y = tw.conv2d(x, f, 2, 1, 'NHWC', 1, 'ceil'); // an explicit pad rounds: (5 - 2 + 2) / 2 + 1 = 3.5 -> 4
  assert.deepEqual(y.shape, [1, 4, 4, 1]);
  tw.dispose([x, f, y]);
});

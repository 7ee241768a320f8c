import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
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
  assertOpError(ok, (x, w) => tw.conv2d(x, w, 1, [[0, 0], [-1, 1], [1, 1], [0, 0]]), [/must hold 4 pairs \(batch, each spatial dim, channels\), the spatial ones non-negative/]);
  assertOpError(ok, (x, w) => tw.conv2d(x, w, 1, 'same', 'NWC'), [/attribute 'dataFormat' must be one of "NHWC"/]);
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
  assertOpError(ok, (x, w) => tw.conv2d(x, w, 1, 'same', 'NHWC', 1, 'round'), [/pad must be an integer when using dimRoundingMode round but got pad same/]);
  assertOpError(ok, (x) => tw.avgPool(x, 2, 1, 'valid', 'floor'), [/^tw\.avgPool:/, /pad must be an integer when using dimRoundingMode floor but got pad valid/]);
  const separable = () => [tw.zeros([1, 4, 4, 2]), tw.zeros([2, 2, 2, 2]), tw.zeros([1, 1, 3, 5])];
  assertOpError(separable, (x, d, p) => tw.separableConv2d(x, d, p, 1, 'same'), [/^tw\.separableConv2d:/,
    /input pointwiseFilter must be \[1, 1, 4, outC\], got \[1,1,3,5\]: dim 2 must be 4, but got 3/]);
  assertOpError(ok, (x) => tw.dropout(x, 1), [/^tw\.dropout:/, /attribute rate 1 must be in \[0, 1\)/]);
  assertOpError(ok, (x) => tw.softmax(x, 4), [/^tw\.softmax:/, /dim 4 is out of range for rank 4/]);
  assertOpError(ok, (x) => tw.batchNorm(x, [1, 2, 3], [1]), [/^tw\.batchNorm:/, /input mean \[3\] does not broadcast to x/]);
});

test("TF.js's conv functions refuse strides and dilations both above 1 in its words; the registry ops take them", () => {
  const x = tw.ones([1, 5, 5, 1]);
  const filter = tw.ones([2, 2, 1, 1]);
  try {
    assertOpError(() => [], () => tw.conv2d(x, filter, 2, 'valid', 'NHWC', 2),
      [/^Error in conv2D: Either strides or dilations must be 1. Got strides 2 and dilations '2'$/]);
    assertOpError(() => [], () => tw.fused.depthwiseConv2d({ x, filter, strides: [2, 2], pad: 'valid', dilations: [2, 1] }),
      [/^Error in fused depthwiseConv2d: Either strides or dilations must be 1/]);
    assertOpError(() => [tw.ones([1, 5, 1])], (x1) => tw.conv1d(x1, [[[1]]], 2, 'valid', 'NWC', 2),
      [/^Error in conv1D: Either stride or dilation must be 1. Got stride 2 and dilation '2'$/]);
    // what a converted ONNX graph runs: windows at 0 and 2 with taps 2 apart
    const y = tw.engine().runOp('conv2d', [x, filter], { strides: 2, pad: 'valid', dilations: 2 })[0];
    assert.deepEqual(y.shape, [1, 2, 2, 1]);
    assert.deepEqual(Array.from(y.dataSync()), [4, 4, 4, 4]);
    y.dispose();
  } finally {
    tw.dispose([x, filter]);
  }
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

test('conv2d and fused.conv2d take NCHW as TF.js does (explicit pads in NCHW order, per-channel bias and PReLU weights, gradients)', async () => {
  await tf.setBackend('cpu');
  const values = (n, k) => Array.from({ length: n }, (_, i) => ((i * k) % 11) / 5 - 1);
  const close = (ours, theirs, label) => {
    assert.deepEqual(ours.shape, theirs.shape, label);
    const a = ours.dataSync();
    theirs.dataSync().forEach((v, i) => assert.ok(Math.abs(a[i] - v) < 1e-4, `${label} [${i}] ${a[i]} vs ${v}`));
  };
  const before = tw.memory().numTensors;
  tw.tidy(() => {
    const xv = values(2 * 3 * 5 * 4, 7);
    const wv = values(3 * 3 * 3 * 4, 5);
    for (const pad of ['same', 'valid', 1, [[0, 0], [0, 0], [1, 0], [2, 1]]]) {
      // TF.js sizes a numeric pad's output with the first stride for both dims, so only even strides compare there.
      for (const strides of typeof pad === 'number' ? [1, 2] : [1, [2, 1]]) {
        const label = `pad ${JSON.stringify(pad)} strides ${strides}`;
        close(tw.conv2d(tw.tensor(xv, [2, 3, 5, 4]), tw.tensor(wv, [3, 3, 3, 4]), strides, pad, 'NCHW'),
          tf.conv2d(tf.tensor4d(xv, [2, 3, 5, 4]), tf.tensor4d(wv, [3, 3, 3, 4]), strides, pad, 'NCHW'), label);
        close(tw.conv2d(tw.tensor(xv.slice(0, 60), [3, 5, 4]), tw.tensor(wv, [3, 3, 3, 4]), strides, pad, 'NCHW'),
          tf.conv2d(tf.tensor3d(xv.slice(0, 60), [3, 5, 4]), tf.tensor4d(wv, [3, 3, 3, 4]), strides, pad, 'NCHW'), `${label} unbatched`);
      }
    }
    // As many input as output channels: TF.js checks the PReLU weights' shape against the input's NCHW dims.
    const fusedArgs = (lib, alpha) => ({ x: lib.tensor(values(2 * 4 * 5 * 4, 7), [2, 4, 5, 4]), filter: lib.tensor(values(3 * 3 * 4 * 4, 5), [3, 3, 4, 4]), strides: 1, pad: 'same',
      dataFormat: 'NCHW', bias: lib.tensor([0.5, -1, 2, 0]), activation: 'prelu', preluActivationWeights: alpha(lib) });
    for (const alpha of [(lib) => lib.tensor([0.1, 2, 3, 0.5]), (lib) => lib.tensor([0.1, 2, 3, 0.5], [4, 1, 1]),
      (lib) => lib.tensor(values(4 * 5 * 4, 3), [4, 5, 4])]) {
      close(tw.fused.conv2d(fusedArgs(tw, alpha)), tf.fused.conv2d(fusedArgs(tf, alpha)), `fused prelu ${alpha(tw).shape}`);
    }
    // The NCHW gradient is the NHWC one (golden-tested) transposed (TF.js's node build registers no gradients).
    const loss = (format) => (x) => tw.sum(tw.square(tw.conv2d(x, tw.tensor(wv, [3, 3, 3, 4]), 1, 'same', format)));
    const x = tw.tensor(xv, [2, 3, 5, 4]);
    close(tw.grad(loss('NCHW'))(x), tw.transpose(tw.grad(loss('NHWC'))(tw.transpose(x, [0, 2, 3, 1])), [0, 3, 1, 2]), 'NCHW input gradient');
  });
  assert.equal(tw.memory().numTensors, before);
});

test('pool: max and avg with dilated windows (spaceToBatchND, as TF.js composes it), same and valid, match TF.js', async () => {
  await tf.setBackend('cpu');
  const xv = Array.from({ length: 2 * 7 * 6 * 3 }, (_, i) => ((i * 13) % 17) - 8);
  const before = tw.memory().numTensors;
  tw.tidy(() => {
    for (const type of ['max', 'avg']) {
      for (const pad of ['same', 'valid']) {
        for (const [window, dilations, strides] of [[2, 2, 1], [[3, 2], [2, 3], 1], [2, 1, 2], [3, 1, 1]]) {
          const ours = tw.pool(tw.tensor(xv, [2, 7, 6, 3]), window, type, pad, dilations, strides);
          const theirs = tf.pool(tf.tensor4d(xv, [2, 7, 6, 3]), window, type, pad, dilations, strides);
          assert.deepEqual(ours.shape, theirs.shape);
          const a = ours.dataSync();
          theirs.dataSync().forEach((v, i) => assert.ok(Math.abs(a[i] - v) < 1e-4, `${type} ${pad} ${window} ${dilations} [${i}] ${a[i]} vs ${v}`));
        }
      }
    }
  });
  assert.equal(tw.memory().numTensors, before);
  assert.throws(() => tw.pool(tw.zeros([1, 4, 4, 1]), 2, 'max', 'valid', 2, 2), /Either strides or dilations must be 1/);
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

// tw.image against TF.js 4.22's own tf.image on its CPU backend (the oracle):
// random boxes and images, every option, and no tensors leaked; and the
// image family's goldens (tests/fixtures/ops/image.json, numpy's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tw from '../../../js/dist/tensorweb.js';
import { goldenTests } from '../helpers/golden.mjs';

await tf.setBackend('cpu');
tw.setBackend('cpu');

goldenTests('image');

/** A deterministic stream of numbers in [0, 1) (xorshift). */
function stream(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

/** n boxes in [0, 10)², corners in either order, a few repeated scores (ties by index). */
function boxesAndScores(n, seed) {
  const r = stream(seed);
  const boxes = [];
  for (let i = 0; i < n; i++) boxes.push([r() * 10, r() * 10, r() * 10, r() * 10]);
  const scores = Array.from({ length: n }, () => Math.round(r() * 20) / 20);
  return { boxes, scores };
}

function same(ours, theirs, message) {
  assert.deepEqual(ours.shape, theirs.shape, `${message}: shape`);
  assert.equal(ours.dtype, theirs.dtype, `${message}: dtype`);
  const a = ours.dataSync();
  const b = theirs.dataSync();
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-5 * (1 + Math.abs(b[i])), `${message}: [${i}] ${a[i]} vs ${b[i]}`);
}

test('nonMaxSuppression and its WithScore (soft-NMS) and Padded forms select what TF.js selects', async () => {
  const before = tw.memory().numTensors;
  for (const [seed, n] of [[1, 0], [2, 1], [3, 12], [4, 40], [5, 80]]) {
    let { boxes, scores } = boxesAndScores(n, seed);
    const tb = tf.tensor2d(boxes.flat(), [n, 4]);
    const ts = tf.tensor1d(scores);
    // An empty box list has no nesting to say [0, 4]: pass tensors for it.
    if (n === 0) [boxes, scores] = [tw.tensor([], [0, 4]), tw.tensor([], [0])];
    for (const [maxOut, iou, scoreThreshold] of [[5, 0.5, -Infinity], [n + 3, 0.3, 0.2], [3, 0, 0.5], [n, 1, -Infinity]]) {
      const label = `seed ${seed} n ${n} max ${maxOut} iou ${iou} score ${scoreThreshold}`;
      const ours = tw.image.nonMaxSuppression(boxes, scores, maxOut, iou, scoreThreshold);
      same(ours, tf.image.nonMaxSuppression(tb, ts, maxOut, iou, scoreThreshold), label);
      const oursAsync = await tw.image.nonMaxSuppressionAsync(boxes, scores, maxOut, iou, scoreThreshold);
      same(oursAsync, ours, `${label} async`);
      tw.dispose([ours, oursAsync]);
      for (const sigma of [0, 0.5, 1]) {
        const o = tw.image.nonMaxSuppressionWithScore(boxes, scores, maxOut, iou, scoreThreshold, sigma);
        const t = tf.image.nonMaxSuppressionWithScore(tb, ts, maxOut, iou, scoreThreshold, sigma);
        same(o.selectedIndices, t.selectedIndices, `${label} sigma ${sigma} indices`);
        same(o.selectedScores, t.selectedScores, `${label} sigma ${sigma} scores`);
        tw.dispose([o.selectedIndices, o.selectedScores]);
      }
      for (const pad of [false, true]) {
        const o = await tw.image.nonMaxSuppressionPaddedAsync(boxes, scores, maxOut, iou, scoreThreshold, pad);
        const t = tf.image.nonMaxSuppressionPadded(tb, ts, maxOut, iou, scoreThreshold, pad);
        same(o.selectedIndices, t.selectedIndices, `${label} pad ${pad} indices`);
        same(o.validOutputs, t.validOutputs, `${label} pad ${pad} validOutputs`);
        tw.dispose([o.selectedIndices, o.validOutputs]);
      }
    }
    if (n === 0) tw.dispose([boxes, scores]);
  }
  assert.equal(tw.memory().numTensors, before);
});

test('nonMaxSuppression checks its arguments as TF.js does and leaks nothing on a throw', () => {
  const before = tw.memory().numTensors;
  const boxes = [[0, 0, 1, 1], [0, 0.1, 1, 1.1]];
  assert.throws(() => tw.image.nonMaxSuppression(boxes, [0.9], 2), /scores has incompatible shape with boxes\. Expected 2, but was 1/);
  assert.throws(() => tw.image.nonMaxSuppression(boxes, [0.9, 0.8], 2, 1.5), /iouThreshold must be in \[0, 1\], but was '1\.5'/);
  assert.throws(() => tw.image.nonMaxSuppression([[0, 0, 1]], [0.9], 2), /boxes must have 4 columns/);
  assert.throws(() => tw.image.nonMaxSuppressionWithScore(boxes, [0.9, 0.8], 2, 0.5, 0, 2), /softNmsSigma must be in \[0, 1\]/);
  const ints = tw.tensor([[0, 0, 1, 1]], [1, 4], 'int32');
  assert.throws(() => tw.image.nonMaxSuppression(ints, [1], 1), /Argument 'boxes' passed to 'nonMaxSuppression' must be float32 tensor, but got int32/);
  ints.dispose();
  assert.equal(tw.memory().numTensors, before);
});

test('flipLeftRight, grayscaleToRGB, rgbToGrayscale and threshold (binary and otsu) agree with TF.js', () => {
  const before = tw.memory().numTensors;
  tw.tidy(() => oursAgree());
  assert.equal(tw.memory().numTensors, before);
  assert.throws(() => tw.image.rgbToGrayscale(tw.zeros([2, 2, 4])), /last dimension of an RGB image should be size 3, but got size 4/);
  assert.throws(() => tw.image.grayscaleToRGB(tw.zeros([3])), /images must be at least rank 2, but got rank 1/);
  assert.throws(() => tw.image.flipLeftRight(tw.zeros([2, 2, 3])), /image must be rank 4, but got rank 3/);
});

function oursAgree() {
  const r = stream(9);
  const pixels = (n) => Array.from({ length: n }, () => Math.floor(r() * 256));
  const rgb = pixels(2 * 5 * 7 * 3);
  same(tw.image.flipLeftRight(tw.tensor(rgb, [2, 5, 7, 3], 'float32')), tf.image.flipLeftRight(tf.tensor4d(rgb, [2, 5, 7, 3])), 'flipLeftRight');
  for (const [shape, dtype] of [[[5, 7, 3], 'float32'], [[2, 5, 7, 3], 'int32'], [[4, 3], 'float32']]) {
    const values = rgb.slice(0, shape.reduce((a, b) => a * b));
    same(tw.image.rgbToGrayscale(tw.tensor(values, shape, dtype)), tf.image.rgbToGrayscale(tf.tensor(values, shape, dtype)), `rgbToGrayscale ${shape} ${dtype}`);
  }
  const gray = rgb.slice(0, 2 * 5 * 7);
  same(tw.image.grayscaleToRGB(tw.tensor(gray, [2, 5, 7, 1])), tf.image.grayscaleToRGB(tf.tensor(gray, [2, 5, 7, 1])), 'grayscaleToRGB');
  for (const method of ['binary', 'otsu']) {
    for (const inverted of [false, true]) {
      for (const [shape, values] of [[[5, 7, 3], rgb.slice(0, 105)], [[6, 7, 1], rgb.slice(0, 42)]]) {
        same(tw.image.threshold(tw.tensor(values, shape, 'int32'), method, inverted, 0.4),
          tf.image.threshold(tf.tensor(values, shape, 'int32'), method, inverted, 0.4), `threshold ${method} ${inverted} ${shape}`);
      }
    }
  }
}

test('transform, rotateWithOffset and cropAndResize agree with TF.js for every fill mode and method', () => {
  const before = tw.memory().numTensors;
  tw.tidy(() => {
    const r = stream(21);
    const values = Array.from({ length: 5 * 6 * 2 }, () => Math.round(r() * 100) / 10);
    // TF.js's CPU transform fills every image after the first with fillValue (it returns inside its batch loop): one image.
    const matrix = [1.21, 0.31, -1.73, -0.22, 0.93, 0.61, 0.02, -0.03];
    for (const interpolation of ['nearest', 'bilinear']) {
      for (const mode of ['constant', 'reflect', 'wrap', 'nearest']) {
        same(tw.image.transform(tw.tensor(values, [1, 5, 6, 2]), tw.tensor([matrix]), interpolation, mode, -3, [7, 4]),
          tf.image.transform(tf.tensor4d(values, [1, 5, 6, 2]), tf.tensor2d([matrix]), interpolation, mode, -3, [7, 4]), `transform ${interpolation} ${mode}`);
      }
    }
    const rgba = Array.from({ length: 2 * 5 * 6 * 4 }, () => Math.floor(r() * 256));
    for (const [radians, fill, center] of [[Math.PI / 2, 0, 0.5], [-Math.PI / 2, 255, 0.5], [Math.PI / 4, [10, 20, 30], [0.25, 0.75]], [2.3, 7, [0.31, 0.6]]]) {
      same(tw.image.rotateWithOffset(tw.tensor(rgba, [2, 5, 6, 4]), radians, fill, center),
        tf.image.rotateWithOffset(tf.tensor4d(rgba, [2, 5, 6, 4]), radians, fill, center), `rotateWithOffset ${radians} ${fill} ${center}`);
    }
    const boxes = [[0.12, 0.23, 0.81, 0.94], [0.93, 0.71, 0.17, 0.09], [-0.31, 0.47, 1.22, 1.38]];
    for (const method of ['bilinear', 'nearest']) {
      same(tw.image.cropAndResize(tw.tensor(values, [1, 5, 6, 2]), boxes, [0, 0, 0], [4, 3], method, 9),
        tf.image.cropAndResize(tf.tensor4d(values, [1, 5, 6, 2]), tf.tensor2d(boxes), tf.tensor1d([0, 0, 0], 'int32'), [4, 3], method, 9), `cropAndResize ${method}`);
    }
  });
  assert.equal(tw.memory().numTensors, before);
  assert.throws(() => tw.image.transform(tw.zeros([1, 2, 2, 1], 'int32'), [[1, 0, 0, 0, 1, 0, 0, 0]]), /Argument 'image' passed to 'transform' must be float32/);
});

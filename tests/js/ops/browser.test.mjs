// ops/browser.ts in node on the CPU backend: tw.browser's pixel data and
// canvas-like inputs, toPixels' bytes, draw onto a 2-D context, and TF.js's
// errors. Images, canvases, videos and the WebGPU paths run in Chromium
// (tests/browser/ops/browser.test.mjs); TF.js's own specs in the conformance tier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

await tw.setBackend('cpu');

/** A 2 x 3 image whose byte k is k * 7 + 1. */
const pixelData = () => ({ width: 3, height: 2, data: Uint8Array.from({ length: 24 }, (_, k) => k * 7 + 1) });

test('fromPixels of PixelData and of a canvas-like object takes the first numChannels bytes of each pixel', async () => {
  const bytes = pixelData().data;
  const canvasLike = { width: 3, height: 2, getContext: (type) => (type === '2d' ? { getImageData: () => ({ data: bytes }) } : null) };
  for (const source of [pixelData(), canvasLike]) {
    for (const channels of [1, 2, 3, 4]) {
      const t = tw.browser.fromPixels(source, channels);
      assert.equal(t.dtype, 'int32');
      assert.deepEqual(t.shape, [2, 3, channels]);
      assert.deepEqual([...t.dataSync()], [...bytes].filter((_, k) => k % 4 < channels));
      t.dispose();
    }
  }
  const async = await tw.browser.fromPixelsAsync(pixelData());
  assert.deepEqual(async.shape, [2, 3, 3]);
  async.dispose();
});

test('fromPixels errors: TF.js\'s messages, and ours for what TF.js lets through', () => {
  assert.throws(() => tw.browser.fromPixels(pixelData(), 5), /Cannot construct Tensor with more than 4 channels from pixels/);
  assert.throws(() => tw.browser.fromPixels(pixelData(), 0), /numChannels must be an integer from 1 to 4, got 0/);
  assert.throws(() => tw.browser.fromPixels(null), /pixels passed to tf.browser.fromPixels\(\) can not be null/);
  assert.throws(() => tw.browser.fromPixels(3), /must be either an HTMLVideoElement.*but was Number/);
  assert.throws(() => tw.browser.fromPixels({ width: 1, height: 1 }), /but was Object/);
  assert.throws(() => tw.browser.fromPixels({ width: 2, height: 2, data: new Uint8Array(4) }),
    /pixels.data holds 4 bytes; a 2 x 2 image needs 16/);
});

test('toPixels: float32 in [0, 1] and int32 in [0, 255] as RGBA bytes; grey for one channel; nothing leaks', async () => {
  const before = tw.memory().numTensors;
  const grey = tw.tensor2d([0.2, 1], [2, 1]);
  assert.deepEqual([...await tw.browser.toPixels(grey)], [51, 51, 51, 255, 255, 255, 255, 255]);
  const rgb = tw.tensor3d([1, 2, 3, 4, 5, 6], [1, 2, 3], 'int32');
  assert.deepEqual([...await tw.browser.toPixels(rgb)], [1, 2, 3, 255, 4, 5, 6, 255]);
  const rgba = tw.tensor3d([0, 0.5, 1, 0.25], [1, 1, 4]);
  assert.deepEqual([...await tw.browser.toPixels(rgba)], [0, 128, 255, 64]);
  // A plain array is taken as int32.
  assert.deepEqual([...await tw.browser.toPixels([[7], [300 / 2]])], [7, 7, 7, 255, 150, 150, 150, 255]);
  tw.dispose([grey, rgb, rgba]);
  assert.equal(tw.memory().numTensors, before);
});

test('toPixels errors: rank, depth, dtype, value range, non-tensors; the converted array is disposed', async () => {
  const before = tw.memory().numTensors;
  const cases = [
    [tw.scalar(1), /only supports rank 2 or 3 tensors, got rank 0/],
    [tw.tensor4d([1], [1, 1, 1, 1]), /got rank 4/],
    [tw.tensor3d([1, 2], [1, 1, 2]), /depth of size 1, 3 or 4 but got 2/],
    [tw.tensor2d([1], [1, 1], 'bool'), /Unsupported type for toPixels: bool/],
    [tw.tensor2d([-1, 0.5], [1, 2]), /float32 Tensor must be in the range \[0 - 1\] but encountered -1/],
    [tw.tensor2d([-1, 100], [1, 2], 'int32'), /int32 Tensor must be in the range \[0 - 255\] but encountered -1/],
  ];
  for (const [x, message] of cases) {
    await assert.rejects(tw.browser.toPixels(x), message);
    x.dispose();
  }
  await assert.rejects(tw.browser.toPixels({}), /Argument 'img' passed to 'toPixels' must be a Tensor or TensorLike/);
  await assert.rejects(tw.browser.toPixels([[256]]), /encountered 256/);
  assert.equal(tw.memory().numTensors, before);
});

test('draw on the CPU puts the bytes on the canvas\'s 2-D context at the image\'s size, with alpha for 1 and 3 channels', () => {
  class FakeImageData {
    constructor(data, width, height) { Object.assign(this, { data, width, height }); }
  }
  globalThis.ImageData = FakeImageData;
  try {
    const put = [];
    const canvas = { width: 0, height: 0, getContext: (type) => (type === '2d' ? { putImageData: (image, x, y) => put.push({ image, x, y }) } : null) };
    const image = tw.tensor3d([10, 20, 30, 40, 50, 60], [2, 1, 3], 'int32');
    tw.browser.draw(image, canvas, { imageOptions: { alpha: 0.5 } });
    assert.deepEqual([canvas.width, canvas.height], [1, 2]);
    assert.deepEqual([...put[0].image.data], [10, 20, 30, 128, 40, 50, 60, 128]);
    assert.deepEqual([put[0].x, put[0].y], [0, 0]);
    assert.throws(() => tw.browser.draw(image, canvas, { imageOptions: { alpha: 2 } }), /Alpha value 2 is suppoed to be in range \[0 - 1\]/);
    assert.throws(() => tw.browser.draw(image, canvas, { contextOptions: { contextType: 'webgl' } }),
      /Context type webgl is not supported by the cpu backend/);
    assert.throws(() => tw.browser.draw(image, { getContext: () => null }), /Could not get the context with 2d type/);
    image.dispose();
  } finally {
    delete globalThis.ImageData;
  }
});

// ops/browser.ts in Chromium: tw.browser.fromPixels of canvases, bitmaps and
// image elements and tw.browser.draw, on webgpu (copied and drawn on the GPU,
// nothing read back) and on cpu (through 2-D canvases), checked against what
// a 2-D canvas reads and draws. TF.js's own specs: the conformance tier.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserSession } from '../helper.mjs';

let session;
let page;
before(async () => {
  session = await BrowserSession.start();
  page = await session.newPage();
});
after(() => session.close());

test('fromPixels of a canvas, an ImageBitmap and a scaled image element (and fromPixelsAsync through a bitmap) match a 2-D canvas\'s pixels on webgpu and cpu', async () => {
  const result = await page.run(async (tw) => {
    // 70 pixels a row: the GPU copy pads texel rows to 64 pixels, so row ends are checked too. Opaque,
    // so the canvas's premultiplied storage keeps every byte.
    const [width, height] = [70, 3];
    const canvas = document.createElement('canvas');
    Object.assign(canvas, { width, height });
    const context = canvas.getContext('2d');
    const pixels = new ImageData(width, height);
    pixels.data.forEach((_, k) => { pixels.data[k] = k % 4 === 3 ? 255 : (k * 37) % 256; });
    context.putImageData(pixels, 0, 0);
    const expected = (channels) => [...pixels.data].filter((_, k) => k % 4 < channels);
    const bitmap = await createImageBitmap(pixels);
    // An image element shown at another size is read at that size, scaled as drawImage scales it.
    const image = new Image();
    image.src = canvas.toDataURL('image/png');
    await image.decode();
    Object.assign(image, { width: 35, height: 6 });
    const scaledCanvas = Object.assign(document.createElement('canvas'), { width: 35, height: 6 });
    const scaledContext = scaledCanvas.getContext('2d');
    scaledContext.drawImage(image, 0, 0, 35, 6);
    const scaled = [...scaledContext.getImageData(0, 0, 35, 6).data];
    const out = {};
    for (const backend of ['webgpu', 'cpu']) {
      await tw.setBackend(backend);
      const stats = backend === 'webgpu' ? tw.engine().findBackend('webgpu').stats : null;
      const readsBefore = stats?.readbacks;
      const tensors = [1, 2, 3, 4].map((c) => tw.browser.fromPixels(canvas, c));
      const fromBitmap = tw.browser.fromPixels(bitmap, 4);
      const fromImage = tw.browser.fromPixels(image, 4);
      const readsDuring = stats ? stats.readbacks - readsBefore : 0;
      // fromPixelsAsync through an ImageBitmap of the canvas, when the flag asks for one.
      tw.env().set('WRAP_TO_IMAGEBITMAP', true);
      const wrapped = await tw.browser.fromPixelsAsync(canvas, 4);
      tw.env().reset();
      const values = await Promise.all([...tensors, fromBitmap, fromImage, wrapped].map(async (t) => [...await t.data()]));
      out[backend] = {
        readsDuring,
        shapes: tensors.map((t) => t.shape), dtypes: tensors.map((t) => t.dtype), imageShape: fromImage.shape,
        channelsMatch: [1, 2, 3, 4].map((c) => JSON.stringify(values[c - 1]) === JSON.stringify(expected(c))),
        bitmapMatches: JSON.stringify(values[4]) === JSON.stringify(expected(4)),
        wrappedMatches: JSON.stringify(values[6]) === JSON.stringify(expected(4)),
        imageDiff: Math.max(...values[5].map((v, k) => Math.abs(v - scaled[k]))),
      };
      tw.dispose([...tensors, fromBitmap, fromImage, wrapped]);
    }
    return out;
  });
  for (const backend of ['webgpu', 'cpu']) {
    const r = result[backend];
    assert.deepEqual(r.shapes, [[3, 70, 1], [3, 70, 2], [3, 70, 3], [3, 70, 4]], backend);
    assert.deepEqual(r.dtypes, ['int32', 'int32', 'int32', 'int32'], backend);
    assert.deepEqual(r.channelsMatch, [true, true, true, true], backend);
    assert.equal(r.bitmapMatches, true, backend);
    assert.equal(r.wrappedMatches, true, backend);
    assert.deepEqual(r.imageShape, [6, 35, 4], backend);
    assert.ok(r.imageDiff <= 2, `${backend}: image element off by ${r.imageDiff}`);
  }
  assert.equal(result.webgpu.readsDuring, 0, 'fromPixels on webgpu read something back');
});

test('draw on webgpu: into a webgpu canvas and into one used for 2-D, as a 2-D canvas reads them back', async () => {
  const result = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const readBack = (canvas) => {
      const host = Object.assign(document.createElement('canvas'), { width: canvas.width, height: canvas.height });
      const context = host.getContext('2d');
      context.drawImage(canvas, 0, 0);
      return [...context.getImageData(0, 0, canvas.width, canvas.height).data];
    };
    const [width, height] = [70, 2];
    const ints = Array.from({ length: width * height * 3 }, (_, k) => (k * 53) % 256);
    const image = tw.tensor3d(ints, [height, width, 3], 'int32');
    const grey = tw.tensor2d(Array.from({ length: width * height }, (_, k) => (k % 11) / 10), [height, width]);
    const stats = tw.engine().findBackend('webgpu').stats;
    const readsBefore = stats.readbacks;
    const gpuCanvas = document.createElement('canvas');
    tw.browser.draw(image, gpuCanvas);
    const used2d = document.createElement('canvas');
    used2d.getContext('2d');
    tw.browser.draw(grey, used2d, { imageOptions: { alpha: 0.5 } });
    const reads = stats.readbacks - readsBefore;
    const expectedRgb = ints.flatMap((v, k) => (k % 3 === 2 ? [v, 255] : [v]));
    const greyBytes = [...grey.dataSync()].flatMap((v) => [Math.round(v * 255), Math.round(v * 255), Math.round(v * 255), 128]);
    const diff = (a, b) => Math.max(...a.map((v, k) => Math.abs(v - b[k])));
    const out = { reads, size: [gpuCanvas.width, gpuCanvas.height], rgbDiff: diff(readBack(gpuCanvas), expectedRgb), greyDiff: diff(readBack(used2d), greyBytes) };
    tw.dispose([image, grey]);
    return out;
  });
  assert.equal(result.reads, 0, 'draw on webgpu read something back');
  assert.deepEqual(result.size, [70, 2]);
  assert.equal(result.rgbDiff, 0);
  // Premultiplied by alpha 128 in 8 bits, then divided again by the 2-D canvas's read.
  assert.ok(result.greyDiff <= 2, `grey at alpha 0.5 off by ${result.greyDiff}`);
});

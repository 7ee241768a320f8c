// demos/image-classifier against the real dev server: the synthetic image that
// tests/fixtures/examples/efficientnet_lite0.json describes goes in through the
// page's file input (a PNG made here), and the page must show PyTorch's top-1.
// The camera path runs on Chromium's fake camera playing a y4m file made here:
// "Classify frame" must show the frame's centre crop and classify exactly those
// pixels, as the file path does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helper.mjs';
import { y4m } from '../media_files.mjs';
import { openDemo, screenshots, useDemoServer } from './demo_server.mjs';
import { encodePng } from './png.mjs';

const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/examples/efficientnet_lite0.json'), 'utf8'));
const SIZE = 224;
// The page crops a centred square of 224/256 of the shorter side: a 256x256 PNG
// with the image in its centre makes that crop the image itself, pixel for pixel.
const FRAME = 256;
const BORDER = (FRAME - SIZE) / 2;
// The fake camera's picture: a white square, half the frame's height, centred on black in a 4:3 frame.
const CAMERA = { width: 160, height: 120, square: 60 };

/** The fixture's synthetic image (py/tensorweb/examples/efficientnet_lite0.py synthetic_image), row-major RGB. */
function syntheticImage() {
  const rgb = new Uint8Array(SIZE * SIZE * 3);
  for (let row = 0; row < SIZE; row++) {
    for (let column = 0; column < SIZE; column++) {
      const x = column / (SIZE - 1);
      const y = row / (SIZE - 1);
      const values = [0.5 + 0.5 * Math.sin(12 * Math.hypot(x - 0.4, y - 0.6)), x * (1 - y), 0.5 + 0.5 * Math.cos(6 * Math.PI * x * y)];
      values.forEach((v, c) => { rgb[(row * SIZE + column) * 3 + c] = Math.floor(255 * v + 0.5); });
    }
  }
  return rgb;
}

/** A 224x224 row-major RGB image in the middle of a 256x256 grey PNG, so that the page's crop is the image itself. */
function framedPng(rgb) {
  const framed = new Uint8Array(FRAME * FRAME * 3).fill(128);
  for (let row = 0; row < SIZE; row++) framed.set(rgb.subarray(row * SIZE * 3, (row + 1) * SIZE * 3), ((row + BORDER) * FRAME + BORDER) * 3);
  return encodePng(FRAME, FRAME, framed);
}

/** The preview canvas (what the model saw) as row-major RGB. */
async function previewPixels(page) {
  const rgba = await page.locator('#preview').evaluate((canvas) => Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data));
  return Uint8Array.from(rgba.filter((_, i) => i % 4 !== 3));
}

/** The top-5 rows the page shows. */
function shownTop5(page) {
  return page.locator('#results .bar').evaluateAll((bars) => bars.map((bar) => ({
    index: Number(bar.dataset.index),
    name: bar.querySelector('.name').textContent,
    percent: parseFloat(bar.querySelector('.value').textContent),
  })));
}

/** Waits for the page to show `count` results bars, or an error. */
async function waitForResults(page) {
  await page.waitForFunction(() => document.querySelectorAll('#results .bar').length === 5 || !document.getElementById('error').hidden, null, { timeout: 30_000 });
}

async function openReadyPage() {
  const demo = await openDemo(site.browser, `${site.server.url}/demos/image-classifier/`);
  assert.match(await demo.page.title(), /Image classifier/);
  await demo.page.waitForFunction(() => document.body.dataset.ready === 'true' || !document.getElementById('error').hidden, null, { timeout: 40_000 });
  await demo.assertNoErrors();
  assert.equal(await demo.page.locator('#progress').evaluate((p) => p.value), 1, 'the load progress reached 1');
  return demo;
}

/** The fake camera's clip: CAMERA's white square on black. */
function cameraClip() {
  const inSquare = (x, y) => Math.abs(x + 0.5 - CAMERA.width / 2) < CAMERA.square / 2 && Math.abs(y + 0.5 - CAMERA.height / 2) < CAMERA.square / 2;
  return y4m({ width: CAMERA.width, height: CAMERA.height, frames: 10, luma: (x, y) => (inSquare(x, y) ? 235 : 16) });
}

const site = useDemoServer({ camera: cameraClip() });

test('image classifier: the synthetic image picked through the file input shows PyTorch\'s top-1 label first; '
  + 'a pick made while another is classified waits its turn, and a success clears the last error', async () => {
  const image = syntheticImage();
  assert.equal(image.reduce((a, b) => a + b, 0), FIXTURE.image.pixelSum, 'the image drawn here is the fixture\'s');

  const { page, assertNoErrors } = await openReadyPage();
  // A file that is not an image: its error is shown in the page.
  await page.setInputFiles('#file', { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image') });
  await page.waitForFunction(() => !document.getElementById('error').hidden && !document.body.dataset.busy, null, { timeout: 10_000 });
  assert.match(await page.locator('#error').textContent(), /notes\.png: not an image this browser can decode/);

  // A grey picture, then the synthetic one while the grey one (the first inference, seconds long) is still classified.
  await page.setInputFiles('#file', { name: 'grey.png', mimeType: 'image/png', buffer: encodePng(FRAME, FRAME, new Uint8Array(FRAME * FRAME * 3).fill(128)) });
  await page.waitForFunction(() => document.body.dataset.busy === 'true');
  assert.match(await page.locator('#status').textContent(), /^Classifying grey\.png…/, 'the status says the page is classifying');
  assert.equal(await page.locator('#error').isVisible(), false, 'the last error is cleared when the next pick starts');
  await page.setInputFiles('#file', { name: 'synthetic.png', mimeType: 'image/png', buffer: framedPng(image) });
  assert.match(await page.locator('#status').textContent(), /^Classifying grey\.png… \(1 more waiting\)$/);
  await page.waitForFunction(() => document.getElementById('results').dataset.classified === '2' && !document.body.dataset.busy, null, { timeout: 60_000 });
  await assertNoErrors();
  assert.match(await page.locator('#status').textContent(), /^Classified in \d+ ms/);

  const seen = await previewPixels(page);
  assert.equal(seen.reduce((a, b) => a + b, 0), FIXTURE.image.pixelSum, 'the page\'s 224x224 crop is the fixture image');

  const rows = await shownTop5(page);
  const expected = FIXTURE.top5[0];
  assert.equal(rows[0].index, expected.index, `top-1 ${JSON.stringify(rows[0])}, PyTorch's ${JSON.stringify(expected)}`);
  assert.equal(rows[0].name, expected.label.split(',')[0]);
  assert.ok(Math.abs(rows[0].percent - expected.probability * 100) < 0.2, `shown ${rows[0].percent}%, PyTorch ${expected.probability}`);
  assert.ok(await page.getByText(expected.label.split(',')[0], { exact: true }).isVisible(), 'the label is visible');
  await screenshots(page, 'image-classifier');
  await assertNoErrors();
  await page.close();
});

test('image classifier: a camera frame is centre-cropped like a picked image, and its top-5 is that of the same pixels picked as a file', async () => {
  const { page, assertNoErrors } = await openReadyPage();
  await page.locator('#camera').click();
  await page.locator('#snap').click();
  await waitForResults(page);
  await assertNoErrors();
  assert.ok(await page.locator('#video').isVisible(), 'the camera shows in the page');
  // The live camera and the crop the model saw are side by side, each with its caption.
  assert.ok(await page.getByText('Camera (live)').isVisible());
  assert.match(await page.locator('#preview-caption').textContent(), /the frame's centre, 224×224/);
  await screenshots(page, 'image-classifier-camera');

  // The frame's centred square (120x120 of 160x120) scaled to 256, then its middle 224: the white
  // square (60 of 120) spans 128 of 256 pixels, so 48 to 176 of the 224 the model sees.
  const seen = await previewPixels(page);
  const bright = (x, y) => seen[(y * SIZE + x) * 3 + 1] > 127;
  const lit = (line) => Array.from({ length: SIZE }, (_, i) => i).filter(line);
  const litColumns = lit((x) => bright(x, SIZE / 2));
  const litRows = lit((y) => bright(SIZE / 2, y));
  const expectedSpan = (FRAME * CAMERA.square) / CAMERA.height;
  const expectedStart = (SIZE - expectedSpan) / 2;
  for (const [what, span] of [['columns', litColumns], ['rows', litRows]]) {
    assert.ok(Math.abs(span[0] - expectedStart) <= 2 && Math.abs(span.at(-1) + 1 - (expectedStart + expectedSpan)) <= 2 && span.length === span.at(-1) - span[0] + 1,
      `the white square's ${what} are ${span[0]}..${span.at(-1)}, expected ${expectedStart}..${expectedStart + expectedSpan - 1} (a square, not stretched)`);
  }
  const fromCamera = await shownTop5(page);

  await page.locator('#camera').click();
  assert.equal(await page.locator('#snap').isVisible(), false, 'stopping the camera hides "Classify frame"');
  assert.equal(await page.locator('#video').isVisible(), false);
  await page.evaluate(() => document.getElementById('results').replaceChildren()); // so that waiting for five bars waits for the new ones
  await page.setInputFiles('#file', { name: 'frame.png', mimeType: 'image/png', buffer: framedPng(seen) });
  await waitForResults(page);
  await assertNoErrors();
  assert.deepEqual(await previewPixels(page), seen, 'the picked file gives the model the camera frame\'s pixels');
  assert.deepEqual(await shownTop5(page), fromCamera, 'the same pixels get the same top-5 through either path');
  await page.close();
});

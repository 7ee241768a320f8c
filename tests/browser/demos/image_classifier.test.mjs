// demos/image-classifier against the real dev server: the synthetic image that
// tests/fixtures/examples/efficientnet_lite0.json describes goes in through the
// page's file input (a PNG made here), and the page must show PyTorch's top-1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helper.mjs';
import { ensureExamples, launchBrowser, openDemo, screenshot, startServer } from './demo_server.mjs';
import { encodePng } from './png.mjs';

const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/examples/efficientnet_lite0.json'), 'utf8'));
const SIZE = 224;
// The page crops a centred square of 224/256 of the shorter side: a 256x256 PNG
// with the image in its centre makes that crop the image itself, pixel for pixel.
const FRAME = 256;
const BORDER = (FRAME - SIZE) / 2;

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

let server;
let browser;
before(async () => {
  ensureExamples();
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('image classifier: the synthetic image picked through the file input shows PyTorch\'s top-1 label first', async () => {
  const image = syntheticImage();
  assert.equal(image.reduce((a, b) => a + b, 0), FIXTURE.image.pixelSum, 'the image drawn here is the fixture\'s');
  const framed = new Uint8Array(FRAME * FRAME * 3).fill(128);
  for (let row = 0; row < SIZE; row++) framed.set(image.subarray(row * SIZE * 3, (row + 1) * SIZE * 3), ((row + BORDER) * FRAME + BORDER) * 3);

  const { page, assertNoErrors } = await openDemo(browser, `${server.url}/demos/image-classifier/`);
  assert.match(await page.title(), /Image classifier/);
  await page.waitForFunction(() => document.body.dataset.ready === 'true' || !document.getElementById('error').hidden, null, { timeout: 40_000 });
  await assertNoErrors();
  assert.equal(await page.locator('#progress').evaluate((p) => p.value), 1, 'the load progress reached 1');

  await page.setInputFiles('#file', { name: 'synthetic.png', mimeType: 'image/png', buffer: encodePng(FRAME, FRAME, framed) });
  await page.waitForFunction(() => document.querySelectorAll('#results .bar').length === 5 || !document.getElementById('error').hidden, null, { timeout: 30_000 });
  await assertNoErrors();

  // What the model saw is the fixture image exactly.
  const seenSum = await page.locator('#preview').evaluate((canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, 224, 224).data;
    let sum = 0;
    for (let i = 0; i < data.length; i++) if (i % 4 !== 3) sum += data[i];
    return sum;
  });
  assert.equal(seenSum, FIXTURE.image.pixelSum, 'the page\'s 224x224 crop is the fixture image');

  const rows = await page.locator('#results .bar').evaluateAll((bars) => bars.map((bar) => ({
    index: Number(bar.dataset.index),
    name: bar.querySelector('.name').textContent,
    percent: parseFloat(bar.querySelector('.value').textContent),
  })));
  const expected = FIXTURE.top5[0];
  assert.equal(rows[0].index, expected.index, `top-1 ${JSON.stringify(rows[0])}, PyTorch's ${JSON.stringify(expected)}`);
  assert.equal(rows[0].name, expected.label.split(',')[0]);
  assert.ok(Math.abs(rows[0].percent - expected.probability * 100) < 0.2, `shown ${rows[0].percent}%, PyTorch ${expected.probability}`);
  assert.ok(await page.getByText(expected.label.split(',')[0], { exact: true }).isVisible(), 'the label is visible');
  await screenshot(page, 'image-classifier');
  await assertNoErrors();
  await page.close();
});

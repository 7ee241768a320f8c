// demos/camera-classifier against the real dev server, fed by Chromium's fake
// camera showing real photographs: scikit-image's chelsea.png (a cat) and
// coffee.png (a cup of coffee), tests/fixtures/photos.mjs. The fake camera
// plays ONE file (--use-file-for-fake-video-capture), but Chromium opens that
// file anew for every camera stream it starts (checked: stop the tracks,
// overwrite the file, getUserMedia again, and the new picture comes), so the
// test shows each clip by stopping the page's camera, writing the clip over
// the file and starting the camera again.
// The page learns the two classes from examples captured by holding their
// buttons while a clip cycles through TRAINING_VIEWS of the photo (crops,
// brightness); it must then name each photo in HELD_OUT_VIEWS (other crops,
// mirrored, darker, brighter: frames it never trained on), export the model
// (two downloads), and a fresh page must load those files back, class names
// included, and name the photos again. The backbone runs in a worker
// (tw.worker()), which takes each frame as a transferred ImageBitmap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { skimagePhoto } from '../../fixtures/photos.mjs';
import { y4mFromRgb } from '../media_files.mjs';
import { openDemo, screenshots, useDemoServer } from './demo_server.mjs';
import { decodePng } from './png.mjs';

const WIDTH = 160;
const HEIGHT = 120;
const EXAMPLES_PER_CLASS = 8;
const PHOTOS = { Cat: 'chelsea.png', 'Coffee cup': 'coffee.png' };
const CLASSES = Object.keys(PHOTOS);
// A view: a 4:3 crop centred at (x, y) (fractions of the photo), `zoom` of the largest such crop wide,
// mirrored or not, its brightness times `light`.
const TRAINING_VIEWS = [
  { x: 0.5, y: 0.5, zoom: 1, flip: false, light: 1 },
  { x: 0.4, y: 0.45, zoom: 0.8, flip: false, light: 0.85 },
  { x: 0.6, y: 0.55, zoom: 0.8, flip: false, light: 1.1 },
  { x: 0.5, y: 0.4, zoom: 0.9, flip: false, light: 0.95 },
];
const HELD_OUT_VIEWS = [
  { x: 0.5, y: 0.5, zoom: 0.6, flip: false, light: 1 }, // closer than any training crop
  { x: 0.5, y: 0.5, zoom: 1, flip: true, light: 1 }, // mirrored
  { x: 0.45, y: 0.55, zoom: 0.75, flip: true, light: 0.65 }, // mirrored and darker
  { x: 0.55, y: 0.45, zoom: 0.85, flip: false, light: 1.35 }, // brighter
];
const HELD_OUT_ACCURACY = 0.85;

/** One view of `photo` ({width, height, rgb}) as a WIDTH x HEIGHT RGB frame, sampled bilinearly. */
function view(photo, { x, y, zoom, flip, light }) {
  const cropWidth = zoom * Math.min(photo.width, (photo.height * WIDTH) / HEIGHT);
  const scale = cropWidth / WIDTH;
  const left = Math.min(Math.max(0, x * photo.width - cropWidth / 2), photo.width - cropWidth);
  const top = Math.min(Math.max(0, y * photo.height - (HEIGHT * scale) / 2), photo.height - HEIGHT * scale);
  const at = (px, py, c) => photo.rgb[3 * (Math.min(py, photo.height - 1) * photo.width + Math.min(px, photo.width - 1)) + c];
  const frame = new Uint8Array(WIDTH * HEIGHT * 3);
  for (let row = 0; row < HEIGHT; row++) {
    for (let column = 0; column < WIDTH; column++) {
      const sx = left + ((flip ? WIDTH - 1 - column : column) + 0.5) * scale - 0.5;
      const sy = top + (row + 0.5) * scale - 0.5;
      const [x0, y0] = [Math.max(0, Math.floor(sx)), Math.max(0, Math.floor(sy))];
      const [fx, fy] = [Math.min(1, Math.max(0, sx - x0)), Math.min(1, Math.max(0, sy - y0))];
      for (let c = 0; c < 3; c++) {
        const value = (1 - fy) * ((1 - fx) * at(x0, y0, c) + fx * at(x0 + 1, y0, c)) + fy * ((1 - fx) * at(x0, y0 + 1, c) + fx * at(x0 + 1, y0 + 1, c));
        frame[3 * (row * WIDTH + column) + c] = Math.min(255, Math.round(value * light));
      }
    }
  }
  return frame;
}

const photos = Object.fromEntries(CLASSES.map((name) => [name, decodePng(skimagePhoto(PHOTOS[name]))]));
/** A clip cycling through `views` of the class's photo, two views a second. */
const clip = (name, views) => y4mFromRgb({ width: WIDTH, height: HEIGHT, fps: 2, frames: views.map((v) => view(photos[name], v)) });
const TRAINING_CLIPS = Object.fromEntries(CLASSES.map((name) => [name, clip(name, TRAINING_VIEWS)]));

const site = useDemoServer({ camera: TRAINING_CLIPS[CLASSES[0]] });

async function openReadyPage() {
  const demo = await openDemo(site.browser, `${site.server.url}/demos/camera-classifier/`);
  await demo.page.waitForFunction(() => document.body.dataset.ready === 'true' || !document.getElementById('error').hidden, null, { timeout: 90_000 });
  await demo.assertNoErrors();
  return demo;
}

/** Starts the page's camera (stopping it first when on) with `y4m` in the fake camera's file. */
async function showClip(page, y4m) {
  const camera = page.locator('#camera');
  if ((await camera.textContent()) === 'Stop camera') await camera.click();
  writeFileSync(site.cameraFile, y4m);
  await camera.click();
  await page.waitForFunction(() => document.getElementById('camera').textContent === 'Stop camera' || !document.getElementById('error').hidden);
}

/** Holds class `index`'s button with the mouse until it has `count` examples. */
async function holdToCapture(page, index, count) {
  await page.locator('.class .hold').nth(index).hover();
  await page.mouse.down();
  await page.waitForFunction(([i, n]) => Number(document.querySelectorAll('.class')[i].dataset.examples) >= n || !document.getElementById('error').hidden,
    [index, count], { timeout: 60_000 });
  await page.mouse.up();
}

/** The page's second prediction since the camera (re)started: the first could come from a frame that was in flight. */
async function prediction(page) {
  await page.waitForFunction(() => Number(document.getElementById('predictions').dataset.count) >= 2 || !document.getElementById('error').hidden,
    null, { timeout: 30_000 });
  return page.locator('#predictions').evaluate((box) => ({
    top: box.dataset.top,
    confidence: Number(box.dataset.confidence),
    bars: [...box.querySelectorAll('.bar .name')].map((name) => name.textContent),
  }));
}

/** Shows one held-out view of class `name`'s photo (a still clip) and returns the page's prediction of it. */
async function predictView(page, name, heldOut) {
  await showClip(page, clip(name, [heldOut]));
  const seen = await prediction(page);
  assert.deepEqual(seen.bars, CLASSES, 'one bar per class, in class order');
  return seen;
}

/** The page's prediction of every held-out view of every photo, and the share it names right. */
async function heldOutAccuracy(t, page) {
  let right = 0;
  for (const name of CLASSES) {
    for (const heldOut of HELD_OUT_VIEWS) {
      const seen = await predictView(page, name, heldOut);
      right += seen.top === name ? 1 : 0;
      t.diagnostic(`${name} ${JSON.stringify(heldOut)}: the page says ${seen.top} (${(100 * seen.confidence).toFixed(0)}%)`);
    }
  }
  return right / (CLASSES.length * HELD_OUT_VIEWS.length);
}

test('camera classifier: learns a cat and a coffee cup from photographs\' views on the fake camera, names held-out views, exports and loads back', { timeout: 360_000 }, async (t) => {
  const { page, assertNoErrors } = await openReadyPage();
  assert.match(await page.title(), /Camera classifier/);
  assert.equal(await page.locator('#progress').evaluate((p) => p.value), 1, 'the load progress reached 1');
  assert.equal(await page.locator('#train').isDisabled(), true, 'no training before there are examples');
  assert.equal(page.workers().length, 1, 'EfficientNet-Lite0 runs in a worker');
  assert.match(await page.locator('#status').textContent(), /EfficientNet-Lite0 ready on webgpu in a worker/);
  const names = page.locator('.class input');
  for (const [index, name] of CLASSES.entries()) await names.nth(index).fill(name);

  // Examples: each class while its photo is on camera; the other class's count must not move.
  const counts = () => page.locator('.class').evaluateAll((rows) => rows.map((row) => Number(row.dataset.examples)));
  await showClip(page, TRAINING_CLIPS[CLASSES[0]]);
  assert.match(await page.locator('#status').textContent(), /Camera on: hold a class's button/, 'the status says what to do with the camera on');
  await holdToCapture(page, 0, EXAMPLES_PER_CLASS);
  await assertNoErrors();
  const [firstCount] = await counts();
  await showClip(page, TRAINING_CLIPS[CLASSES[1]]);
  await holdToCapture(page, 1, EXAMPLES_PER_CLASS);
  await assertNoErrors();
  const [firstAfter, secondCount] = await counts();
  assert.equal(firstAfter, firstCount, 'holding the second button added nothing to the first class');
  assert.ok(secondCount >= EXAMPLES_PER_CLASS);

  // Two classes with one name are refused with a message naming it; renamed, they train.
  await names.nth(1).fill(CLASSES[0]);
  await page.locator('#train').click();
  await page.waitForFunction(() => !document.getElementById('error').hidden);
  assert.match(await page.locator('#error').textContent(), new RegExp(`Two classes are named "${CLASSES[0]}"`));
  await names.nth(1).fill(CLASSES[1]);
  await page.locator('#train').click();
  await page.waitForFunction(() => document.body.dataset.trained === 'true' || !document.getElementById('error').hidden, null, { timeout: 60_000 });
  await assertNoErrors();
  const losses = JSON.parse(await page.locator('#loss').getAttribute('data-losses'));
  assert.equal(losses.length, 50, 'one loss point per epoch, drawn live');
  assert.ok(losses.at(-1) < losses[0] / 5, `the loss fell: ${losses[0]} -> ${losses.at(-1)}`);

  assert.match(await page.locator('#status').textContent(), /Predicting live/, 'the status says the page predicts');

  const accuracy = await heldOutAccuracy(t, page);
  t.diagnostic(`held-out views named right: ${accuracy * CLASSES.length * HELD_OUT_VIEWS.length} of ${CLASSES.length * HELD_OUT_VIEWS.length}`);
  await screenshots(page, 'camera-classifier');
  assert.ok(accuracy >= HELD_OUT_ACCURACY, `held-out accuracy ${accuracy}`);
  await assertNoErrors();

  // Export: two downloads, model.json (with the class names) and its weights.
  const downloads = new Promise((resolve) => {
    const seen = [];
    page.on('download', (download) => { if (seen.push(download) === 2) resolve(seen); });
  });
  await page.locator('#export').click();
  await page.waitForFunction(() => /Exported/.test(document.getElementById('status').textContent) || !document.getElementById('error').hidden);
  await assertNoErrors();
  const files = {};
  for (const download of await downloads) {
    files[download.suggestedFilename()] = join(site.folder, download.suggestedFilename());
    await download.saveAs(files[download.suggestedFilename()]);
  }
  assert.deepEqual(Object.keys(files).sort(), ['camera-classifier.json', 'camera-classifier.weights.bin']);
  await page.close();

  // A fresh page: wrong picks are refused with a message, then the two files load and predict.
  const reloaded = await openReadyPage();
  const error = () => reloaded.page.locator('#error').textContent();
  await reloaded.page.setInputFiles('#import', [files['camera-classifier.weights.bin']]);
  await reloaded.page.waitForFunction(() => !document.getElementById('error').hidden);
  assert.match(await error(), /Pick the exported \.json file together with its \.weights\.bin/);
  const firstError = await error();
  await reloaded.page.setInputFiles('#import', [files['camera-classifier.json']]);
  await reloaded.page.waitForFunction((last) => document.getElementById('error').textContent !== last, firstError);
  assert.match(await error(), /shard 'camera-classifier\.weights\.bin' is missing/);

  await reloaded.page.setInputFiles('#import', Object.values(files));
  await reloaded.page.waitForFunction(() => document.body.dataset.imported === 'true' || !document.getElementById('error').hidden);
  await reloaded.assertNoErrors();
  assert.deepEqual(await reloaded.page.locator('.class input').evaluateAll((inputs) => inputs.map((input) => input.value)), CLASSES,
    'the class names came back from the file');
  // The loaded model names a held-out view of each photo, as the trained one did.
  for (const name of CLASSES) assert.equal((await predictView(reloaded.page, name, HELD_OUT_VIEWS[1])).top, name);
  await reloaded.assertNoErrors();
  await reloaded.page.close();
});

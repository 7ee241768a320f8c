// demos/camera-classifier against the real dev server, fed by Chromium's fake
// camera. The fake camera plays ONE file (--use-file-for-fake-video-capture),
// but Chromium opens that file anew for every camera stream it starts
// (checked: stop the tracks, overwrite the file, getUserMedia again, and the
// new picture comes), so the test shows each class by stopping the page's
// camera, writing that class's clip over the file and starting the camera
// again. The two clips are clearly different moving scenes: red horizontal
// stripes drifting down, and blue checks drifting sideways.
// The page learns the two classes from examples captured by holding their
// buttons, must then predict each scene, export the model (two downloads),
// and a fresh page must load those files back, class names included, and
// predict each scene again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { y4m } from '../media_files.mjs';
import { openDemo, screenshots, useDemoServer } from './demo_server.mjs';

const WIDTH = 160;
const HEIGHT = 120;
const CLIP_FRAMES = 20;
const EXAMPLES_PER_CLASS = 8;
const CLASSES = ['Red stripes', 'Blue checks'];

/** A y4m clip of `picture(x, y, t)` -> {luma, chroma: [u, v]} over CLIP_FRAMES frames (chroma on the half-size grid). */
function movingClip(picture) {
  const frames = Array.from({ length: CLIP_FRAMES }, (_, t) => y4m({
    width: WIDTH, height: HEIGHT, frames: 1, fps: 10,
    luma: (x, y) => picture(x, y, t).luma, chroma: (x, y) => picture(2 * x, 2 * y, t).chroma,
  }));
  // Each one-frame file starts with the same header line: keep the first one only.
  return Buffer.concat(frames.map((frame, t) => (t ? frame.subarray(frame.indexOf(0x0a) + 1) : frame)));
}

const SCENES = {
  'Red stripes': movingClip((x, y, t) => ({ luma: ((y + 2 * t) >> 3) & 1 ? 190 : 60, chroma: [90, 210] })),
  'Blue checks': movingClip((x, y, t) => ({ luma: (((x + 3 * t) >> 4) + (y >> 4)) & 1 ? 210 : 40, chroma: [210, 100] })),
};

const site = useDemoServer({ camera: SCENES[CLASSES[0]] });

async function openReadyPage() {
  const demo = await openDemo(site.browser, `${site.server.url}/demos/camera-classifier/`);
  await demo.page.waitForFunction(() => document.body.dataset.ready === 'true' || !document.getElementById('error').hidden, null, { timeout: 90_000 });
  await demo.assertNoErrors();
  return demo;
}

/** Starts the page's camera (stopping it first when on) with `scene`'s clip in the fake camera's file. */
async function showScene(page, scene) {
  const camera = page.locator('#camera');
  if ((await camera.textContent()) === 'Stop camera') await camera.click();
  writeFileSync(site.cameraFile, SCENES[scene]);
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

async function assertPredicts(page, scene) {
  await showScene(page, scene);
  const seen = await prediction(page);
  assert.equal(seen.top, scene, `showing ${scene}, the page predicts ${JSON.stringify(seen)}`);
  assert.ok(seen.confidence > 0.8, `confidence ${seen.confidence} for ${scene}`);
  assert.deepEqual(seen.bars, CLASSES, 'one bar per class, in class order');
}

test('camera classifier: learns two fake-camera scenes from held-button examples, predicts each, exports and loads back', { timeout: 240_000 }, async () => {
  const { page, assertNoErrors } = await openReadyPage();
  assert.match(await page.title(), /Camera classifier/);
  assert.equal(await page.locator('#progress').evaluate((p) => p.value), 1, 'the load progress reached 1');
  assert.equal(await page.locator('#train').isDisabled(), true, 'no training before there are examples');
  const names = page.locator('.class input');
  for (const [index, name] of CLASSES.entries()) await names.nth(index).fill(name);

  // Examples: each class while its scene is on camera; the other class's count must not move.
  const counts = () => page.locator('.class').evaluateAll((rows) => rows.map((row) => Number(row.dataset.examples)));
  await showScene(page, CLASSES[0]);
  await holdToCapture(page, 0, EXAMPLES_PER_CLASS);
  await assertNoErrors();
  const [firstCount] = await counts();
  await showScene(page, CLASSES[1]);
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

  await assertPredicts(page, CLASSES[1]);
  await assertPredicts(page, CLASSES[0]);
  await screenshots(page, 'camera-classifier');
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
  await assertPredicts(reloaded.page, CLASSES[0]);
  await assertPredicts(reloaded.page, CLASSES[1]);
  await reloaded.assertNoErrors();
  await reloaded.page.close();
});

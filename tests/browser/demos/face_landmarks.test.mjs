// demos/face-landmarks against the real dev server (the three MediaPipe models made by
// `tensorweb examples`), fed by Chromium's fake camera showing scikit-image's
// astronaut.png (Eileen Collins in her orange suit; tests/fixtures/photos.mjs): a
// 320x240 clip of the photo's top three quarters. The page must find one face, where
// MediaPipe's detector run by LiteRT finds it on the very pixels the page fed its
// detector (tests/fixtures/face_detection_litert.py, its decoding and weighted NMS
// written apart from the page's), put the 468 landmarks inside it, and, with the
// background toggle on, a person mask high on the astronaut and low on the flag and
// the studio backdrop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { skimagePhoto } from '../../fixtures/photos.mjs';
import { ROOT } from '../helper.mjs';
import { y4mFromRgb } from '../media_files.mjs';
import { openDemo, screenshots, SCREENSHOTS, useDemoServer } from './demo_server.mjs';
import { decodePng } from './png.mjs';

const WIDTH = 320;
const HEIGHT = 240;
const CROP_ROWS = 384; // of the 512x512 photo: its top three quarters, 4:3
// Where things are in the photo (pixels of the 512x512 original, looked up by eye): her face, between the eyes
// and the mouth, and two patches of background, the flag's stripes (left edge) and the grey backdrop (top right).
const FACE_CENTRE = [225, 120];
const PERSON = { x: [0.3, 0.6], y: [0.2, 0.95] }; // her face, neck ring and suit, as fractions of the clip
const BACKGROUNDS = { flag: { x: [0, 0.1], y: [0.1, 0.6] }, backdrop: { x: [0.9, 1], y: [0, 0.2] } };
const MIN_IOU = 0.8;

/** The photo's top CROP_ROWS rows as a WIDTH x HEIGHT RGB frame, each pixel the mean of the source pixels it covers. */
function astronautFrame() {
  const photo = decodePng(skimagePhoto('astronaut.png'));
  const scale = photo.width / WIDTH;
  const frame = new Uint8Array(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const sum = [0, 0, 0];
      let count = 0;
      for (let sy = Math.floor(y * scale); sy < Math.min(CROP_ROWS, Math.ceil((y + 1) * scale)); sy++) {
        for (let sx = Math.floor(x * scale); sx < Math.ceil((x + 1) * scale); sx++, count++) {
          for (let c = 0; c < 3; c++) sum[c] += photo.rgb[3 * (sy * photo.width + sx) + c];
        }
      }
      for (let c = 0; c < 3; c++) frame[3 * (y * WIDTH + x) + c] = Math.round(sum[c] / count);
    }
  }
  return { frame, scale };
}

const { frame, scale } = astronautFrame();
const site = useDemoServer({ camera: y4mFromRgb({ width: WIDTH, height: HEIGHT, fps: 10, frames: [frame, frame] }) });

function iou([ax, ay, aw, ah], [bx, by, bw, bh]) {
  const inter = Math.max(0, Math.min(ax + aw, bx + bw) - Math.max(ax, bx)) * Math.max(0, Math.min(ay + ah, by + bh) - Math.max(ay, by));
  return inter / (aw * ah + bw * bh - inter);
}

/** The mean of the 16x16 block means of the mask over `region` (fractions of the frame). */
function maskMean(blocks, { x: [x0, x1], y: [y0, y1] }) {
  const picked = [];
  for (let by = Math.floor(16 * y0); by < Math.ceil(16 * y1); by++) for (let bx = Math.floor(16 * x0); bx < Math.ceil(16 * x1); bx++) picked.push(blocks[by * 16 + bx]);
  return picked.reduce((a, b) => a + b) / picked.length;
}

test('face landmarks: the astronaut\'s face found where LiteRT finds it, 468 points on it, the person masked', { timeout: 300_000 }, async (t) => {
  const { page, assertNoErrors } = await openDemo(site.browser, `${site.server.url}/demos/face-landmarks/`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true' || !document.getElementById('error').hidden, null, { timeout: 120_000 });
  await assertNoErrors();
  assert.match(await page.title(), /Face landmarks/);
  assert.equal(page.workers().length, 1, 'the three models run in one worker');
  assert.match(await page.locator('#status').textContent(), /Models ready on webgpu in a worker/);

  await page.locator('#background').check();
  await page.locator('#camera').click();
  // Three frames after the first: a steady frame rate, and the mask on.
  await page.waitForFunction(() => Number(document.getElementById('view').dataset.frames) >= 4 || !document.getElementById('error').hidden,
    null, { timeout: 180_000 });
  await assertNoErrors();
  const seen = await page.locator('#view').evaluate((view) => ({
    width: view.width, height: view.height, faces: JSON.parse(view.dataset.faces), mask: JSON.parse(view.dataset.mask),
    fps: Number(view.dataset.fps), shown: document.getElementById('fps').textContent, summary: document.getElementById('faces').textContent,
    // The pixels the detector was last fed (the clip is a still: every frame is the same).
    input: Array.from(document.getElementById('detector-input').getContext('2d').getImageData(0, 0, 128, 128).data),
  }));
  assert.deepEqual([seen.width, seen.height], [WIDTH, HEIGHT], 'the view is the camera frame\'s size');
  assert.ok(seen.fps > 0 && /^\d+\.\d frames\/s$/.test(seen.shown), `frame rate shown: ${seen.shown}`);
  t.diagnostic(`${seen.shown} on SwiftShader; ${seen.summary}`);
  assert.equal(seen.faces.length, 1, `one face: ${seen.summary}`);
  const [face] = seen.faces;

  // The oracle: LiteRT on the same 128x128 pixels.
  const rgb = Buffer.alloc(128 * 128 * 3);
  for (let i = 0; i < 128 * 128; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = seen.input[4 * i + c];
  const pixelsFile = join(site.folder, 'detector-input.rgb');
  writeFileSync(pixelsFile, rgb);
  const oracle = spawnSync(join(ROOT, '.venv/bin/python'), ['tests/fixtures/face_detection_litert.py', pixelsFile], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(oracle.status, 0, oracle.stderr);
  const expected = JSON.parse(oracle.stdout).faces;
  assert.equal(expected.length, 1, `LiteRT finds one face: ${oracle.stdout}`);
  const overlap = iou(face.inputBox, expected[0].box);
  t.diagnostic(`page box ${JSON.stringify(face.inputBox)} score ${face.score}; LiteRT ${JSON.stringify(expected[0].box.map((v) => Number(v.toFixed(4))))} score ${expected[0].score.toFixed(4)}; IoU ${overlap.toFixed(4)}`);
  assert.ok(overlap >= MIN_IOU, `IoU ${overlap} with LiteRT's box`);
  assert.ok(Math.abs(face.score - expected[0].score) < 0.02, `score ${face.score} vs LiteRT's ${expected[0].score}`);

  // On her face: the box (frame pixels) holds the point between her eyes and mouth, and is face-sized.
  const [x, y, w, h] = face.box;
  const [cx, cy] = FACE_CENTRE.map((v) => v / scale);
  assert.ok(x < cx && cx < x + w && y < cy && cy < y + h, `box ${face.box} holds her face's centre (${cx}, ${cy})`);
  assert.ok(w > 25 && w < 110, `box width ${w} px of a ${WIDTH} px frame`);

  // The 468 landmarks, in the box (the mesh reaches the forehead and chin: the box enlarged by a tenth).
  assert.ok(face.presence > 0.9, `face presence ${face.presence}`);
  assert.equal(face.landmarks.length, 468 * 2);
  const within = (margin) => {
    let count = 0;
    for (let i = 0; i < face.landmarks.length; i += 2) {
      const [px, py] = [face.landmarks[i], face.landmarks[i + 1]];
      if (px >= x - margin * w && px <= x + (1 + margin) * w && py >= y - margin * h && py <= y + (1 + margin) * h) count += 1;
    }
    return count;
  };
  t.diagnostic(`landmarks inside the box: ${within(0)} of 468; inside it enlarged by a tenth: ${within(0.1)}`);
  assert.equal(within(0.1), 468);
  assert.ok(within(0) >= 0.9 * 468, 'nine in ten inside the box itself');

  // The mask: high on the astronaut, low on the flag and the backdrop.
  const person = maskMean(seen.mask, PERSON);
  const backgrounds = Object.fromEntries(Object.entries(BACKGROUNDS).map(([name, region]) => [name, maskMean(seen.mask, region)]));
  t.diagnostic(`mask mean: person ${person.toFixed(3)}, ${Object.entries(backgrounds).map(([n, v]) => `${n} ${v.toFixed(3)}`).join(', ')}`);
  assert.ok(person > 0.8, `mask on the person ${person}`);
  for (const [name, value] of Object.entries(backgrounds)) assert.ok(value < 0.2, `mask on the ${name} ${value}`);

  await screenshots(page, 'face-landmarks');
  copyFileSync(join(SCREENSHOTS, 'face-landmarks-desktop.png'), '/tmp/face-landmarks.png');
  await assertNoErrors();

  // Stopping the camera stops the frames; the toggle off draws the camera as it is.
  await page.locator('#camera').click();
  assert.equal(await page.locator('#camera').textContent(), 'Start camera');
  await page.close();
});

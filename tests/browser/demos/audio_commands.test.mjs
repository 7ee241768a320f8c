// demos/audio-commands against the real dev server, with Chromium's fake
// microphone playing a WAV file this test writes: a steady 440 Hz tone for one
// sound and rising 1.5-5 kHz chirps for the other. The page must draw their
// log-mel spectrograms at the right pitches, learn both from clips recorded
// through its hold-to-record buttons, and then name each one, fed again, as
// its top class. Bad input (no clips, 0 epochs) must be refused in the page.
//
// Two sounds in one browser: --use-file-for-fake-audio-capture names one path,
// but Chromium opens that file anew for each getUserMedia stream (tried: stop
// the tracks, overwrite the file, getUserMedia again, and the new tone is
// heard). The page opens the microphone for each recording and each listening
// session, so the test overwrites the file between them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tone, wav } from '../media_files.mjs';
import { openDemo, screenshot, useDemoServer } from './demo_server.mjs';

const SAMPLE_RATE = 16000;
const CLIPS_PER_SOUND = 5;
const EPOCHS = 10; // these two sounds bring the loss near 0 within a few epochs

/** Sweeps from `fromHz` to `toHz`, one every `period` seconds, as float samples. */
function chirps(seconds, fromHz, toHz, period, amplitude = 0.5) {
  let phase = 0;
  return Float32Array.from({ length: Math.round(seconds * SAMPLE_RATE) }, (_, i) => {
    const along = ((i / SAMPLE_RATE) % period) / period;
    phase += (2 * Math.PI * (fromHz + (toHz - fromHz) * along)) / SAMPLE_RATE;
    return amplitude * Math.sin(phase);
  });
}

const SOUNDS = [
  { name: 'low tone', samples: tone(2, 440, SAMPLE_RATE) },
  { name: 'chirp', samples: chirps(2, 1500, 5000, 0.25) },
];

const site = useDemoServer({ microphone: wav(SOUNDS[0].samples, SAMPLE_RATE) });

/** What the fake microphone plays from the next time the page opens it. */
const play = (sound) => writeFileSync(site.microphoneFile, wav(sound.samples, SAMPLE_RATE));

/** Train is pressed with bad input: the page shows `message` in its error box (hidden again here for what follows). */
async function expectRefusal(page, message) {
  await page.click('#train');
  await page.locator('#error').waitFor();
  assert.match(await page.locator('#error').textContent(), message);
  await page.evaluate(() => { document.getElementById('error').hidden = true; });
}

const idleOrError = () => (!document.body.dataset.busy || !document.getElementById('error').hidden);

test('audio commands: clips of a tone and of chirps recorded through the page train its CNN, which then names each sound fed again', async (t) => {
  const { page, assertNoErrors } = await openDemo(site.browser, `${site.server.url}/demos/audio-commands/`);
  assert.match(await page.title(), /Audio commands/);
  await page.waitForFunction(() => document.body.dataset.ready === 'true' || !document.getElementById('error').hidden, null, { timeout: 30_000 });
  await assertNoErrors();

  // Training without clips is refused with the sound at fault named, in the page.
  await expectRefusal(page, /"yes" has 0 clips: record at least 3/);

  const soundCards = page.locator('#sounds .sound');
  for (const [i, sound] of SOUNDS.entries()) {
    await soundCards.nth(i).locator('.name').fill(sound.name);
    play(sound);
    // Hold the record button until enough one-second clips are in, then let go.
    await soundCards.nth(i).locator('.record').hover();
    await page.mouse.down();
    await page.waitForFunction(([index, clips]) => Number(document.querySelectorAll('#sounds .count')[index].dataset.count) >= clips
      || !document.getElementById('error').hidden, [i, CLIPS_PER_SOUND], { timeout: 30_000 });
    await page.mouse.up();
    await page.waitForFunction(idleOrError, null, { timeout: 10_000 });
    await assertNoErrors();
  }
  const counts = await page.locator('#sounds .count').evaluateAll((spans) => spans.map((s) => Number(s.dataset.count)));
  t.diagnostic(`clips recorded: ${counts}`);
  assert.ok(counts.every((n) => n >= CLIPS_PER_SOUND), `clips ${counts}`);
  assert.equal(await page.locator('#sounds .clips canvas').count(), counts[0] + counts[1]);
  // The drawn spectrograms (low pitches at the bottom of 40 mel rows): the 440 Hz
  // tone is brightest near the bottom, the 1.5-5 kHz chirps in the upper half.
  const brightestRows = await soundCards.evaluateAll((cards) => cards.map((card) => {
    const canvas = card.querySelector('.clips canvas:last-child');
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const rows = Array.from({ length: canvas.height }, (_, y) => {
      let sum = 0;
      for (let i = 4 * y * canvas.width; i < 4 * (y + 1) * canvas.width; i += 4) sum += pixels[i] + pixels[i + 1] + pixels[i + 2];
      return sum;
    });
    return rows.indexOf(Math.max(...rows));
  }));
  t.diagnostic(`brightest drawn mel row (0 = top of 40): ${brightestRows}`);
  assert.ok(brightestRows[0] >= 30, `tone drawn brightest at row ${brightestRows[0]}`);
  assert.ok(brightestRows[1] < 20, `chirps drawn brightest at row ${brightestRows[1]}`);

  await page.fill('#epochs', '0');
  await expectRefusal(page, /Epochs must be a whole number from 1 to 200, got "0"/);
  await page.fill('#epochs', String(EPOCHS));
  await page.click('#train');
  await page.waitForFunction(() => document.body.dataset.trained === 'true' || !document.getElementById('error').hidden, null, { timeout: 60_000 });
  await assertNoErrors();
  t.diagnostic(await page.locator('#train-status').textContent());

  for (const sound of SOUNDS) {
    play(sound);
    await page.click('#listen');
    // Three predictions, each on a full one-second window of this sound.
    await page.waitForFunction(() => Number(document.getElementById('heard').dataset.predictions) >= 3
      || !document.getElementById('error').hidden, null, { timeout: 30_000 });
    const heard = await page.locator('#heard').getAttribute('data-label');
    const bars = await page.locator('#bars').innerText();
    t.diagnostic(`fed "${sound.name}", the page heard "${heard}" (${bars.replace(/\s+/g, ' ')})`);
    if (sound === SOUNDS.at(-1)) await screenshot(page, 'audio-commands');
    await page.click('#listen');
    await page.waitForFunction(idleOrError, null, { timeout: 10_000 });
    await assertNoErrors();
    assert.equal(heard, sound.name);
  }
  await page.close();
});

// demos/audio-commands against the real dev server, with Chromium's fake
// microphone playing spoken words: espeak-ng (tests/fixtures/speech.mjs) says
// "yes", "no" and "stop" in several voices, speeds and pitches, some with
// background noise at 10 dB SNR; the silence / unknown class gets noise alone
// and other words. The page records training clips through its hold-to-record
// buttons, trains, records held-out test clips in voices the training never
// heard, and must hear them right (TEST_ACCURACY or better, its confusion table
// shown in the page); then it must recognise a held-out word live. Bad input
// (no clips, 0 epochs) must be refused in the page.
//
// One class at a time: --use-file-for-fake-audio-capture names one path, but
// Chromium opens that file anew for each getUserMedia stream (tried: stop the
// tracks, overwrite the file, getUserMedia again, and the new sound is heard).
// The page opens the microphone for each recording and each listening session,
// so the test overwrites the file between them. Each word sits in the middle of
// a slot as long as the page's clip (32 log-mel frames of 512 samples); the
// page's clips are not aligned to the slots (the analyser is read on a timer),
// so a clip may hold the end of one word and the start of the next.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { wav } from '../media_files.mjs';
import { SAMPLE_RATE, concatenate, gaussian, slot, speak } from '../../fixtures/speech.mjs';
import { openDemo, screenshots, useDemoServer } from './demo_server.mjs';

const SLOT = 32 * 512;
const WORDS = ['yes', 'no', 'stop'];
const SILENCE = 'silence / unknown';
const UNKNOWN_WORDS = ['bird', 'wow']; // other Speech Commands words, which the model must not take for one of WORDS
// A voice is an espeak-ng language and variant; the test voices share neither with any training voice.
const TRAINING_VOICES = ['en-us+m3', 'en-gb+f2', 'en-gb-scotland+m1', 'en-029+f4', 'en-gb-x-gbcwmd+m2', 'en-us+f5'];
const TEST_VOICES = ['en-gb-x-rp+m7', 'en-gb-x-gbclan+f3'];
// Each voice says each word twice: slowly and low, clean; then fast and high, with noise at 10 dB SNR.
const DELIVERIES = [{ speed: 140, pitch: 35, snrDb: null }, { speed: 190, pitch: 70, snrDb: 10 }];
const NOISE_LEVELS = [0.005, 0.02, 0.05]; // standard deviations of the noise-only slots
const EPOCHS = 40;
const TEST_ACCURACY = 0.8;

/** The slots one class's recording plays: each voice saying each of `words`, in both deliveries, and `noiseSlots` of noise alone. */
function recording(words, voices, noise, noiseSlots = 0) {
  const spoken = voices.flatMap((voice) => words.flatMap((word) => DELIVERIES.map(({ speed, pitch, snrDb }) => (
    slot(SLOT, { speech: speak(word, { voice, speed, pitch }), snrDb, noise })))));
  const quiet = Array.from({ length: noiseSlots }, (_, i) => slot(SLOT, { noise, noiseLevel: NOISE_LEVELS[i % NOISE_LEVELS.length] }));
  return [...spoken, ...quiet];
}

/** Each class's training and test recordings, as arrays of slots. Unknown words: one per voice, so the class is not mostly words. */
function makeRecordings() {
  const noise = gaussian(22);
  const sets = {};
  for (const [into, voices] of [['train', TRAINING_VOICES], ['test', TEST_VOICES]]) {
    for (const word of WORDS) (sets[word] ??= {})[into] = recording([word], voices, noise);
    sets[SILENCE] ??= {};
    sets[SILENCE][into] = [
      ...voices.flatMap((voice, i) => recording([UNKNOWN_WORDS[i % UNKNOWN_WORDS.length]], [voice], noise).slice(0, 1)),
      ...recording([], [], noise, voices.length),
    ];
  }
  return sets;
}

const RECORDINGS = makeRecordings();
const CLASSES = [...WORDS, SILENCE];

const site = useDemoServer({ microphone: wav(concatenate(RECORDINGS.yes.train), SAMPLE_RATE) });

/** What the fake microphone plays from the next time the page opens it. */
const play = (slots) => writeFileSync(site.microphoneFile, wav(concatenate(slots), SAMPLE_RATE));

/** Train is pressed with bad input: the page shows `message` in its error box (hidden again here for what follows). */
async function expectRefusal(page, message) {
  await page.click('#train');
  await page.locator('#error').waitFor();
  assert.match(await page.locator('#error').textContent(), message);
  await page.evaluate(() => { document.getElementById('error').hidden = true; });
}

const idleOrError = () => (!document.body.dataset.busy || !document.getElementById('error').hidden);

/** Holds sound `index`'s record button while the microphone plays `slots`, until the page has one clip per slot in `field` ('count' or 'tests'). */
async function recordClips(page, index, slots, field) {
  play(slots);
  const card = page.locator('#sounds .sound').nth(index);
  await card.locator('.record').hover();
  await page.mouse.down();
  await page.waitForFunction(([i, key, clips]) => Number(document.querySelectorAll('#sounds .count')[i].dataset[key]) >= clips
    || !document.getElementById('error').hidden, [index, field, slots.length], { timeout: 60_000 });
  await page.mouse.up();
  await page.waitForFunction(idleOrError, null, { timeout: 10_000 });
}

test('audio commands: spoken yes / no / stop recorded through the page train its CNN, which hears held-out voices right and recognises a word live', { timeout: 480_000 }, async (t) => {
  const { page, assertNoErrors } = await openDemo(site.browser, `${site.server.url}/demos/audio-commands/`);
  assert.match(await page.title(), /Audio commands/);
  await page.waitForFunction(() => document.body.dataset.ready === 'true' || !document.getElementById('error').hidden, null, { timeout: 30_000 });
  await assertNoErrors();

  // Training without clips is refused with the sound at fault named, in the page.
  await expectRefusal(page, /"yes" has 0 clips: record at least 3/);

  // Sounds: the page starts with "yes" and "no"; "stop" and the silence / unknown class are added.
  await page.click('#add');
  await page.check('#noise');
  assert.deepEqual(await page.locator('#sounds .name').evaluateAll((inputs) => inputs.map((i) => i.value)), CLASSES);

  for (const [i, name] of CLASSES.entries()) {
    await recordClips(page, i, RECORDINGS[name].train, 'count');
    await assertNoErrors();
  }
  const counts = await page.locator('#sounds .count').evaluateAll((spans) => spans.map((s) => Number(s.dataset.count)));
  t.diagnostic(`training clips recorded: ${counts} (slots played: ${CLASSES.map((name) => RECORDINGS[name].train.length)})`);
  assert.ok(counts.every((n, i) => n >= RECORDINGS[CLASSES[i]].train.length), `clips ${counts}`);

  await page.fill('#epochs', '0');
  await expectRefusal(page, /Epochs must be a whole number from 1 to 200, got "0"/);
  await page.fill('#epochs', String(EPOCHS));
  await page.click('#train');
  await page.waitForFunction(() => document.body.dataset.trained === 'true' || !document.getElementById('error').hidden, null, { timeout: 240_000 });
  await assertNoErrors();
  t.diagnostic(await page.locator('#train-status').textContent());

  // Held-out clips: recorded for the test, in voices the training never heard.
  await page.check('input[name=target][value=test]');
  for (const [i, name] of CLASSES.entries()) {
    await recordClips(page, i, RECORDINGS[name].test, 'tests');
    await assertNoErrors();
  }
  const matrix = JSON.parse(await page.locator('#confusion').getAttribute('data-matrix'));
  const accuracy = Number(await page.locator('#check-status').getAttribute('data-accuracy'));
  t.diagnostic(`${await page.locator('#check-status').textContent()} confusion (rows recorded, columns heard, ${CLASSES.join(' | ')}): ${JSON.stringify(matrix)}`);
  assert.ok(await page.locator('#confusion').isVisible(), 'the confusion table is shown');
  assert.deepEqual(await page.locator('#confusion th[scope=row]').allTextContents(), CLASSES);
  const tests = await page.locator('#sounds .count').evaluateAll((spans) => spans.map((s) => Number(s.dataset.tests)));
  assert.deepEqual(matrix.map((row) => row.reduce((a, b) => a + b, 0)), tests, 'each test clip is counted once, in its sound\'s row');
  assert.ok(accuracy >= TEST_ACCURACY, `held-out accuracy ${accuracy}`);

  // Live: a held-out voice saying "stop" over and over; the sliding window must name it most often.
  await page.check('input[name=target][value=train]');
  play(RECORDINGS.stop.test);
  await page.click('#listen');
  const heard = [];
  while (heard.length < 8) {
    await page.waitForFunction((n) => Number(document.getElementById('heard').dataset.predictions) > n
      || !document.getElementById('error').hidden, heard.length, { timeout: 30_000 });
    heard.push(await page.locator('#heard').getAttribute('data-label'));
  }
  await page.click('#listen');
  await page.waitForFunction(idleOrError, null, { timeout: 10_000 });
  await assertNoErrors();
  t.diagnostic(`playing "stop" live, the page heard: ${heard.join(', ')}`);
  const times = (label) => heard.filter((h) => h === label).length;
  assert.ok(CLASSES.every((name) => times('stop') >= times(name)), `"stop" is not what the page heard most: ${heard}`);

  // The live spectrogram stays a modest size beside its axes at any width.
  await screenshots(page, 'audio-commands');
  const plot = await page.locator('#live').boundingBox();
  assert.ok(plot.width <= 360, `the spectrogram is ${plot.width} px wide`);
  assert.ok(await page.getByText('80 Hz').isVisible() && await page.getByText('1 s', { exact: true }).isVisible(), 'the axes are labelled');
  await assertNoErrors();
  await page.close();
});

// Audio commands: one-second clips from the microphone become log-mel
// spectrograms (tw.logMelSpectrogram on the waveform that tw.data.microphone
// captures), a small CNN learns them in the page with the layers API, and a
// sliding one-second window of the live microphone is classified. Clips
// recorded for the test are never trained on: the page classifies them after
// training and shows how often each sound was taken for which (the confusion).
//
// The microphone is opened for each recording and while listening, and closed
// otherwise: the browser's microphone indicator is only on while the page
// listens (and Chromium's fake microphone in the tests rereads its file).
import * as tw from '/js/dist/tensorweb.js';
import { confidenceBar, drawLossChart, showError, startBackend, wholeNumberIn } from '../common.js';

const SAMPLE_RATE = 16000;
const FRAME_LENGTH = 512; // 32 ms: one log-mel frame (the microphone hands over its samples in order)
const CHUNK_FRAMES = 4; // the spectrogram is drawn and the window classified every 4 frames (128 ms)
const CLIP_FRAMES = 32; // a clip, and the recognition window: 32 frames, about one second
const MEL_BINS = 40;
const CLIP_VALUES = CLIP_FRAMES * MEL_BINS;
const MIN_CLIPS = 3;
const MIN_SOUNDS = 2;
const MAX_SOUNDS = 4;
const DEFAULT_NAMES = ['yes', 'no', 'stop', 'go'];
// Speech Commands' "_silence_" and "_unknown_" in one class: what the model answers for none of the words.
const NOISE_NAME = 'silence / unknown';
const SEED = 7;
// Each epoch moves every training clip by up to this many frames (160 ms) either way, so that the
// model knows a word off the clip's centre, as the sliding window mostly sees it.
const MAX_SHIFT = 5;
// The colour scale of the drawings: log(1e-6), what silence gives, up to a loud sound.
const SILENCE = Math.log(1e-6);
const LOUD = 5;
// What the model gets of a clip: anything quieter than FLOOR raised to it (a quiet room's hiss
// and digital silence, 10 log-units apart, are the same nothing), then the clip scaled to mean 0
// and spread 1 on its own, so that the microphone's gain does not matter (as TF.js's
// speech-commands does). On spoken words in unseen voices, with and without noise, this
// fitted better and erred less than one mean and spread for all clips.
const FLOOR = -4;

const MICROPHONE = {
  sampleRateHz: SAMPLE_RATE, fftSize: FRAME_LENGTH, numFramesPerSpectrogram: CHUNK_FRAMES,
  includeSpectrogram: false, includeWaveform: true,
  // The browser's voice processing would rescale and filter what the model hears differently from clip to clip.
  audioTrackConstraints: { autoGainControl: false, echoCancellation: false, noiseSuppression: false },
};
const LOG_MEL = { sampleRate: SAMPLE_RATE, frameLength: FRAME_LENGTH, frameStep: FRAME_LENGTH, numMelBins: MEL_BINS };

const $ = (id) => document.getElementById(id);
const soundName = (sound) => sound.element.querySelector('.name').value.trim();
const clipCount = (n) => `${n} clip${n === 1 ? '' : 's'}`;
const sounds = []; // { element, clips: Float32Array[], tests: Float32Array[] (held out), noise }
let busy = null; // 'recording' | 'training' | 'listening' | null: one use of the microphone or GPU at a time
let holding = false; // a record button is held down
let listening = false;
let trained = null; // { model, names }
const lossHistory = [];

function clearError() {
  $('error').hidden = true;
}

function setBusy(state) {
  busy = state;
  if (state) document.body.dataset.busy = state;
  else delete document.body.dataset.busy;
  refreshControls();
}

function refreshControls() {
  const idle = busy === null;
  const hasNoise = sounds.some((s) => s.noise);
  for (const sound of sounds) {
    sound.element.querySelector('.record').disabled = !idle;
    sound.element.querySelector('.clear').disabled = !idle || sound.clips.length + sound.tests.length === 0;
    sound.element.querySelector('.remove').disabled = !idle || sounds.length <= MIN_SOUNDS;
  }
  $('add').disabled = !idle || sounds.length >= MAX_SOUNDS;
  $('noise').checked = hasNoise;
  $('noise').disabled = !idle || (hasNoise ? sounds.length <= MIN_SOUNDS : sounds.length >= MAX_SOUNDS);
  $('train').disabled = !idle;
  $('listen').disabled = !trained || (busy !== null && busy !== 'listening');
  $('listen').textContent = listening ? 'Stop listening' : 'Start listening';
}

/** Where the record buttons put their clips: 'clips' (training) or 'tests' (held out). */
const recordingInto = () => (document.querySelector('input[name=target]:checked').value === 'test' ? 'tests' : 'clips');

/** Draws log-mel frames (frame-major, CLIP_FRAMES × MEL_BINS) with time left to right and low pitches at the bottom. */
function drawSpectrogram(canvas, frames) {
  const g = canvas.getContext('2d');
  const image = g.createImageData(CLIP_FRAMES, MEL_BINS);
  // A dark-blue → purple → orange → yellow scale.
  const stops = [[13, 16, 48], [84, 39, 143], [212, 72, 66], [254, 224, 101]];
  for (let t = 0; t < CLIP_FRAMES; t++) {
    for (let m = 0; m < MEL_BINS; m++) {
      const level = Math.min(1, Math.max(0, (frames[t * MEL_BINS + m] - SILENCE) / (LOUD - SILENCE))) * (stops.length - 1);
      const low = Math.min(stops.length - 2, Math.floor(level));
      const mix = level - low;
      const pixel = 4 * ((MEL_BINS - 1 - m) * CLIP_FRAMES + t);
      for (let c = 0; c < 3; c++) image.data[pixel + c] = stops[low][c] + mix * (stops[low + 1][c] - stops[low][c]);
      image.data[pixel + 3] = 255;
    }
  }
  g.putImageData(image, 0, 0);
}

/** Log-mel frames of a captured waveform ([CHUNK_FRAMES · FRAME_LENGTH, 1]) as CHUNK_FRAMES × MEL_BINS values. */
async function logMelFrames(waveform) {
  const frames = tw.tidy(() => tw.logMelSpectrogram(waveform.reshape([CHUNK_FRAMES, FRAME_LENGTH]), LOG_MEL).reshape([-1]));
  waveform.dispose();
  const values = await frames.data();
  frames.dispose();
  return values;
}

/**
 * Opens the microphone and hands `onFrames` the log-mel frames of each chunk
 * as it arrives, until `onFrames` resolves to false; then closes the microphone.
 */
async function streamLogMel(onFrames) {
  const microphone = await tw.data.microphone(MICROPHONE);
  let next = microphone.capture();
  try {
    for (;;) {
      const { waveform } = await next;
      // The next chunk is captured while this one is processed, so no audio is lost meanwhile.
      next = microphone.capture();
      if (!(await onFrames(await logMelFrames(waveform)))) break;
    }
  } finally {
    next.catch(() => {}); // stopping rejects the chunk that is still being captured
    microphone.stop();
  }
}

function soundsChanged() {
  if (trained) $('train-status').textContent = `The sounds changed since training; the model still knows ${trained.names.join(', ')}. Train again to update it.`;
  refreshControls();
}

function showClips(sound) {
  const count = sound.element.querySelector('.count');
  count.textContent = clipCount(sound.clips.length) + (sound.tests.length ? `, ${sound.tests.length} for the test` : '');
  count.dataset.count = String(sound.clips.length);
  count.dataset.tests = String(sound.tests.length);
}

/** Adds `clip` to the sound's training clips or its test clips (`into`: 'clips' or 'tests'), with a thumbnail. */
function addClip(sound, clip, into) {
  sound[into].push(clip);
  const thumbnail = document.createElement('canvas');
  thumbnail.width = CLIP_FRAMES;
  thumbnail.height = MEL_BINS;
  if (into === 'tests') {
    thumbnail.className = 'test';
    thumbnail.title = 'a test clip (not trained on)';
  }
  drawSpectrogram(thumbnail, clip);
  sound.element.querySelector('.clips').append(thumbnail);
  showClips(sound);
  // A new training clip makes the model out of date; a new test clip is only checked.
  if (into === 'clips') soundsChanged();
}

/** Records one-second clips into `sound` (its training or test clips) while its button is held, and at least one. */
async function record(sound) {
  clearError();
  const button = sound.element.querySelector('.record');
  const into = recordingInto();
  setBusy('recording');
  button.classList.add('recording');
  button.textContent = 'Recording…';
  $('status').textContent = `Recording "${soundName(sound) || 'unnamed'}": release the button to stop after this clip.`;
  try {
    let clip = new Float32Array(CLIP_VALUES).fill(SILENCE);
    let filled = 0;
    await streamLogMel(async (frames) => {
      clip.set(frames, filled * MEL_BINS);
      filled += CHUNK_FRAMES;
      drawSpectrogram($('live'), clip);
      if (filled === CLIP_FRAMES) {
        addClip(sound, clip, into);
        clip = new Float32Array(CLIP_VALUES).fill(SILENCE);
        filled = 0;
      }
      return holding || filled > 0;
    });
    $('status').textContent = `"${soundName(sound) || 'unnamed'}" has ${sound.element.querySelector('.count').textContent}.`;
    if (into === 'tests' && trained) await checkTests();
  } finally {
    holding = false;
    button.classList.remove('recording');
    button.textContent = 'Hold to record';
    setBusy(null);
  }
}

function addSound({ noise = false } = {}) {
  const element = $('sound-template').content.firstElementChild.cloneNode(true);
  const sound = { element, clips: [], tests: [], noise };
  const used = new Set(sounds.map(soundName));
  element.querySelector('.name').value = noise ? NOISE_NAME : (DEFAULT_NAMES.find((name) => !used.has(name)) ?? '');
  element.querySelector('.name').placeholder = 'name, e.g. stop';
  element.querySelector('.remove').hidden = noise; // the checkbox adds and removes it
  const button = element.querySelector('.record');
  // Pointer events, so that holding works with a finger as with a mouse.
  button.addEventListener('pointerdown', (event) => {
    if (busy || event.button !== 0) return;
    button.setPointerCapture(event.pointerId);
    holding = true;
    record(sound).catch(showError);
  });
  const release = () => { holding = false; };
  button.addEventListener('pointerup', release);
  button.addEventListener('pointercancel', release);
  button.addEventListener('contextmenu', (event) => event.preventDefault());
  // Enter or space on the focused button (a click with no pointer): one clip.
  button.addEventListener('click', (event) => {
    if (event.detail === 0 && !busy) record(sound).catch(showError);
  });
  element.querySelector('.clear').addEventListener('click', () => {
    sound.clips = [];
    sound.tests = [];
    element.querySelector('.clips').replaceChildren();
    showClips(sound);
    soundsChanged();
  });
  element.querySelector('.remove').addEventListener('click', () => removeSound(sound));
  element.querySelector('.name').addEventListener('input', soundsChanged);
  sounds.push(sound);
  // Background noise stays last.
  const noiseSound = sounds.find((s) => s.noise && s !== sound);
  $('sounds').insertBefore(element, noiseSound?.element ?? null);
  if (noiseSound) sounds.push(sounds.splice(sounds.indexOf(noiseSound), 1)[0]);
  showClips(sound);
  soundsChanged();
}

function removeSound(sound) {
  sounds.splice(sounds.indexOf(sound), 1);
  sound.element.remove();
  soundsChanged();
}

/** The sounds' names, checked: each named, no two alike, each with MIN_CLIPS clips or more. */
function checkedNames() {
  const names = sounds.map(soundName);
  names.forEach((name, i) => {
    if (!name) throw new Error(`Sound ${i + 1} has no name: type one in its box.`);
    if (names.indexOf(name) !== i) throw new Error(`Two sounds are called "${name}": give each its own name.`);
    const clips = sounds[i].clips.length;
    if (clips < MIN_CLIPS) throw new Error(`"${name}" has ${clipCount(clips)}: record at least ${MIN_CLIPS} of each sound.`);
  });
  return names;
}

function buildModel(classes) {
  tw.layers.setSeed(SEED); // the same weights and batch order for the same clips
  const model = tw.sequential({ layers: [
    // 64 ms by two mel bands is fine enough for words, and a quarter of the work (it trained
    // as well, in less than half the time, on a software GPU).
    tw.layers.averagePooling2d({ inputShape: [CLIP_FRAMES, MEL_BINS, 1], poolSize: 2 }),
    tw.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
    tw.layers.maxPooling2d({ poolSize: 2 }),
    tw.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
    // The strongest response over the whole second, per pitch band and filter: a word is the same word
    // wherever it falls in the window (on spoken words from unseen voices this beat a flatten of every position).
    tw.layers.maxPooling2d({ poolSize: [CLIP_FRAMES / 4, 1] }),
    tw.layers.flatten(),
    tw.layers.dropout({ rate: 0.25 }),
    tw.layers.dense({ units: classes, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: tw.train.adam(0.005), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

async function train() {
  clearError();
  const names = checkedNames();
  const epochs = wholeNumberIn($('epochs'), 'Epochs');
  setBusy('training');
  try {
    const clips = sounds.flatMap((sound) => sound.clips);
    const labels = sounds.flatMap((sound, i) => sound.clips.map(() => i));
    const random = seededRandom(SEED);
    const ys = tw.tidy(() => tw.oneHot(tw.tensor(labels, [labels.length], 'int32'), names.length).cast('float32'));
    trained?.model.dispose();
    trained = null;
    delete document.body.dataset.trained;
    const model = buildModel(names.length);
    lossHistory.length = 0;
    drawLossChart($('loss'), lossHistory, epochs);
    const started = performance.now();
    let accuracy = 0;
    try {
      for (let epoch = 0; epoch < epochs; epoch++) {
        const moved = clips.map((clip) => shifted(clip, Math.round((2 * random() - 1) * MAX_SHIFT)));
        const xs = modelInput(moved);
        try {
          const { history } = await model.fit(xs, ys, { epochs: 1, batchSize: 8, shuffle: true });
          lossHistory.push(history.loss[0]);
          accuracy = (history.acc ?? history.accuracy)[0];
        } finally {
          xs.dispose();
        }
        drawLossChart($('loss'), lossHistory, epochs);
        $('train-status').textContent = `Epoch ${epoch + 1}/${epochs}: loss ${lossHistory.at(-1).toFixed(3)}`;
        await tw.nextFrame(); // let the page paint between epochs
      }
    } finally {
      ys.dispose();
    }
    trained = { model, names };
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    $('train-status').textContent = `Trained ${epochs} epochs on ${clips.length} clips in ${seconds} s on ${tw.getBackend()}: `
      + `loss ${lossHistory.at(-1).toFixed(3)}, last epoch's accuracy ${(accuracy * 100).toFixed(0)}%. Press "Start listening".`;
    showBars(names.map(() => 0));
    await checkTests();
    document.body.dataset.trained = 'true';
  } finally {
    setBusy(null);
  }
}

/** The clips (log-mel values, CLIP_VALUES each) as the model's input: [clips, CLIP_FRAMES, MEL_BINS, 1], each as FLOOR says. */
function modelInput(clips) {
  const values = new Float32Array(clips.length * CLIP_VALUES);
  clips.forEach((clip, i) => {
    const floored = clip.map((value) => Math.max(value, FLOOR));
    const mean = floored.reduce((a, b) => a + b, 0) / CLIP_VALUES;
    const spread = Math.sqrt(floored.reduce((a, b) => a + (b - mean) ** 2, 0) / CLIP_VALUES) || 1;
    values.set(floored.map((value) => (value - mean) / spread), i * CLIP_VALUES);
  });
  return tw.tensor(values, [clips.length, CLIP_FRAMES, MEL_BINS, 1]);
}

/** `clip` moved `shift` frames later (earlier when negative); the frames it uncovers repeat its first (last) frame. */
function shifted(clip, shift) {
  const out = new Float32Array(CLIP_VALUES);
  for (let t = 0; t < CLIP_FRAMES; t++) {
    const from = Math.min(CLIP_FRAMES - 1, Math.max(0, t - shift));
    out.set(clip.subarray(from * MEL_BINS, (from + 1) * MEL_BINS), t * MEL_BINS);
  }
  return out;
}

/** Uniform numbers in [0, 1) from `seed` (mulberry32): the same shifts for the same clips. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The trained model's class probabilities for each clip (log-mel values, CLIP_VALUES each). */
async function classify(clips) {
  const output = tw.tidy(() => trained.model.predict(modelInput(clips)));
  const probabilities = await output.data();
  output.dispose();
  return clips.map((_, i) => Array.from(probabilities.subarray(i * trained.names.length, (i + 1) * trained.names.length)));
}

/**
 * Classifies every test clip of the sounds the model knows and shows the
 * confusion: one row per sound recorded, one column per sound heard.
 */
async function checkTests() {
  const { names } = trained;
  const tested = sounds.filter((sound) => sound.tests.length && names.includes(soundName(sound)));
  const table = $('confusion');
  if (!tested.length) {
    table.hidden = true;
    $('check-status').textContent = 'No test clips yet: choose "the test" above and record a few clips of each sound, in a voice or a place the training clips do not have.';
    return;
  }
  const matrix = names.map(() => names.map(() => 0));
  for (const sound of tested) {
    const truth = names.indexOf(soundName(sound));
    for (const probabilities of await classify(sound.tests)) matrix[truth][probabilities.indexOf(Math.max(...probabilities))] += 1;
  }
  const total = matrix.flat().reduce((a, b) => a + b, 0);
  const right = names.reduce((sum, _, i) => sum + matrix[i][i], 0);
  const head = document.createElement('tr');
  head.append(document.createElement('th'), ...names.map((name) => Object.assign(document.createElement('th'), { scope: 'col', textContent: name })));
  const rows = names.map((name, truth) => {
    const row = document.createElement('tr');
    row.append(Object.assign(document.createElement('th'), { scope: 'row', textContent: name }));
    row.append(...matrix[truth].map((count, heard) => Object.assign(document.createElement('td'), {
      textContent: String(count), className: count === 0 ? '' : truth === heard ? 'right' : 'wrong',
    })));
    return row;
  });
  const caption = Object.assign(document.createElement('caption'), { className: 'status', textContent: 'rows: recorded; columns: heard' });
  table.replaceChildren(caption, head, ...rows);
  table.dataset.matrix = JSON.stringify(matrix);
  table.hidden = false;
  $('check-status').textContent = `${right} of ${total} test clips heard right (${Math.round((100 * right) / total)}%).`;
  $('check-status').dataset.accuracy = String(right / total);
}

function showBars(probabilities) {
  const best = probabilities.indexOf(Math.max(...probabilities));
  $('bars').replaceChildren(...trained.names.map((name, i) => (
    confidenceBar(name, probabilities[i], { top: i === best && probabilities[i] > 0, digits: 0 }))));
}

async function recognise(window) {
  const { model, names } = trained;
  const output = tw.tidy(() => model.predict(modelInput([window])));
  const probabilities = Array.from(await output.data());
  output.dispose();
  showBars(probabilities);
  const best = probabilities.indexOf(Math.max(...probabilities));
  const heard = $('heard');
  heard.textContent = names[best];
  heard.dataset.label = names[best];
  heard.dataset.predictions = String(Number(heard.dataset.predictions) + 1);
}

/** Classifies the last second of the microphone every chunk until stopped. */
async function listen() {
  clearError();
  listening = true;
  setBusy('listening');
  const heard = $('heard');
  heard.textContent = '…';
  heard.dataset.predictions = '0';
  delete heard.dataset.label;
  $('status').textContent = 'Listening: the window slides over the last second.';
  try {
    const window = new Float32Array(CLIP_VALUES).fill(SILENCE);
    let framesHeard = 0;
    await streamLogMel(async (frames) => {
      window.copyWithin(0, frames.length);
      window.set(frames, CLIP_VALUES - frames.length);
      framesHeard += CHUNK_FRAMES;
      drawSpectrogram($('live'), window);
      // Only a full window looks like the clips the model learned.
      if (framesHeard >= CLIP_FRAMES) await recognise(window);
      return listening;
    });
    $('status').textContent = 'Stopped listening.';
  } finally {
    listening = false;
    setBusy(null);
  }
}

$('add').addEventListener('click', () => addSound());
$('noise').addEventListener('change', () => {
  const noise = sounds.find((s) => s.noise);
  if (noise) removeSound(noise);
  else addSound({ noise: true });
});
$('train').addEventListener('click', () => train().catch(showError));
$('listen').addEventListener('click', () => {
  if (listening) listening = false; // the loop ends after the chunk being captured
  else listen().catch(showError);
});

async function main() {
  addSound();
  addSound();
  drawSpectrogram($('live'), new Float32Array(CLIP_VALUES).fill(SILENCE));
  drawLossChart($('loss'), lossHistory, Number($('epochs').value));
  setBusy('starting');
  const backend = await startBackend();
  // The first log-mel compiles its kernels: done now, not in the middle of the first recording.
  await logMelFrames(tw.zeros([CHUNK_FRAMES * FRAME_LENGTH, 1]));
  $('status').textContent = `Ready on ${backend}. Hold a sound's button to record it.`;
  setBusy(null);
  document.body.dataset.ready = 'true';
}

main().catch(showError);

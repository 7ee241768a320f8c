// Audio commands: one-second clips from the microphone become log-mel
// spectrograms (tw.logMelSpectrogram on the waveform that tw.data.microphone
// captures), a small CNN learns them in the page with the layers API, and a
// sliding one-second window of the live microphone is classified.
//
// The microphone is opened for each recording and while listening, and closed
// otherwise: the browser's microphone indicator is only on while the page
// listens (and Chromium's fake microphone in the tests rereads its file).
import * as tw from '/js/dist/tensorweb.js';
import { confidenceBar, drawLossChart, showError, startBackend } from '../common.js';

const SAMPLE_RATE = 16000;
const FRAME_LENGTH = 512; // 32 ms: one analyser read, one log-mel frame (frames are contiguous only within a read)
const CHUNK_FRAMES = 4; // the spectrogram is drawn and the window classified every 4 frames (128 ms)
const CLIP_FRAMES = 32; // a clip, and the recognition window: 32 frames, about one second
const MEL_BINS = 40;
const CLIP_VALUES = CLIP_FRAMES * MEL_BINS;
const MIN_CLIPS = 3;
const MIN_SOUNDS = 2;
const MAX_SOUNDS = 4;
const DEFAULT_NAMES = ['yes', 'no', 'up', 'down'];
const NOISE_NAME = 'background noise';
const SEED = 7;
// The colour scale of the drawings: log(1e-6), what silence gives, up to a loud sound.
const SILENCE = Math.log(1e-6);
const LOUD = 5;

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
const sounds = []; // { element, clips: Float32Array[], noise }
let busy = null; // 'recording' | 'training' | 'listening' | null: one use of the microphone or GPU at a time
let holding = false; // a record button is held down
let listening = false;
let trained = null; // { model, names, mean, std }
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
    sound.element.querySelector('.clear').disabled = !idle || sound.clips.length === 0;
    sound.element.querySelector('.remove').disabled = !idle || sounds.length <= MIN_SOUNDS;
  }
  $('add').disabled = !idle || sounds.length >= MAX_SOUNDS;
  $('noise').checked = hasNoise;
  $('noise').disabled = !idle || (hasNoise ? sounds.length <= MIN_SOUNDS : sounds.length >= MAX_SOUNDS);
  $('train').disabled = !idle;
  $('listen').disabled = !trained || (busy !== null && busy !== 'listening');
  $('listen').textContent = listening ? 'Stop listening' : 'Start listening';
}

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
  count.textContent = clipCount(sound.clips.length);
  count.dataset.count = String(sound.clips.length);
}

function addClip(sound, clip) {
  sound.clips.push(clip);
  const thumbnail = document.createElement('canvas');
  thumbnail.width = CLIP_FRAMES;
  thumbnail.height = MEL_BINS;
  drawSpectrogram(thumbnail, clip);
  sound.element.querySelector('.clips').append(thumbnail);
  showClips(sound);
  soundsChanged();
}

/** Records one-second clips into `sound` while its button is held, and at least one. */
async function record(sound) {
  clearError();
  const button = sound.element.querySelector('.record');
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
        addClip(sound, clip);
        clip = new Float32Array(CLIP_VALUES).fill(SILENCE);
        filled = 0;
      }
      return holding || filled > 0;
    });
    $('status').textContent = `"${soundName(sound) || 'unnamed'}" has ${clipCount(sound.clips.length)}.`;
  } finally {
    holding = false;
    button.classList.remove('recording');
    button.textContent = 'Hold to record';
    setBusy(null);
  }
}

function addSound({ noise = false } = {}) {
  const element = $('sound-template').content.firstElementChild.cloneNode(true);
  const sound = { element, clips: [], noise };
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

function checkedEpochs() {
  const epochs = Number($('epochs').value);
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 200) throw new Error(`Epochs must be a whole number from 1 to 200, got "${$('epochs').value}".`);
  return epochs;
}

function buildModel(classes) {
  tw.layers.setSeed(SEED); // the same weights and batch order for the same clips
  const model = tw.sequential({ layers: [
    tw.layers.conv2d({ inputShape: [CLIP_FRAMES, MEL_BINS, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
    tw.layers.maxPooling2d({ poolSize: 2 }),
    tw.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
    tw.layers.maxPooling2d({ poolSize: 2 }),
    tw.layers.flatten(),
    tw.layers.dropout({ rate: 0.25 }),
    tw.layers.dense({ units: classes, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: tw.train.adam(0.003), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

async function train() {
  clearError();
  const names = checkedNames();
  const epochs = checkedEpochs();
  setBusy('training');
  try {
    const clips = sounds.flatMap((sound) => sound.clips);
    const labels = sounds.flatMap((sound, i) => sound.clips.map(() => i));
    const values = new Float32Array(clips.length * CLIP_VALUES);
    clips.forEach((clip, i) => values.set(clip, i * CLIP_VALUES));
    // One mean and spread over all clips, kept with the model for the live window.
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) || 1;
    const xs = tw.tidy(() => tw.tensor(values, [clips.length, CLIP_FRAMES, MEL_BINS, 1]).sub(mean).div(std));
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
      await model.fit(xs, ys, {
        epochs, batchSize: 8, shuffle: true,
        callbacks: {
          onEpochEnd: async (epoch, logs) => {
            lossHistory.push(logs.loss);
            accuracy = logs.acc ?? logs.accuracy;
            drawLossChart($('loss'), lossHistory, epochs);
            $('train-status').textContent = `Epoch ${epoch + 1}/${epochs}: loss ${logs.loss.toFixed(3)}`;
            await tw.nextFrame(); // let the page paint between epochs
          },
        },
      });
    } finally {
      xs.dispose();
      ys.dispose();
    }
    trained = { model, names, mean, std };
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    $('train-status').textContent = `Trained ${epochs} epochs on ${clips.length} clips in ${seconds} s on ${tw.getBackend()}: `
      + `loss ${lossHistory.at(-1).toFixed(3)}, last epoch's accuracy ${(accuracy * 100).toFixed(0)}%. Press "Start listening".`;
    showBars(names.map(() => 0));
    document.body.dataset.trained = 'true';
  } finally {
    setBusy(null);
  }
}

function showBars(probabilities) {
  const best = probabilities.indexOf(Math.max(...probabilities));
  $('bars').replaceChildren(...trained.names.map((name, i) => (
    confidenceBar(name, probabilities[i], { top: i === best && probabilities[i] > 0, digits: 0 }))));
}

async function recognise(window) {
  const { model, names, mean, std } = trained;
  const output = tw.tidy(() => model.predict(tw.tensor(window, [1, CLIP_FRAMES, MEL_BINS, 1]).sub(mean).div(std)));
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

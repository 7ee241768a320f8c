// EfficientNet-Lite0 on a picked image or a camera frame; preprocessing follows
// the model's metadata.input: a centred square of 224/256 of the shorter side,
// resized to 224x224, RGB NHWC in 0..255 (the graph normalises itself).
import * as tw from '/js/dist/tensorweb.js';
import { confidenceBar, showError, startBackend } from '../common.js';

const MODEL_URL = '/models/efficientnet-lite0/model.json';
const SIZE = 224;
const CROP = 224 / 256;

const $ = (id) => document.getElementById(id);
const preview = $('preview').getContext('2d', { willReadFrequently: true });
let model = null;
let labels = [];
let webcam = null;
// Picks and snaps run one after another: one made while another is classified waits its turn.
let queue = Promise.resolve();
let waiting = 0;

/** Draws the metadata's centre crop of `source` (w x h) onto the 224x224 preview canvas. */
function drawCrop(source, width, height) {
  const side = Math.min(width, height) * CROP;
  preview.imageSmoothingQuality = 'high';
  preview.drawImage(source, (width - side) / 2, (height - side) / 2, side, side, 0, 0, SIZE, SIZE);
}

/** The preview canvas as a [1, 224, 224, 3] float32 tensor in 0..255. */
function previewTensor() {
  const rgba = preview.getImageData(0, 0, SIZE, SIZE).data;
  const rgb = new Float32Array(SIZE * SIZE * 3);
  for (let p = 0; p < SIZE * SIZE; p++) {
    rgb[3 * p] = rgba[4 * p];
    rgb[3 * p + 1] = rgba[4 * p + 1];
    rgb[3 * p + 2] = rgba[4 * p + 2];
  }
  return tw.tensor(rgb, [1, SIZE, SIZE, 3]);
}

async function classify(input) {
  const started = performance.now();
  const probabilities = model.execute(input, 'probabilities');
  const values = await probabilities.data();
  tw.dispose([input, probabilities]);
  const top = Array.from(values.keys()).sort((a, b) => values[b] - values[a] || a - b).slice(0, 5);
  const results = $('results');
  results.dataset.classified = String(Number(results.dataset.classified ?? 0) + 1);
  results.replaceChildren(...top.map((index) => {
    // The label's first synonym is the usual name; the rest go in the tooltip.
    const row = confidenceBar(labels[index].split(',')[0], values[index], { title: labels[index] });
    row.dataset.index = index;
    return row;
  }));
  results.classList.remove('status');
  $('status').textContent = `Classified in ${Math.round(performance.now() - started)} ms on ${tw.getBackend()}.`;
}

let doing = ''; // what the running task does, in the status line; '' when idle

/** While a task runs: what it does (and how many wait) in the status line, and body[data-busy]. */
function showBusy() {
  if (doing) $('status').textContent = doing + (waiting ? ` (${waiting} more waiting)` : '');
  if (doing || waiting) document.body.dataset.busy = 'true';
  else delete document.body.dataset.busy;
}

/**
 * Runs `task` after the ones before it, `what` (e.g. "Classifying cat.png…")
 * in the status line meanwhile; each task clears the last one's error, and a
 * failure shows its own.
 */
function run(what, task) {
  if (!model) return;
  waiting += 1;
  showBusy();
  queue = queue.then(async () => {
    waiting -= 1;
    doing = what;
    $('error').hidden = true;
    showBusy();
    try {
      await task();
    } catch (error) {
      $('status').textContent = `${what.replace(/…$/, '')}: failed.`;
      showError(error);
    } finally {
      doing = '';
      showBusy();
    }
  });
}

$('file').addEventListener('change', (event) => {
  const file = event.target.files[0];
  event.target.value = ''; // picking the same file again must fire 'change' again
  if (!file) return;
  run(`Classifying ${file.name}…`, async () => {
    const bitmap = await createImageBitmap(file).catch(() => { throw new Error(`${file.name}: not an image this browser can decode`); });
    drawCrop(bitmap, bitmap.width, bitmap.height);
    bitmap.close();
    $('preview-caption').textContent = `What the model sees: the centre of ${file.name}, 224×224`;
    await classify(previewTensor());
  });
});

$('camera').addEventListener('click', () => run(webcam ? 'Stopping the camera…' : 'Starting the camera…', async () => {
  if (webcam) {
    webcam.stop();
    webcam = null;
    $('camera-view').hidden = true;
    $('snap').hidden = true;
    $('camera').textContent = 'Start camera';
    $('status').textContent = 'Camera stopped.';
    return;
  }
  // A 256x256 square from the frame's largest centred square; its central 224x224 is the metadata's crop.
  webcam = await tw.data.webcam($('video'), { resizeWidth: 256, resizeHeight: 256, centerCrop: true, facingMode: 'environment' });
  $('camera-view').hidden = false;
  $('snap').hidden = false;
  $('snap').disabled = false;
  $('camera').textContent = 'Stop camera';
  $('status').textContent = 'Camera on: press "Classify frame".';
}));

$('snap').addEventListener('click', () => run('Classifying the camera frame…', async () => {
  const frame = await webcam.capture();
  const input = tw.tidy(() => frame.slice([16, 16, 0], [SIZE, SIZE, 3]).cast('float32').expandDims(0));
  frame.dispose();
  // Show what the model sees.
  const pixels = await input.data();
  const image = preview.createImageData(SIZE, SIZE);
  for (let p = 0; p < SIZE * SIZE; p++) {
    image.data.set([pixels[3 * p], pixels[3 * p + 1], pixels[3 * p + 2], 255], 4 * p);
  }
  preview.putImageData(image, 0, 0);
  $('preview-caption').textContent = 'What the model sees: the frame\'s centre, 224×224';
  await classify(input);
}));

async function main() {
  const backend = await startBackend();
  model = await tw.loadGraphModel(MODEL_URL, { onProgress: (fraction) => { $('progress').value = fraction; } });
  labels = model.metadata.labels ?? [];
  if (labels.length !== 1000) throw new Error(`${MODEL_URL}: metadata.labels has ${labels.length} labels, not 1000`);
  $('progress').value = 1;
  $('status').textContent = `Model loaded, running on ${backend}.`;
  $('camera').disabled = !navigator.mediaDevices?.getUserMedia;
  document.body.dataset.ready = 'true';
}

main().catch((error) => showError(`Could not start: ${error.message ?? error}. Is the server run with --models .tensorweb/examples (tensorweb examples makes them)?`));

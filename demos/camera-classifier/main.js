// Teachable-Machine-style classifier: EfficientNet-Lite0 stays frozen and turns
// each camera frame into its 1280 pooled features (the graph's 'features'
// output); only those features are kept per example, and a small dense head
// (layers API) trains on them in the page. The backbone loads and runs in a
// worker (tw.worker()): frames go there as ImageBitmaps, cropped and scaled by
// the browser and transferred, and only the features come back, so the page
// stays responsive while the model loads and each frame runs. One camera loop either captures
// examples for the class whose button is held or, once a head exists, predicts.
// The head exports through downloads:// with the class names in model.json's
// userDefinedMetadata, and loads back through tw.io.browserFiles.
import * as tw from '/js/dist/tensorweb.js';
import { confidenceBar, drawLossChart, showError, startBackend } from '../common.js';

const BACKBONE_URL = '/models/efficientnet-lite0/model.json';
const FEATURES_OUTPUT = 'features';
// The model's input is the middle 224/256 of the camera frame's centred square,
// scaled to 224x224, as metadata.input.resize asks (resize to 256, crop 224).
const FRAME = 256;
const MIN_CLASSES = 2;
const MAX_CLASSES = 5;
const MIN_EXAMPLES = 2;
// Frames a few milliseconds apart are near copies: at most 4 examples a second.
const CAPTURE_INTERVAL_MS = 250;
// Teachable Machine's defaults for its head, except for the seed (reproducible runs).
const HIDDEN_UNITS = 100;
const EPOCHS = 50;
const BATCH_SIZE = 16;
const LEARNING_RATE = 1e-3;
const SEED = 7;
const EXPORT_NAME = 'camera-classifier';

const $ = (id) => document.getElementById(id);

let backbone = null; // a RemoteGraphModel: EfficientNet-Lite0 in the worker
let backendName = ''; // the worker's backend
let inputSize = 0; // the backbone's square input side (224)
let featureSize = 0; // its 'features' width (1280)
let webcam = null;
let head = null;
let training = false;
let heldClass = null;
/** The classes in page order: {row, nameInput, countText, holdButton, removeButton, thumb, examples: Float32Array[]}. */
const classes = [];

// ---- classes ------------------------------------------------------------------

function addClass(name) {
  const row = document.createElement('div');
  row.className = 'class';
  const thumb = document.createElement('canvas');
  thumb.width = thumb.height = 96;
  thumb.setAttribute('aria-label', 'the last example captured');
  const nameBox = document.createElement('div');
  const nameInput = document.createElement('input');
  nameInput.value = name;
  nameInput.maxLength = 40;
  nameInput.setAttribute('aria-label', 'class name');
  const countText = document.createElement('div');
  countText.className = 'count status';
  nameBox.append(nameInput, countText);
  const holdButton = document.createElement('button');
  holdButton.className = 'hold';
  holdButton.textContent = 'Hold to add';
  const removeButton = document.createElement('button');
  removeButton.className = 'remove secondary';
  removeButton.textContent = '✕';
  const actions = document.createElement('div');
  actions.className = 'actions';
  actions.append(holdButton, removeButton);
  row.append(thumb, nameBox, actions);
  $('classes').append(row);

  const entry = { row, nameInput, countText, holdButton, removeButton, thumb, examples: [] };
  removeButton.setAttribute('aria-label', 'remove this class');
  removeButton.addEventListener('click', () => removeClass(entry));
  listenForHold(entry);
  classes.push(entry);
  classesChanged();
  return entry;
}

function removeClass(entry) {
  if (classes.length <= MIN_CLASSES) return;
  classes.splice(classes.indexOf(entry), 1);
  entry.row.remove();
  if (heldClass === entry) heldClass = null;
  classesChanged();
}

/** A head trained for other classes cannot predict these: it goes, and training is needed again. */
function classesChanged() {
  if (head) setHead(null, 'The classes changed: train again to predict.');
  updateControls();
}

/** 'Class k' for the smallest k no class is named. */
function unusedClassName() {
  const taken = new Set(classes.map((entry) => entry.nameInput.value.trim()));
  let k = 1;
  while (taken.has(`Class ${k}`)) k += 1;
  return `Class ${k}`;
}

/** The class names, checked: each one given and none twice. */
function classNames() {
  const names = classes.map((entry) => entry.nameInput.value.trim());
  names.forEach((name, index) => {
    if (!name) throw new Error(`Class ${index + 1} has no name: type one in its box.`);
    if (names.indexOf(name) !== index) throw new Error(`Two classes are named "${name}": give each class its own name.`);
  });
  return names;
}

/** Press-and-hold with pointer events (mouse, touch, pen) and with Space or Enter from the keyboard. */
function listenForHold(entry) {
  const button = entry.holdButton;
  const press = () => {
    if (button.disabled) return;
    heldClass = entry;
    button.classList.add('held');
  };
  const release = () => {
    if (heldClass === entry) heldClass = null;
    button.classList.remove('held');
  };
  button.addEventListener('pointerdown', (event) => {
    button.setPointerCapture(event.pointerId);
    press();
  });
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) button.addEventListener(type, release);
  button.addEventListener('contextmenu', (event) => event.preventDefault());
  button.addEventListener('keydown', (event) => {
    if ((event.key === ' ' || event.key === 'Enter') && !event.repeat) press();
  });
  button.addEventListener('keyup', (event) => {
    if (event.key === ' ' || event.key === 'Enter') release();
  });
}

/** The top status line once the model is ready: what the page does now, or what to do next. */
function nextStep() {
  if (training) return 'Training the classifier on the examples…';
  if (!webcam) return head ? 'Classifier ready: start the camera to predict.' : `EfficientNet-Lite0 ready on ${backendName} in a worker. Start the camera.`;
  if (!head) return 'Camera on: hold a class\'s button while the camera shows it.';
  return 'Predicting live: the bars below show what the camera sees.';
}

function updateControls() {
  if (backbone) $('status').textContent = nextStep();
  for (const entry of classes) {
    const count = entry.examples.length;
    entry.countText.textContent = `${count} example${count === 1 ? '' : 's'}`;
    entry.row.dataset.examples = String(count);
    entry.holdButton.disabled = !webcam || training;
    entry.removeButton.hidden = classes.length <= MIN_CLASSES;
    entry.removeButton.disabled = training;
    entry.nameInput.disabled = training;
  }
  $('add-class').disabled = training || classes.length >= MAX_CLASSES;
  const lacking = classes.filter((entry) => entry.examples.length < MIN_EXAMPLES).length;
  $('train').disabled = training || !backbone || lacking > 0;
  $('export').disabled = training || !head;
  $('import').disabled = training; // a loaded head would be replaced by the one in training
  $('examples-status').textContent = lacking
    ? `${lacking} of ${classes.length} classes need at least ${MIN_EXAMPLES} examples.`
    : `${classes.reduce((total, entry) => total + entry.examples.length, 0)} examples to train on.`;
}

// ---- camera -----------------------------------------------------------------

/** The backbone's features of `image` (an ImageBitmap of the input's size, or values of its shape), computed in the worker. */
async function featuresOf(image, model = backbone) {
  const features = await model.execute(image, FEATURES_OUTPUT);
  const values = await features.data();
  features.dispose();
  return values;
}

/** The middle of the video's centred square that the model sees: [x, y, side]. */
function modelCrop(video) {
  const side = Math.min(video.videoWidth, video.videoHeight) * (inputSize / FRAME);
  return [(video.videoWidth - side) / 2, (video.videoHeight - side) / 2, side];
}

/** The backbone's features of the camera's current frame, cropped and scaled by the browser and handed to the worker. */
async function frameFeatures() {
  const [x, y, side] = modelCrop($('video'));
  const frame = await createImageBitmap($('video'), x, y, side, side, { resizeWidth: inputSize, resizeHeight: inputSize });
  return featuresOf(frame);
}

/** Shows the frame being captured as the class's thumbnail (the same centred square the model gets). */
function drawThumbnail(entry) {
  const [x, y, side] = modelCrop($('video'));
  entry.thumb.getContext('2d').drawImage($('video'), x, y, side, side, 0, 0, entry.thumb.width, entry.thumb.height);
}

/** While `camera` is on: an example for the held class at most every CAPTURE_INTERVAL_MS, else a prediction when a head exists. */
async function cameraLoop(camera) {
  let lastCapture = -Infinity;
  while (webcam === camera) {
    const target = heldClass;
    const capture = target !== null && performance.now() - lastCapture >= CAPTURE_INTERVAL_MS;
    const predict = target === null && head !== null;
    if (training || !(capture || predict)) {
      await tw.nextFrame();
      continue;
    }
    if (capture) {
      lastCapture = performance.now();
      drawThumbnail(target);
    }
    const features = await frameFeatures();
    if (webcam !== camera || training) continue;
    if (capture) {
      target.examples.push(features);
      updateControls();
    } else if (head) {
      await showPrediction(features);
    }
  }
}

async function toggleCamera() {
  if (webcam) {
    webcam.stop();
    webcam = null;
    heldClass = null;
    $('video').hidden = true;
    $('camera').textContent = 'Start camera';
    resetPredictions(head ? 'Start the camera to predict.' : null);
  } else {
    $('camera').disabled = true;
    try {
      webcam = await tw.data.webcam($('video'), { resizeWidth: FRAME, resizeHeight: FRAME, centerCrop: true, facingMode: 'user' });
    } finally {
      $('camera').disabled = false;
    }
    $('video').hidden = false;
    $('camera').textContent = 'Stop camera';
    resetPredictions(head ? 'Predicting…' : null);
    cameraLoop(webcam).catch(showError);
  }
  updateControls();
}

// ---- training -----------------------------------------------------------------

function buildHead(classCount) {
  tw.layers.setSeed(SEED);
  const model = tw.sequential({ layers: [
    tw.layers.dense({ inputShape: [featureSize], units: HIDDEN_UNITS, activation: 'relu' }),
    tw.layers.dense({ units: classCount, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: tw.train.adam(LEARNING_RATE), loss: 'categoricalCrossentropy' });
  return model;
}

async function train() {
  classNames(); // names are checked before any work (the button is off until every class has its examples)
  training = true;
  heldClass = null;
  updateControls();
  const started = performance.now();
  const model = buildHead(classes.length);
  const labels = classes.flatMap((entry, index) => entry.examples.map(() => index));
  const xs = tw.tensor(classes.flatMap((entry) => entry.examples.flatMap((features) => Array.from(features))), [labels.length, featureSize]);
  const ys = tw.tidy(() => tw.oneHot(tw.tensor(labels, [labels.length], 'int32'), classes.length).cast('float32'));
  const losses = [];
  try {
    await model.fit(xs, ys, {
      epochs: EPOCHS, batchSize: BATCH_SIZE, shuffle: true,
      callbacks: {
        onEpochEnd: async (epoch, logs) => {
          losses.push(logs.loss);
          drawLossChart($('loss'), losses, EPOCHS);
          $('train-status').textContent = `Epoch ${epoch + 1}/${EPOCHS}: loss ${logs.loss.toFixed(3)}`;
          await tw.nextFrame(); // let the page paint the curve
        },
      },
    });
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tw.dispose([xs, ys]);
    training = false;
  }
  setHead(model, webcam ? 'Predicting…' : 'Start the camera to predict.');
  $('train-status').textContent = `Trained on ${labels.length} examples in ${((performance.now() - started) / 1000).toFixed(1)} s: final loss ${losses.at(-1).toFixed(3)}.`;
  document.body.dataset.trained = 'true';
}

// ---- prediction -----------------------------------------------------------------

function setHead(model, message) {
  head?.dispose();
  head = model;
  resetPredictions(message);
  updateControls();
}

/** Clears the bars (a fresh camera or head must not show an old prediction); `message` replaces them when given. */
function resetPredictions(message) {
  const box = $('predictions');
  delete box.dataset.top;
  box.dataset.count = '0';
  if (message) {
    box.className = 'status';
    box.textContent = message;
  }
}

async function showPrediction(features) {
  const probabilities = tw.tidy(() => head.predict(tw.tensor(features, [1, featureSize])));
  const values = await probabilities.data();
  probabilities.dispose();
  if (!head || values.length !== classes.length) return; // the head changed while this frame ran
  const top = values.indexOf(Math.max(...values));
  const box = $('predictions');
  box.replaceChildren(...classes.map((entry, index) => (
    confidenceBar(entry.nameInput.value.trim(), values[index], { top: index === top, digits: 0 }))));
  box.className = '';
  box.dataset.top = classes[top].nameInput.value.trim();
  box.dataset.confidence = String(values[top]);
  box.dataset.count = String(Number(box.dataset.count) + 1);
}

// ---- export and import -----------------------------------------------------------

async function exportModel() {
  const names = classNames();
  head.setUserDefinedMetadata({ classes: names });
  await head.save(`downloads://${EXPORT_NAME}`);
  $('status').textContent = `Exported ${EXPORT_NAME}.json and ${EXPORT_NAME}.weights.bin to your downloads.`;
}

/** The class names a model exported by this page carries in its user-defined metadata, or null when it has none that fit. */
function savedClassNames(metadata) {
  const names = metadata?.classes;
  const fits = Array.isArray(names) && names.length >= MIN_CLASSES && names.length <= MAX_CLASSES
    && names.every((name) => typeof name === 'string' && name.trim()) && new Set(names).size === names.length;
  return fits ? names : null;
}

async function importModel(files) {
  const jsonFile = files.find((file) => file.name.endsWith('.json'));
  if (!jsonFile) throw new Error(`Pick the exported .json file together with its .weights.bin (picked: ${files.map((file) => file.name).join(', ')}).`);
  const model = await tw.loadLayersModel(tw.io.browserFiles(files));
  const names = savedClassNames(model.getUserDefinedMetadata());
  if (!names) {
    model.dispose();
    throw new Error(`${jsonFile.name} has no class names (userDefinedMetadata.classes: ${MIN_CLASSES} to ${MAX_CLASSES} different names): is it a model this page exported?`);
  }
  const inputs = model.inputs[0].shape;
  const outputs = model.outputs[0].shape;
  if (model.inputs.length !== 1 || inputs.length !== 2 || inputs[1] !== featureSize || outputs.at(-1) !== names.length) {
    model.dispose();
    throw new Error(`${jsonFile.name}: the model maps [${inputs}] to [${outputs}]; this page needs ${featureSize} features in and one probability for each of its ${names.length} classes out.`);
  }
  heldClass = null;
  for (const entry of classes.splice(0)) entry.row.remove();
  names.forEach(addClass);
  setHead(model, webcam ? 'Predicting…' : 'Start the camera to predict.');
  $('train-status').textContent = `Loaded ${jsonFile.name}; its training examples are not in the file: add new ones to train again.`;
  $('status').textContent = `Loaded a model for ${names.map((name) => `"${name}"`).join(', ')}.`;
  document.body.dataset.imported = 'true';
}

// ---- page -----------------------------------------------------------------

/** Runs a button's task: clears the last error first and shows a new one in the page. */
function action(task) {
  return async (event) => {
    $('error').hidden = true;
    try {
      await task(event);
    } catch (error) {
      showError(error);
      updateControls();
    }
  };
}

$('camera').addEventListener('click', action(toggleCamera));
$('add-class').addEventListener('click', action(() => addClass(unusedClassName())));
$('train').addEventListener('click', action(train));
$('export').addEventListener('click', action(exportModel));
$('import').addEventListener('change', action(async (event) => {
  const files = [...event.target.files];
  event.target.value = ''; // picking the same files again must fire 'change' again
  if (files.length) await importModel(files);
}));

async function main() {
  addClass(unusedClassName());
  addClass(unusedClassName());
  await startBackend(); // the head trains on the page
  const runtime = await tw.worker();
  backendName = runtime.backend;
  const model = await runtime.loadGraphModel(BACKBONE_URL, { onProgress: (fraction) => { $('progress').value = fraction; } });
  const features = model.outputs.find((output) => output.name === FEATURES_OUTPUT);
  if (!features) throw new Error(`${BACKBONE_URL} has no '${FEATURES_OUTPUT}' output (it has ${model.outputNodes.join(', ')})`);
  featureSize = features.shape.at(-1);
  inputSize = model.inputs[0].shape[1];
  // A first run checks the features' size (the load compiled the kernels ahead).
  const blank = { values: new Float32Array(inputSize * inputSize * 3), shape: [1, inputSize, inputSize, 3], dtype: 'float32' };
  const warmUp = await featuresOf(blank, model);
  if (warmUp.length !== featureSize) throw new Error(`${BACKBONE_URL}: '${FEATURES_OUTPUT}' gave ${warmUp.length} values, its signature says ${featureSize}`);
  $('progress').value = 1;
  backbone = model; // from here on updateControls() keeps the status line
  $('camera').disabled = !navigator.mediaDevices?.getUserMedia;
  if ($('camera').disabled) showError('This browser gives the page no camera (navigator.mediaDevices.getUserMedia is missing; the page must be served over https or from localhost).');
  updateControls();
  document.body.dataset.ready = 'true';
}

main().catch((error) => showError(`Could not start: ${error.message ?? error}. Is the server run with --models .tensorweb/examples (tensorweb examples makes them)?`));

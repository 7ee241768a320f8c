// MediaPipe's face pipeline on the camera: each frame is letterboxed into the
// short-range face detector's 128x128 input, its 896 anchor boxes are decoded
// and merged by weighted non-max suppression (face.js), each face is cropped
// upright (turned by its eyes' angle, 1.5x its box) into the face landmark
// model's 192x192 input, and its 468 points are projected back and drawn; with
// the toggle on, the selfie segmentation model's 256x256 mask keeps the person
// and replaces the rest. The three converted models run in one worker
// (tw.worker()); the page only draws the frame into the models' input canvases,
// sends their pixels and draws what comes back, one frame at a time.
// The last frame's results are in #view's data- attributes, for the tests.
import * as tw from '/js/dist/tensorweb.js';
import { showError, startBackend } from '../common.js';
import {
  SHORT_RANGE_DECODING, cropTransform, decodeDetections, detectionInFrame, faceRegion, letterbox, nonMaxSuppression,
  projectLandmarks, ssdAnchors,
} from './face.js';

const MODELS = {
  detector: '/models/face_detection_short_range/model.json',
  landmarks: '/models/face_landmark/model.json',
  segmentation: '/models/selfie_segmentation/model.json',
};
const DETECTOR_SIZE = 128;
const LANDMARK_SIZE = 192;
const MASK_SIZE = 256;
const MAX_FACES = 4;
// face_landmark's second output is a face-presence logit; MediaPipe drops the face under 0.5.
const PRESENCE_THRESHOLD = 0.5;
const BACKGROUND = ['#2f5bd3', '#7a3fd1']; // the replaced background: a diagonal gradient
const RATE_FRAMES = 10;

const $ = (id) => document.getElementById(id);
const anchors = ssdAnchors();
const models = {};
let webcam = null;
let backendName = '';
const frameTimes = []; // when the last frames finished (RATE_FRAMES + 1 at most), for the rate shown

/** The RGB values of `canvas`'s pixels, scaled from 0..255 to [low, high], as the model's input. */
function canvasInput(canvas, [low, high]) {
  const { width, height } = canvas;
  const rgba = canvas.getContext('2d', { willReadFrequently: true }).getImageData(0, 0, width, height).data;
  const values = new Float32Array(width * height * 3);
  const scale = (high - low) / 255;
  for (let i = 0, j = 0; i < rgba.length; i += 4) {
    values[j++] = low + rgba[i] * scale;
    values[j++] = low + rgba[i + 1] * scale;
    values[j++] = low + rgba[i + 2] * scale;
  }
  return { values, shape: [1, height, width, 3], dtype: 'float32' };
}

/** The values of the named outputs of `model` (a RemoteGraphModel) on `input`, as Float32Arrays. */
async function run(model, input, outputs) {
  const tensors = await model.execute(input, outputs);
  const list = Array.isArray(tensors) ? tensors : [tensors];
  const values = await Promise.all(list.map((t) => t.data()));
  tw.dispose(list);
  return values;
}

/** The faces in `frame` (an ImageBitmap): detections in frame pixels, each with the box in the detector's input. */
async function detectFaces(frame) {
  const canvas = $('detector-input');
  const g = canvas.getContext('2d', { willReadFrequently: true });
  const fit = letterbox(frame.width, frame.height, DETECTOR_SIZE);
  g.fillStyle = '#000'; // the letterbox bands: black, MediaPipe's zero border (-1 once scaled)
  g.fillRect(0, 0, DETECTOR_SIZE, DETECTOR_SIZE);
  g.drawImage(frame, fit.left, fit.top, frame.width * fit.scale, frame.height * fit.scale);
  const [regressors, scores] = await run(models.detector, canvasInput(canvas, [-1, 1]), ['regressors', 'classificators']);
  const found = nonMaxSuppression(decodeDetections(regressors, scores, anchors), { threshold: SHORT_RANGE_DECODING.minSuppressionThreshold });
  return found.slice(0, MAX_FACES).map((detection) => ({ ...detectionInFrame(detection, fit), inputBox: detection.box }));
}

/** The 468 landmarks of the face at `detection`, in frame pixels, and the model's presence score. */
async function faceLandmarks(frame, detection, canvas) {
  const region = faceRegion(detection);
  const g = canvas.getContext('2d', { willReadFrequently: true });
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.fillStyle = '#000';
  g.fillRect(0, 0, LANDMARK_SIZE, LANDMARK_SIZE);
  g.setTransform(...cropTransform(region, LANDMARK_SIZE));
  g.drawImage(frame, 0, 0);
  g.setTransform(1, 0, 0, 1, 0, 0);
  const [points, presence] = await run(models.landmarks, canvasInput(canvas, [0, 1]), ['conv2d_21', 'conv2d_31']);
  return { region, points: projectLandmarks(points, region, LANDMARK_SIZE), presence: 1 / (1 + Math.exp(-presence[0])) };
}

/** The selfie segmentation mask of `frame` (stretched to 256x256, as MediaPipe's graph does): 256x256 values in [0, 1]. */
async function personMask(frame) {
  const canvas = $('mask');
  const g = canvas.getContext('2d', { willReadFrequently: true });
  g.drawImage(frame, 0, 0, MASK_SIZE, MASK_SIZE);
  const [mask] = await run(models.segmentation, canvasInput(canvas, [0, 1]), ['activation_10']);
  // The figure shows the mask itself: white where the person is.
  const image = g.createImageData(MASK_SIZE, MASK_SIZE);
  mask.forEach((m, i) => { image.data.set([255 * m, 255 * m, 255 * m, 255], 4 * i); });
  g.putImageData(image, 0, 0);
  return mask;
}

/** Draws `frame` on the view, its background replaced where `mask` (256x256) says there is no person. */
function drawFrame(frame, mask) {
  const view = $('view');
  const g = view.getContext('2d');
  if (!mask) {
    g.drawImage(frame, 0, 0);
    return;
  }
  const layer = new OffscreenCanvas(frame.width, frame.height);
  const lg = layer.getContext('2d');
  lg.drawImage(frame, 0, 0);
  const alpha = new OffscreenCanvas(MASK_SIZE, MASK_SIZE);
  const image = new ImageData(MASK_SIZE, MASK_SIZE);
  mask.forEach((m, i) => { image.data[4 * i + 3] = Math.round(255 * m); });
  alpha.getContext('2d').putImageData(image, 0, 0);
  lg.globalCompositeOperation = 'destination-in'; // keep the frame where the mask is opaque
  lg.drawImage(alpha, 0, 0, frame.width, frame.height);
  const gradient = g.createLinearGradient(0, 0, frame.width, frame.height);
  gradient.addColorStop(0, BACKGROUND[0]);
  gradient.addColorStop(1, BACKGROUND[1]);
  g.fillStyle = gradient;
  g.fillRect(0, 0, frame.width, frame.height);
  g.drawImage(layer, 0, 0);
}

function drawFaces(faces) {
  const g = $('view').getContext('2d');
  const dot = Math.max(1, $('view').width / 400);
  for (const face of faces) {
    g.strokeStyle = '#ffcc00';
    g.lineWidth = 2 * dot;
    g.strokeRect(face.box.xMin, face.box.yMin, face.box.width, face.box.height);
    if (!face.landmarks) continue;
    g.fillStyle = '#21e07a';
    const { points } = face.landmarks;
    for (let i = 0; i < points.length; i += 2) g.fillRect(points[i] - dot / 2, points[i + 1] - dot / 2, dot, dot);
  }
}

/** Frames per second over the last RATE_FRAMES frames (a slow adapter may take over a second for one). */
function frameRate(now) {
  frameTimes.push(now);
  if (frameTimes.length > RATE_FRAMES + 1) frameTimes.shift();
  const span = (frameTimes.at(-1) - frameTimes[0]) / 1000;
  return frameTimes.length > 1 ? (frameTimes.length - 1) / span : 0;
}

/** A summary of the mask for the tests: the mean of each of 16x16 blocks. */
function maskBlocks(mask) {
  const blocks = new Array(256).fill(0);
  for (let y = 0; y < MASK_SIZE; y++) for (let x = 0; x < MASK_SIZE; x++) blocks[(y >> 4) * 16 + (x >> 4)] += mask[y * MASK_SIZE + x] / 256;
  return blocks.map((b) => Number(b.toFixed(3)));
}

async function processFrame(frame) {
  const replace = $('background').checked;
  const [detections, mask] = await Promise.all([detectFaces(frame), replace ? personMask(frame) : null]);
  const faces = [];
  for (const [index, detection] of detections.entries()) {
    // The first face's crop stays in the figure; the others use a canvas of their own.
    const canvas = index === 0 ? $('landmark-input') : Object.assign(document.createElement('canvas'), { width: LANDMARK_SIZE, height: LANDMARK_SIZE });
    const landmarks = await faceLandmarks(frame, detection, canvas);
    faces.push({ ...detection, landmarks: landmarks.presence >= PRESENCE_THRESHOLD ? landmarks : null, presence: landmarks.presence });
  }
  const view = $('view');
  if (view.width !== frame.width || view.height !== frame.height) Object.assign(view, { width: frame.width, height: frame.height });
  drawFrame(frame, mask);
  drawFaces(faces);
  const rate = frameRate(performance.now());
  $('fps').textContent = rate ? `${rate.toFixed(1)} frames/s` : '';
  $('faces').textContent = faces.length
    ? `${faces.length} face${faces.length === 1 ? '' : 's'}: ${faces.map((f) => `${(100 * f.score).toFixed(0)}%${f.landmarks ? ', 468 points' : ', no landmarks (presence under 50%)'}`).join('; ')}`
    : 'No face found.';
  const round = (v) => Number(v.toFixed(4));
  const box = (b) => [b.xMin, b.yMin, b.width, b.height].map(round);
  view.dataset.faces = JSON.stringify(faces.map((f) => ({
    score: round(f.score), box: box(f.box), inputBox: box(f.inputBox), keypoints: f.keypoints.map((p) => p.map(round)),
    presence: round(f.presence), landmarks: f.landmarks ? Array.from(f.landmarks.points, round) : null,
  })));
  view.dataset.mask = mask ? JSON.stringify(maskBlocks(mask)) : '';
  view.dataset.frames = String(Number(view.dataset.frames ?? 0) + 1);
  view.dataset.fps = rate.toFixed(2);
}

async function cameraLoop(camera) {
  const video = $('video');
  while (webcam === camera) {
    if (video.readyState < 2 || !video.videoWidth) {
      await tw.nextFrame();
      continue;
    }
    const frame = await createImageBitmap(video);
    try {
      await processFrame(frame);
    } finally {
      frame.close();
    }
  }
}

async function toggleCamera() {
  $('error').hidden = true;
  if (webcam) {
    webcam.stop();
    webcam = null;
    $('camera').textContent = 'Start camera';
    $('status').textContent = `Models ready on ${backendName} in a worker. Start the camera.`;
    return;
  }
  $('camera').disabled = true;
  try {
    webcam = await tw.data.webcam($('video'), { facingMode: 'user' });
  } finally {
    $('camera').disabled = false;
  }
  frameTimes.length = 0;
  $('camera').textContent = 'Stop camera';
  $('status').textContent = 'Finding faces in the camera…';
  cameraLoop(webcam).catch(showError);
}

$('camera').addEventListener('click', () => toggleCamera().catch(showError));

async function main() {
  await startBackend();
  const runtime = await tw.worker();
  backendName = runtime.backend;
  const names = Object.keys(MODELS);
  const fractions = names.map(() => 0);
  await Promise.all(names.map(async (name, index) => {
    models[name] = await runtime.loadGraphModel(MODELS[name], {
      onProgress: (fraction) => {
        fractions[index] = fraction;
        $('progress').value = fractions.reduce((a, b) => a + b) / names.length;
      },
    });
  }));
  $('progress').value = 1;
  $('status').textContent = `Models ready on ${backendName} in a worker. Start the camera.`;
  $('camera').disabled = !navigator.mediaDevices?.getUserMedia;
  if ($('camera').disabled) showError('This browser gives the page no camera (navigator.mediaDevices.getUserMedia is missing; the page must be served over https or from localhost).');
  document.body.dataset.ready = 'true';
}

main().catch((error) => showError(`Could not start: ${error.message ?? error}. Is the server run with --models .tensorweb/examples (tensorweb examples makes them)?`));

// Trains a CNN on scikit-learn's 8x8 digits (digits.bin, a copy of
// tests/fixtures/digits; layout in digits.json) in the page with the layers API,
// plots loss and accuracy live, shows the held-out confusion matrix, and reads
// digits drawn on a pad, turned into 8x8 counts of 0..16 the way the data set was made.
import * as tw from '/js/dist/tensorweb.js';
import { showError, startBackend, wholeNumberIn } from '../common.js';

const TRAIN = 1437; // sklearn's order: the first 1437 train, the last 360 are held out
const SEED = 42;
const $ = (id) => document.getElementById(id);

let data = null;
let model = null;
const history = { loss: [], acc: [], val: [] }; // val: [batch index, accuracy] per epoch

async function loadData() {
  const [meta, bytes] = await Promise.all([
    fetch('./digits.json').then((r) => r.json()),
    fetch('./digits.bin').then((r) => r.arrayBuffer()).then((b) => new Uint8Array(b)),
  ]);
  if (bytes.length !== meta.bytes) throw new Error(`digits.bin: ${bytes.length} bytes, digits.json says ${meta.bytes}`);
  const n = meta.count;
  const pixels = Float32Array.from(bytes.subarray(meta.pixelsOffset, meta.pixelsOffset + n * 64), (v) => v / meta.maxPixel);
  const labels = Int32Array.from(bytes.subarray(meta.labelsOffset, meta.labelsOffset + n));
  return tw.tidy(() => {
    const x = tw.tensor(pixels, [n, 8, 8, 1]);
    const y = tw.oneHot(tw.tensor(labels, [n], 'int32'), 10).cast('float32');
    return {
      maxPixel: meta.maxPixel,
      xTrain: x.slice([0, 0, 0, 0], [TRAIN, 8, 8, 1]), yTrain: y.slice([0, 0], [TRAIN, 10]),
      xTest: x.slice([TRAIN, 0, 0, 0], [n - TRAIN, 8, 8, 1]), yTest: y.slice([TRAIN, 0], [n - TRAIN, 10]),
      testLabels: labels.subarray(TRAIN),
    };
  });
}

function buildModel() {
  tw.layers.setSeed(SEED); // same weights and batch order on every run
  const m = tw.sequential({ layers: [
    tw.layers.conv2d({ inputShape: [8, 8, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
    tw.layers.maxPooling2d({ poolSize: 2 }),
    tw.layers.flatten(),
    tw.layers.dense({ units: 10, activation: 'softmax' }),
  ] });
  m.compile({ optimizer: tw.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** The loss axis's top: the first of 0.4, 0.8, 2, 4, 8... at or above `value`, so that its quarters are round. */
function lossAxisTop(value) {
  for (const top of [0.4, 0.8]) if (value <= top) return top;
  let top = 2;
  while (top < value) top *= 2;
  return top;
}

/**
 * Loss per batch on its own axis (right, in loss units, from 0 to the largest
 * loss rounded up), accuracy per batch and held-out accuracy per epoch on the
 * left axis (0 to 1). The axes' ranges also go in the canvas's data and label.
 */
function drawChart() {
  const canvas = $('chart');
  const g = canvas.getContext('2d');
  const { width, height } = canvas;
  const [left, right, top, bottom] = [58, 52, 16, 36];
  const lossMax = lossAxisTop(Math.max(0, ...history.loss));
  g.clearRect(0, 0, width, height);
  g.font = '20px system-ui, sans-serif'; // the 640-pixel canvas is shown at half size on a phone
  const yAt = (fraction) => top + (height - top - bottom) * (1 - fraction);
  for (let i = 0; i <= 4; i++) {
    const y = yAt(i / 4);
    g.strokeStyle = '#e1e4ea';
    g.beginPath(); g.moveTo(left, y); g.lineTo(width - right, y); g.stroke();
    g.textAlign = 'right';
    g.fillStyle = '#2f5bd3';
    g.fillText((i / 4).toFixed(2), left - 6, y + 7);
    g.textAlign = 'left';
    g.fillStyle = '#d3452f';
    g.fillText(((lossMax * i) / 4).toFixed(1), width - right + 6, y + 7);
  }
  g.fillStyle = '#6b7384';
  g.textAlign = 'center';
  g.fillText('batch', (left + width - right) / 2, height - 8);
  g.textAlign = 'left';
  const total = Math.max(history.loss.length, 2);
  const xAt = (i) => left + (width - left - right) * (i / (total - 1));
  const line = (values, color, scale) => {
    g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
    values.forEach((v, i) => (i ? g.lineTo(xAt(i), yAt(v / scale)) : g.moveTo(xAt(i), yAt(v / scale))));
    g.stroke();
  };
  line(history.loss, '#d3452f', lossMax);
  line(history.acc, '#2f5bd3', 1);
  g.fillStyle = '#1f9d55';
  for (const [i, v] of history.val) { g.beginPath(); g.arc(xAt(i), yAt(v), 5, 0, 2 * Math.PI); g.fill(); }
  g.lineWidth = 1;
  canvas.dataset.lossAxis = `0-${lossMax}`;
  canvas.dataset.accuracyAxis = '0-1';
  canvas.setAttribute('aria-label', `loss per batch on the right axis (0 to ${lossMax}), accuracy on the left axis (0 to 1)`);
}

function drawConfusion(matrix) {
  const canvas = $('confusion');
  const g = canvas.getContext('2d');
  const cell = (canvas.width - 24) / 10;
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.font = '13px system-ui, sans-serif';
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  const rowMax = matrix.map((row) => Math.max(1, row.reduce((a, b) => a + b, 0)));
  for (let t = 0; t < 10; t++) {
    g.fillStyle = '#6b7384';
    g.fillText(String(t), 10, 24 + cell * (t + 0.5));
    g.fillText(String(t), 24 + cell * (t + 0.5), 10);
    for (let p = 0; p < 10; p++) {
      const share = matrix[t][p] / rowMax[t];
      g.fillStyle = t === p ? `rgba(47,91,211,${0.1 + 0.9 * share})` : `rgba(211,69,47,${share ? 0.15 + 0.85 * share : 0.04})`;
      g.fillRect(24 + cell * p + 1, 24 + cell * t + 1, cell - 2, cell - 2);
      if (matrix[t][p]) {
        g.fillStyle = share > 0.5 ? '#fff' : '#1d2330';
        g.fillText(String(matrix[t][p]), 24 + cell * (p + 0.5), 24 + cell * (t + 0.5));
      }
    }
  }
}

async function evaluate() {
  const probabilities = model.predict(data.xTest);
  const predicted = await probabilities.argMax(-1).data();
  probabilities.dispose();
  const matrix = Array.from({ length: 10 }, () => new Array(10).fill(0));
  let right = 0;
  predicted.forEach((p, i) => {
    matrix[data.testLabels[i]][p] += 1;
    right += p === data.testLabels[i] ? 1 : 0;
  });
  drawConfusion(matrix);
  return right / predicted.length;
}

async function train() {
  $('error').hidden = true;
  const epochs = wholeNumberIn($('epochs'), 'Epochs');
  $('train').disabled = true;
  try {
    model?.dispose();
    model = buildModel();
    history.loss = []; history.acc = []; history.val = [];
    const started = performance.now();
    await model.fit(data.xTrain, data.yTrain, {
      epochs, batchSize: 32, shuffle: true,
      callbacks: {
        onBatchEnd: async (batch, logs) => {
          history.loss.push(logs.loss);
          history.acc.push(logs.acc ?? logs.accuracy);
          drawChart();
        },
        onEpochEnd: async (epoch) => {
          const accuracy = await evaluate();
          history.val.push([history.loss.length - 1, accuracy]);
          drawChart();
          $('status').textContent = `Epoch ${epoch + 1}/${epochs}: held-out accuracy ${accuracy.toFixed(3)}`;
          await tw.nextFrame(); // let the page paint between epochs
        },
      },
    });
    const accuracy = history.val.at(-1)[1];
    $('accuracy').textContent = accuracy.toFixed(3);
    $('accuracy').dataset.value = String(accuracy);
    $('status').textContent = `Trained ${epochs} epochs in ${((performance.now() - started) / 1000).toFixed(1)} s on ${tw.getBackend()}. Draw a digit below.`;
    document.body.dataset.trained = 'true';
    await predictDrawing();
  } finally {
    $('train').disabled = false;
  }
}

// Drawing pad: white strokes on black, like the data set's ink on paper counts.
const pad = $('pad');
const pen = pad.getContext('2d', { willReadFrequently: true });
let drawing = false;
let inked = false;

function clearPad() {
  pen.fillStyle = '#000';
  pen.fillRect(0, 0, pad.width, pad.height);
  inked = false;
  $('small').getContext('2d').clearRect(0, 0, 8, 8);
  $('prediction').textContent = '–';
  $('confidence').textContent = '';
  delete $('prediction').dataset.digit;
}

function padPoint(event) {
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) * (pad.width / box.width), (event.clientY - box.top) * (pad.height / box.height)];
}

pad.addEventListener('pointerdown', (event) => {
  drawing = true;
  pad.setPointerCapture(event.pointerId);
  const [x, y] = padPoint(event);
  pen.strokeStyle = '#fff'; pen.lineWidth = 22; pen.lineCap = 'round'; pen.lineJoin = 'round';
  pen.beginPath(); pen.moveTo(x, y); pen.lineTo(x, y); pen.stroke();
  inked = true;
});
pad.addEventListener('pointermove', (event) => {
  if (!drawing) return;
  const [x, y] = padPoint(event);
  pen.lineTo(x, y); pen.stroke();
});
const endStroke = () => {
  if (!drawing) return;
  drawing = false;
  predictDrawing().catch(showError);
};
pad.addEventListener('pointerup', endStroke);
pad.addEventListener('pointercancel', endStroke);

/**
 * The pad as the data set's 8x8 image: the ink's bounding box, centred in a
 * square, scaled to 32x32 and thresholded, then the count of inked pixels in
 * each 4x4 block (0..16), which is how the UCI digits were made.
 */
function padToDigit() {
  const { width, height } = pad;
  const ink = pen.getImageData(0, 0, width, height).data;
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[4 * (y * width + x)] > 127) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    }
  }
  if (x1 < 0) return null;
  const side = Math.max(x1 - x0, y1 - y0) + 1;
  const small = new OffscreenCanvas(32, 32).getContext('2d', { willReadFrequently: true });
  small.fillStyle = '#000';
  small.fillRect(0, 0, 32, 32);
  small.imageSmoothingQuality = 'high';
  small.drawImage(pad, (x0 + x1 + 1) / 2 - side / 2, (y0 + y1 + 1) / 2 - side / 2, side, side, 0, 0, 32, 32);
  const bits = small.getImageData(0, 0, 32, 32).data;
  const counts = new Float32Array(64);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) if (bits[4 * (y * 32 + x)] > 127) counts[(y >> 2) * 8 + (x >> 2)] += 1;
  }
  return counts;
}

async function predictDrawing() {
  if (!inked) return;
  const counts = padToDigit();
  if (!counts) return;
  const preview = $('small').getContext('2d');
  const image = preview.createImageData(8, 8);
  counts.forEach((c, i) => image.data.set([255 * c / 16, 255 * c / 16, 255 * c / 16, 255], 4 * i));
  preview.putImageData(image, 0, 0);
  $('small').dataset.counts = Array.from(counts).join(',');
  if (!model) {
    $('prediction').textContent = '–';
    $('confidence').textContent = 'train the model first';
    return;
  }
  const probabilities = tw.tidy(() => model.predict(tw.tensor(counts, [1, 8, 8, 1]).div(data.maxPixel)));
  const values = await probabilities.data();
  probabilities.dispose();
  const digit = values.indexOf(Math.max(...values));
  $('prediction').textContent = String(digit);
  $('prediction').dataset.digit = String(digit);
  $('confidence').textContent = `(${(values[digit] * 100).toFixed(0)}%)`;
}

$('clear').addEventListener('click', clearPad);
$('train').addEventListener('click', () => train().catch(showError));

async function main() {
  clearPad();
  const backend = await startBackend();
  data = await loadData();
  drawChart();
  $('status').textContent = `${TRAIN} training and ${data.testLabels.length} held-out digits loaded; running on ${backend}.`;
  $('train').disabled = false;
  document.body.dataset.ready = 'true';
}

main().catch(showError);

// TFLite models on the webgpu backend in Chromium, against LiteRT's outputs recorded by
// tests/fixtures/tflite/make_tflite_fixtures.py on the same input (the pattern both make, or a photo's pixels
// the fixture keeps): MediaPipe's (from the mediapipe
// 0.10.14 wheel, converted into examples-cache/ by tests/fixtures/mediapipe_models.py) and a model
// built there (MediaPipe's max pooling with argmax and unpooling), converted into examples-cache/ here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, sharedWebGpuPage } from '../helper.mjs';
import { assertClose } from '../../js/graph/helpers.mjs';

const MODELS = ['face_detection_short_range', 'hand_landmark_lite', 'palm_detection_lite', 'selfie_segmentation',
  'iris_landmark', 'face_landmark', 'max_unpooling'];
const BUILT = new Set(['max_unpooling']); // committed beside their .io.json
const shared = sharedWebGpuPage();

function python(args, what) {
  const result = spawnSync(join(ROOT, '.venv/bin/python'), args, { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The converted model's folder, relative to the repository root the test server serves. */
function convert(name) {
  if (!BUILT.has(name)) return relative(ROOT, python(['tests/fixtures/mediapipe_models.py', name], `converting ${name}`).trim());
  const out = `examples-cache/tflite-web/${name}`;
  python(['-m', 'tensorweb.converter.cli', 'convert', `tests/fixtures/tflite/${name}.tflite`, out, '--force'], `converting ${name}`);
  return out;
}

/** Integer pixel p as the model takes it (mediapipe_models.in_range, before float32 rounding). */
const inRange = (p, range) => (range === 'unit' ? p / 255 : p / 127.5 - 1);

/** mediapipe_models.pattern_image, pixel for pixel. */
function patternImage([n, h, w, c], range) {
  const values = new Float32Array(n * h * w * c);
  let i = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) {
          const pixel = ((((x * x + 3 * y * y) >> 5) + 17 * ((x >> 3) ^ (y >> 3)) + 85 * ch) & 255);
          values[i++] = inRange(pixel, range);
        }
      }
    }
  }
  return values;
}

/** The fixture's input: its photo's pixels where it keeps them, else the pattern, in the model's range. */
function inputOf({ shape, range, pixels }) {
  if (!pixels) return Array.from(patternImage(shape, range));
  return Array.from(Buffer.from(pixels, 'base64'), (p) => Math.fround(inRange(p, range)));
}

function recordedOutputs(io) {
  return Object.fromEntries(Object.entries(io.outputs).map(([name, { shape, float32 }]) => {
    const bytes = Buffer.from(float32, 'base64');
    return [name, { shape, values: Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)) }];
  }));
}

for (const name of MODELS) {
  test(`webgpu: ${name}.tflite, converted, matches LiteRT on every output`, async (t) => {
    const io = JSON.parse(readFileSync(join(ROOT, `tests/fixtures/tflite/${name}.io.json`), 'utf8'));
    const folder = convert(name);
    const input = inputOf(io.input);
    const report = await shared.page.run(async (tw, { folder, input, shape, inputName }) => {
      const model = await tw.loadGraphModel(`/${folder}/model.json`);
      const x = tw.tensor(input, shape, 'float32');
      const outputs = model.predict({ [inputName]: x });
      const byName = outputs instanceof tw.Tensor ? { [model.outputNodes[0]]: outputs } : outputs;
      const result = { backends: [...new Set(model.weights.map((w) => tw.engine().backendOf(w)))], outputs: {} };
      for (const [key, tensor] of Object.entries(byName)) {
        result.outputs[key] = { shape: tensor.shape, backend: tw.engine().backendOf(tensor), values: Array.from(await tensor.data()) };
      }
      tw.dispose([x, outputs]);
      model.dispose();
      return result;
    }, { folder, input, shape: io.input.shape, inputName: io.input.name });
    assert.deepEqual(report.backends, ['webgpu']);
    const expected = recordedOutputs(io);
    assert.deepEqual(Object.keys(report.outputs).sort(), Object.keys(expected).sort());
    for (const [output, { shape, values }] of Object.entries(expected)) {
      assert.equal(report.outputs[output].backend, 'webgpu');
      assert.deepEqual(report.outputs[output].shape, shape);
      assertClose(report.outputs[output].values, values, io.tolerance, `${name} ${output}`);
      // A match means something only where the oracle's output varies by far more than the tolerance allows.
      if (values.length > 1) {
        const spread = Math.max(...values) - Math.min(...values);
        assert.ok(spread >= 100 * io.tolerance.atol, `${name} ${output}: LiteRT's output spans only ${spread} on this input`);
      }
      const largest = Math.max(...values.map(Math.abs));
      const worst = Math.max(...values.map((v, i) => Math.abs(report.outputs[output].values[i] - v)));
      t.diagnostic(`${output}: largest error ${worst.toExponential(2)}, ${(worst / largest).toExponential(2)} of its largest value`);
    }
  });
}

// Issue 20 at full size (`make soak` only: too slow for the browser tier on
// SwiftShader): SqueezeNet, ResNet-50 and DenseNet-121 from the onnx
// package, with seeded weights (tests/fixtures/graph/make_light_models.py
// converts them into .tensorweb/light), loaded into one page and run in
// turn with none disposed, at the default buffer-pool cap, which together
// they pass. Each must match onnxruntime every time, in two orders; then
// disposing them all leaves the page's memory as it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { BrowserSession, ROOT } from '../browser/helper.mjs';
import { assertClose } from '../js/graph/helpers.mjs';

const MODELS = ['squeezenet', 'resnet50', 'densenet121'];
const FOLDER = `${ROOT}/.tensorweb/light`;

let session;
let page;
before(async () => {
  for (const name of MODELS) {
    assert.ok(existsSync(`${FOLDER}/${name}/model.json`), `${FOLDER}/${name} is missing: run make soak (it converts the models first)`);
  }
  session = await BrowserSession.start();
  page = await session.newPage();
  assert.equal(await page.run(async (tw) => tw.setBackend('webgpu')), true, 'the webgpu backend initialises');
});
after(() => session?.close());

test('webgpu: SqueezeNet, ResNet-50 and DenseNet-121 alive in one page each match onnxruntime, in two orders, and dispose cleanly', async (t) => {
  const ios = Object.fromEntries(MODELS.map((name) => [name, JSON.parse(readFileSync(`${FOLDER}/${name}.io.json`))]));
  const order = [...MODELS, ...[...MODELS].reverse()];
  const report = await page.run(async (tw, { ios, order }) => {
    const before = tw.memory();
    const models = {};
    const runs = [];
    for (const name of order) {
      const started = performance.now();
      models[name] ??= await tw.loadGraphModel(`/.tensorweb/light/${name}/model.json`);
      const [[input, v]] = Object.entries(ios[name].inputs);
      const x = tw.tensor(v.values, v.shape, v.dtype);
      const y = models[name].predict({ [input]: x });
      const values = Array.from(await y.data());
      tw.dispose([x, y]);
      const gpu = tw.memory().backends.webgpu;
      runs.push({ name, values, seconds: (performance.now() - started) / 1000, gpuBytes: gpu.numBytes, pooledBytes: gpu.pooledBytes });
    }
    for (const model of Object.values(models)) model.dispose();
    const end = tw.memory();
    return { runs, leftTensors: end.numTensors - before.numTensors, leftBytes: end.numBytes - before.numBytes };
  }, { ios, order });
  for (const { name, values, seconds, gpuBytes, pooledBytes } of report.runs) {
    t.diagnostic(`${name}: ${seconds.toFixed(1)} s; GPU bytes of live tensors ${gpuBytes}, pooled ${pooledBytes}`);
    const [expected] = Object.values(ios[name].outputs);
    assertClose(values, expected.values, ios[name].tolerance, name);
  }
  assert.ok(report.runs.some((r) => r.pooledBytes > 200 * 1024 * 1024), 'the pool came near its 256 MiB cap, as in the issue');
  assert.equal(report.leftTensors, 0);
  assert.equal(report.leftBytes, 0);
});

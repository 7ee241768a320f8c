// Keras models converted by `tensorweb convert` (tests/fixtures/train/two_branch_layers,
// from tests/fixtures/tf/two_branch.keras) and TensorFlow.js layers models
// load over HTTP as layers models, predict what Keras predicted, and train on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tw from '../../../js/dist/tensorweb.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const expected = JSON.parse(readFileSync(join(FIXTURES, 'train/two_branch_expected.json')));
let server;
let base;

before(async () => {
  server = createServer((req, res) => {
    try {
      // /corrupt/<path> serves <path> with its first byte flipped.
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
      const corrupt = path.startsWith('corrupt/');
      const body = readFileSync(join(FIXTURES, corrupt ? path.slice('corrupt/'.length) : path));
      if (corrupt && path.endsWith('.bin')) body[0] ^= 0xff;
      res.writeHead(200).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());

function assertClose(actual, values, what, atol = 1e-4) {
  assert.equal(actual.length, values.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - values[i]) <= atol, `${what}[${i}]: ${v} vs ${values[i]}`));
}

for (const [name, folder] of [['two_branch', 'train/two_branch_layers'], ['two_branch_tfjs_layers', 'tf/two_branch_tfjs_layers']]) {
  test(`${folder} loads as a layers model and predicts what Keras predicted`, async () => {
    const model = await tw.loadLayersModel(`${base}/${folder}/model.json`);
    assert.deepEqual(model.layers.map((l) => l.className).slice(0, 4), ['InputLayer', 'Conv2D', 'BatchNormalization', 'ReLU']);
    assert.equal(model.getLayer('stem_bn').weights.filter((w) => !w.variable.trainable).length, 2, 'moving statistics do not train');
    const feed = expected[name]['input:image'];
    const image = tw.tensor(feed.values, feed.shape);
    const probabilities = model.predict(image);
    assertClose(probabilities.dataSync(), expected[name]['output:probabilities'].values, 'probabilities');
    tw.dispose([image, probabilities]);
    model.dispose();
  });
}

test('a converted Keras model continues training: the loss falls on a fixed batch', async () => {
  const model = await tw.loadLayersModel(`${base}/train/two_branch_layers/model.json`);
  const x = tw.randomNormal([8, 12, 12, 3], 0, 1, 'float32', 5);
  const y = tw.tensor([0, 1, 2, 3, 4, 0, 1, 2], [8], 'int32');
  model.compile({ optimizer: tw.train.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const movingMean = () => Array.from(model.getLayer('stem_bn').weights.find((w) => w.name.endsWith('moving_mean')).variable.dataSync());
  const meanBefore = movingMean();
  const history = await model.fit(x, y, { epochs: 8, batchSize: 8 });
  const losses = history.history.loss;
  assert.ok(losses[7] < losses[0] * 0.7, `losses ${losses}`);
  assert.notDeepEqual(movingMean(), meanBefore, 'batch normalization moved its statistics while training');
  tw.dispose([x, y]);
  model.dispose();
});

test('a missing shard, a wrong format and a corrupted shard are errors that say so', async () => {
  await assert.rejects(tw.loadLayersModel(`${base}/nope/model.json`), /404|not found/i);
  await assert.rejects(tw.loadLayersModel(tw.io.fromMemory({ modelJSON: { format: 'tensorweb-graph' }, weightSpecs: [], weightData: new ArrayBuffer(0) })),
    /not a layers model/);
  await assert.rejects(tw.loadLayersModel(`${base}/corrupt/train/two_branch_layers/model.json`), /sha256/);
});
